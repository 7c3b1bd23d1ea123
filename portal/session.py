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
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

from enrolment.credentials import destination_clean
from enrolment.models import Membership
from unionroll.i18n import notice_language

SESSION_KEY = "portal_membership_id"
# How this session signed in: "link" (a link sent to the member's phone or e-mail, or the
# welcome's) or "code" (the letter's code and the date of birth). A leave made after signing in
# by code alone gets a receipt and can be undone (portal/views_pages.py).
SIGNED_IN_BY_KEY = "portal_signed_in_by"
SIGNED_IN_BY_LINK = "link"
SIGNED_IN_BY_CODE = "code"
# The language of the pages chosen with the switch in the header, for this browser only. It
# never changes the language of the member's notices: that is set on My details.
LANGUAGE_SESSION_KEY = "portal_language"


def member_sign_in(request: HttpRequest, *, membership_id: int, signed_in_by: str) -> None:
    """Bind this browser's session to one membership. The pages then follow the member's own
    language (a language tried on the sign-in page, perhaps by someone else on a shared phone,
    is forgotten)."""
    request.session.cycle_key()
    request.session.pop(LANGUAGE_SESSION_KEY, None)
    request.session[SESSION_KEY] = membership_id
    request.session[SIGNED_IN_BY_KEY] = signed_in_by
    request.session.set_expiry(settings.UNIONROLL_PORTAL_SESSION_SECONDS)


def signed_in_by(request: HttpRequest) -> str:
    return request.session.get(SIGNED_IN_BY_KEY, "")


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
            return _to_sign_in(request)
        request.membership = membership  # type: ignore[attr-defined]
        # The session lasts UNIONROLL_PORTAL_SESSION_SECONDS from the last page, not from
        # sign-in: setting the expiry marks the session changed, so it is saved again.
        request.session.set_expiry(settings.UNIONROLL_PORTAL_SESSION_SECONDS)
        return portal_response(portal_language(request, membership), view, request, *args, **kwargs)

    return wrapper


def _to_sign_in(request: HttpRequest) -> HttpResponse:
    """To the sign-in page, keeping where the member was going (a page key, never a member's
    data): after signing in, by code or by a link asked for there, they land on that page."""
    url = reverse("portal:sign_in")
    match = request.resolver_match
    page = destination_clean(match.url_name if match else "")
    if page and page != "membership":
        url += "?" + urlencode({"next": page})
    return redirect(url)


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
    """The language chosen with the header's switch in this browser, if any; else the member's
    own language once known; else the browser's (LocaleMiddleware). Always one of the six."""
    chosen = request.session.get(LANGUAGE_SESSION_KEY)
    if chosen:
        return notice_language(chosen)
    if membership is not None:
        return notice_language(membership.person.language)
    return notice_language(translation.get_language())
