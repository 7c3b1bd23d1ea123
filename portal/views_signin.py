"""Sign-in pages of the member portal: ask for a link, open a link, code + date of birth,
sign out.

No page says whether a phone number, address or code is on file, and none puts one in a URL
or a log: after the link form the browser goes to "link_sent" whatever was typed, in the same
time (the lookup is a task's). A link's token travels after "#" and in a POST, never in a path.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from enrolment import credentials as signin
from portal.fields import DateOfBirthField
from portal.session import (
    SIGNED_IN_BY_CODE,
    SIGNED_IN_BY_LINK,
    member_sign_in,
    member_sign_out,
    portal_language,
    portal_response,
    signed_in_membership,
)

# Where a member lands after signing in (the portal's first page).
HOME = "portal:membership"


class ContactForm(forms.Form):
    """A link by SMS (the phone field, which brings up the number keyboard) or by e-mail."""

    phone = forms.CharField(
        label=_("Your mobile phone number"),
        help_text=_("For example 06 12345678 or +48 600 100 200"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.CharField(
        label=_("Or your e-mail address"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    # Only needed where two members share one phone or address; asked of everyone alike, so
    # the form says nothing about whether a number is shared (or known).
    date_of_birth = DateOfBirthField(
        label=_("Your date of birth, if you share this phone or e-mail"),
        help_text=_(
            "Does someone else, for example in your family, use the same phone number or "
            "e-mail address? Then we need your date of birth to know the link is for you."
        ),
        required=False,
    )
    # Checked against the portal's pages by the view, whatever its length.
    next = forms.CharField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Both forms share a page: their ids must differ (the date boxes of each).
        kwargs.setdefault("auto_id", "link_%s")
        super().__init__(*args, **kwargs)

    def clean_phone(self) -> signin.Contact | None:
        text = self.cleaned_data["phone"].strip()
        if not text:
            return None
        contact = signin.contact_parse(text)
        if contact is None or contact.channel != signin.CHANNEL_SMS:
            raise forms.ValidationError(
                _("This is not a phone number we can use. Check it and try again.")
            )
        return contact

    def clean_email(self) -> signin.Contact | None:
        text = self.cleaned_data["email"].strip()
        if not text:
            return None
        contact = signin.contact_parse(text)
        if contact is None or contact.channel != signin.CHANNEL_EMAIL:
            raise forms.ValidationError(
                _("This is not an e-mail address we can use. It looks like name@example.com.")
            )
        return contact

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not data.get("phone") and not data.get("email"):
            self.add_error(
                "phone", _("Enter your mobile phone number, or your e-mail address below.")
            )
        return data

    @property
    def contact(self) -> signin.Contact:
        # The phone when both are given: an SMS is read sooner than an e-mail.
        return self.cleaned_data["phone"] or self.cleaned_data["email"]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Your personal code (from your welcome letter)"),
        help_text=_("For example K7QX-M4PA"),
        max_length=20,
        error_messages={"required": _("Enter the code from your letter.")},
    )
    date_of_birth = DateOfBirthField(
        label=_("Your date of birth"),
        help_text=_("For example 17 5 1990"),
        error_messages={"required": _("Enter your date of birth.")},
    )
    # Checked against the portal's pages by the view, whatever its length.
    next = forms.CharField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "code_%s")
        super().__init__(*args, **kwargs)


def _client(request: HttpRequest) -> str:
    # The address the per-client limit counts. Behind a reverse proxy REMOTE_ADDR is the
    # proxy's: the deployment must then set it from the header its own proxy writes (e.g. a
    # middleware taking the last X-Forwarded-For entry appended by that proxy), never from a
    # header the client can send itself.
    return request.META.get("REMOTE_ADDR", "")


def _portal_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in pages: in the language chosen on the page (or the browser's), never cached."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = portal_response(portal_language(request), view, request, *args, **kwargs)
        # No other site is told which page sent the visitor. Not "no-referrer": browsers then
        # send "Origin: null" with the page's own forms, which CSRF refuses.
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    return wrapper


def _render(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    return render(request, f"portal/{template}", context, status=status)


def _destination(request: HttpRequest) -> str:
    """The page the member was going to (a key from the list of portal pages, else "")."""
    source = request.POST if request.method == "POST" else request.GET
    return signin.destination_clean(source.get("next", ""))


def _landing(destination: str) -> HttpResponse:
    return redirect(f"portal:{destination}" if destination else HOME)


def _sign_in_page(
    request: HttpRequest,
    *,
    contact_form: ContactForm | None = None,
    code_form: CodeForm | None = None,
    template: str = "signin.html",
    status: int = 200,
    limited: bool = False,
) -> HttpResponse:
    destination = _destination(request)
    return _render(
        request,
        template,
        {
            "contact_form": contact_form or ContactForm(),
            "code_form": code_form or CodeForm(),
            "limited": limited,
            "next": destination,
            "signed_in": signed_in_membership(request) is not None,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """The way in. A member who is signed in already goes on to their page."""
    if request.method == "GET" and signed_in_membership(request) is not None:
        return _landing(_destination(request))
    return _sign_in(request)


@_portal_page
def _sign_in(request: HttpRequest) -> HttpResponse:
    """Both ways in: a link by SMS or e-mail, or the letter's code with the date of birth."""
    if request.method == "GET":
        return _sign_in_page(request)
    if request.POST.get("form") == "code":
        return _code_sign_in(request)
    form = ContactForm(request.POST)
    if not form.is_valid():
        return _sign_in_page(request, contact_form=form, status=400)
    if not signin.signin_link_request(
        contact=form.contact,
        date_of_birth=form.cleaned_data["date_of_birth"],
        destination=_destination(request),
        client=_client(request),
    ):
        # The same for a known and an unknown contact: the limits count both alike.
        return _sign_in_page(request, contact_form=ContactForm(), status=429, limited=True)
    # Known or not, the same redirect and the same page, in the same time (nobody was looked up:
    # a task does that); nothing of what was typed in the URL.
    return redirect("portal:link_sent")


def _code_sign_in(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _sign_in_page(request, code_form=form, status=400)
    result = signin.access_code_sign_in(
        code_text=form.cleaned_data["code"],
        date_of_birth=form.cleaned_data["date_of_birth"],
        client=_client(request),
    )
    if result.outcome == "limited":
        return _sign_in_page(request, code_form=CodeForm(), status=429, limited=True)
    if result.outcome != "ok" or result.membership_id is None:
        # One message for a wrong code and a wrong date: neither is confirmed on its own. What
        # was typed stays in the form, to be corrected rather than typed again.
        form.add_error(
            None, _("The code or the date of birth is not right. Check both and try again.")
        )
        return _sign_in_page(request, code_form=form, status=400)
    member_sign_in(request, membership_id=result.membership_id, signed_in_by=SIGNED_IN_BY_CODE)
    return _landing(_destination(request))


@require_http_methods(["GET"])
@_portal_page
def link_sent(request: HttpRequest) -> HttpResponse:
    return _render(
        request,
        "signin_sent.html",
        {"minutes": settings.UNIONROLL_SIGNIN_LINK_MINUTES, "code_form": CodeForm()},
    )


# A token is 43 characters (secrets.token_urlsafe(32)); anything much longer is no token.
_TOKEN_MAX_LENGTH = 100


@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, language: str = "") -> HttpResponse:
    """The page a sign-in link opens, /my/link/<language>/#<token>, in the member's language
    (the link names it), not the browser's (a phone set to English, a member who reads
    Romanian).

    The token is after "#": a browser never sends that part, so it reaches no server, proxy or
    access log. GET shows the page, whose script (portal/static/portal/link.js) puts the token
    into the form and takes it out of the address bar; SMS and mail apps open links to preview
    them, and that must not use the link up. The member's press on "Sign in" posts it (POST
    /my/link/, CSRF as any form), which signs in; the answer is a redirect to a page of the
    portal, or the "no longer works" page in the language of the link's member.
    """
    if request.method == "GET":
        response = portal_response(
            language or portal_language(request), _render, request, "link.html", {}
        )
    else:
        token = request.POST.get("token", "").strip()
        if len(token) > _TOKEN_MAX_LENGTH:
            token = ""
        member_language = signin.signin_link_language(token=token) if token else None
        response = portal_response(
            member_language or language or portal_language(request), _link_use, request, token
        )
    # "same-origin": no other site is ever told which page sent the visitor (the page's own
    # address has no token either way). Not "no-referrer": browsers then send "Origin: null"
    # with the page's own form, which CSRF refuses.
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@require_http_methods(["GET", "POST"])
def link_in_path(request: HttpRequest, token: str) -> HttpResponse:
    """The old form of a link, /my/link/<token>/, for the links issued in that form before the
    token moved after "#" (``SignInLink.token_in_path``): they keep working until they expire
    (a welcome link: until its opt-out window closes), as before, with a button that posts to
    the same address. Their tokens were in access logs from the first GET anyway. A token
    issued since is not accepted here: it never belongs in a path."""
    language = signin.signin_link_language(token=token, in_path=True) or portal_language(request)
    response = portal_response(language, _link_in_path, request, token)
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _link_in_path(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        if not signin.signin_link_usable(token=token, in_path=True):
            return _sign_in_page(request, template="link_invalid.html", status=410)
        return _render(request, "link.html", {"in_path": True})
    return _link_use(request, token, in_path=True)


def _link_use(request: HttpRequest, token: str, *, in_path: bool = False) -> HttpResponse:
    used = signin.signin_link_consume(token=token, in_path=in_path) if token else None
    if used is None:
        # Used, expired, unknown, or no token at all (a page opened without its fragment).
        return _sign_in_page(request, template="link_invalid.html", status=410)
    member_sign_in(request, membership_id=used.membership_id, signed_in_by=SIGNED_IN_BY_LINK)
    return _landing(used.destination)


@require_http_methods(["GET", "POST"])
@_portal_page
def sign_out(request: HttpRequest) -> HttpResponse:
    """POST signs out; GET asks first (a prefetched link must not sign anyone out)."""
    if request.method == "GET":
        return _render(
            request, "signin_out.html", {"signed_in": signed_in_membership(request) is not None}
        )
    member_sign_out(request)
    return redirect("portal:sign_in")
