"""Who may open the organisation-scoped web pages (rosters, invoices).

Which rows a user then sees is decided by each app's selectors (another organisation's upload
or invoice is a 404); this only keeps out users who act for no organisation at all.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


def organisation_staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in, and either staff of an organisation or a union admin; others get 403."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not (user.is_union_admin or user.organisation_id):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
