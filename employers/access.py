"""Who may open the organisation-scoped pages and endpoints (rosters, invoices).

The web pages' decorator and the API's permission class ask the same question. Which rows a
user then sees is decided by each app's selectors (another organisation's upload or invoice is
a 404); this only keeps out users who act for no organisation at all.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


def acts_for_an_organisation(user: object) -> bool:
    """An API key, a user of an organisation, or a union admin (who acts for any)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and (getattr(user, "is_union_admin", False) or getattr(user, "organisation_id", None))
    )


def organisation_staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in, and either staff of an organisation or a union admin; others get 403."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not acts_for_an_organisation(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
