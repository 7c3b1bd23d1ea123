"""Which membership a portal session belongs to.

The portal's session is separate from staff logins: a member has no User. Signing in stores
one membership id in the session (after cycling the session key, against fixation); every
portal page takes the membership from there and nowhere else, so no URL names a member.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation

from enrolment.models import Membership

SESSION_KEY = "portal_membership_id"
# The language chosen on the sign-in pages before the member is known.
LANGUAGE_SESSION_KEY = "portal_language"


def member_sign_in(request: HttpRequest, *, membership_id: int) -> None:
    """Bind this browser's session to one membership."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = membership_id
    request.session.set_expiry(settings.UNIONROLL_PORTAL_SESSION_SECONDS)


def member_sign_out(request: HttpRequest) -> None:
    request.session.flush()


def signed_in_membership(request: HttpRequest) -> Membership | None:
    membership_id = request.session.get(SESSION_KEY)
    if membership_id is None:
        return None
    return (
        Membership.objects.select_related("person", "sector")
        .filter(pk=membership_id)
        .exclude(status=Membership.Status.MERGED)
        .first()
    )


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Portal pages: the signed-in member's membership as ``request.membership``, the page in
    the member's language; otherwise to the sign-in page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership = signed_in_membership(request)
        if membership is None:
            return redirect("portal:sign_in")
        request.membership = membership  # type: ignore[attr-defined]
        # The session lasts UNIONROLL_PORTAL_SESSION_SECONDS from the last page, not from
        # sign-in: setting the expiry marks the session changed, so it is saved again.
        request.session.set_expiry(settings.UNIONROLL_PORTAL_SESSION_SECONDS)
        return portal_response(portal_language(request, membership), view, request, *args, **kwargs)

    return wrapper


def portal_response(
    language: str,
    view: Callable[..., HttpResponse],
    request: HttpRequest,
    *args: Any,
    **kwargs: Any,
) -> HttpResponse:
    """Run a portal view in ``language`` (rendered inside it), never to be cached: the pages
    show one member's data, on phones that are often shared."""
    with translation.override(language):
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
    response.headers["Cache-Control"] = "no-store"
    return response


def portal_language(request: HttpRequest, membership: Membership | None = None) -> str:
    """The member's own language once known; before that the one chosen on the page, else the
    browser's (LocaleMiddleware); always one of the six."""
    from unionroll.i18n import notice_language

    if membership is not None:
        return notice_language(membership.person.language)
    chosen = request.session.get(LANGUAGE_SESSION_KEY)
    return notice_language(chosen or translation.get_language())
