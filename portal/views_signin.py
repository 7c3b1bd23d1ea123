"""Sign-in pages of the member portal: ask for a link, open a link, code + date of birth,
sign out.

No page says whether a phone number, address or code is on file, and none puts one in a URL
or a log: after the link form the browser goes to "link_sent" whatever was typed.
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
from portal.session import (
    member_sign_in,
    member_sign_out,
    portal_language,
    portal_response,
    signed_in_membership,
)

# Where a member lands after signing in (the portal's first page).
HOME = "portal:membership"


# The date picker sends ISO dates; typed dates are day first, as everywhere in Europe.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"]
DATE_INVALID = _("Enter your date of birth as day-month-year, for example 17-05-1990.")


class ContactForm(forms.Form):
    contact = forms.CharField(
        label=_("Your mobile phone number or e-mail address"),
        help_text=_("For example 06 12345678, +48 600 100 200 or name@example.com"),
        max_length=254,
        error_messages={"required": _("Enter your mobile phone number or e-mail address.")},
    )
    # Only needed where two members share one phone or address; asked of everyone alike, so
    # the form says nothing about whether a number is shared (or known).
    date_of_birth = forms.DateField(
        label=_("Your date of birth, if you share this phone or e-mail"),
        help_text=_(
            "Does someone else, for example in your family, use the same phone number or "
            "e-mail address? Then we need your date of birth to know the link is for you."
        ),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=DATE_INPUT_FORMATS,
        error_messages={"invalid": DATE_INVALID},
    )

    def clean_contact(self) -> signin.Contact:
        contact = signin.contact_parse(self.cleaned_data["contact"])
        if contact is None:
            raise forms.ValidationError(
                _(
                    "This is not a phone number or e-mail address we can use. "
                    "Check it and try again."
                )
            )
        return contact


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Your personal code (from your welcome letter)"),
        help_text=_("For example K7QX-M4PA"),
        max_length=20,
        error_messages={"required": _("Enter the code from your letter.")},
    )
    date_of_birth = forms.DateField(
        label=_("Your date of birth"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=DATE_INPUT_FORMATS,
        error_messages={"required": _("Enter your date of birth."), "invalid": DATE_INVALID},
    )


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
        # A link's token is in the URL: never hand it on to another site. Not "no-referrer":
        # browsers then send "Origin: null" with the page's own forms, which CSRF refuses.
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    return wrapper


def _render(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    return render(request, f"portal/{template}", context, status=status)


def _sign_in_page(
    request: HttpRequest,
    *,
    contact_form: ContactForm | None = None,
    code_form: CodeForm | None = None,
    template: str = "signin.html",
    status: int = 200,
    limited: bool = False,
) -> HttpResponse:
    return _render(
        request,
        template,
        {
            "contact_form": contact_form or ContactForm(),
            "code_form": code_form or CodeForm(),
            "limited": limited,
            "signed_in": signed_in_membership(request) is not None,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """The way in. A member who is signed in already goes to their membership page."""
    if request.method == "GET" and signed_in_membership(request) is not None:
        return redirect(HOME)
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
        contact=form.cleaned_data["contact"],
        date_of_birth=form.cleaned_data["date_of_birth"],
        client=_client(request),
    ):
        # The same for a known and an unknown contact: the limits count both alike.
        return _sign_in_page(request, contact_form=ContactForm(), status=429, limited=True)
    # Known or not, the same redirect and the same page; nothing of what was typed in the URL.
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
    member_sign_in(request, membership_id=result.membership_id)
    return redirect(HOME)


@require_http_methods(["GET"])
@_portal_page
def link_sent(request: HttpRequest) -> HttpResponse:
    return _render(
        request,
        "signin_sent.html",
        {"minutes": settings.UNIONROLL_SIGNIN_LINK_MINUTES, "code_form": CodeForm()},
    )


@require_http_methods(["GET", "POST"])
@_portal_page
def link(request: HttpRequest, token: str) -> HttpResponse:
    """GET only shows a button: SMS and mail apps open links to preview them, and that must
    not use the link up. POST signs in."""
    if request.method == "GET":
        if not signin.signin_link_usable(token=token):
            return _sign_in_page(request, template="link_invalid.html", status=410)
        return _render(request, "link.html", {})
    membership_id = signin.signin_link_consume(token=token)
    if membership_id is None:
        return _sign_in_page(request, template="link_invalid.html", status=410)
    member_sign_in(request, membership_id=membership_id)
    return redirect(HOME)


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
