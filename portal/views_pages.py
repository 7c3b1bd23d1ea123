"""The member portal's pages: my membership, leave / join again, my details, my rights, visits.

Every page takes the member from the session (``member_required``), never from the URL, and
is rendered in the member's language. Changes go through services; a state that no longer
allows a change (a second tap on "leave") gets a plain message, never an error page.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import phonenumbers
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from enrolment.models import ContactChange, Membership, MembershipEvent
from enrolment.services import membership_opt_in, membership_opt_out
from enrolment.services.member_details import (
    CONTACT_FIELDS,
    contact_change_cancel,
    contact_change_confirm,
    contact_change_resend,
    contact_change_void,
    contact_changes_waiting,
    person_details_save,
    person_postal_address_set,
)
from enrolment.services.memberships import (
    OPT_IN_FROM,
    OPT_OUT_FROM,
    LeaveReceipt,
    membership_inside_window,
    membership_leave_receipt,
    membership_opt_out_undo,
)
from portal import selectors
from portal.forms import ContactCodeForm, DetailsForm, LanguageForm
from portal.session import (
    LANGUAGE_SESSION_KEY,
    member_required,
    signed_in_by,
    signed_in_membership,
)
from privacy.export import person_export
from privacy.export_pdf import person_export_pdf
from unionroll.exceptions import ApplicationError
from unionroll.i18n import date_text, language_names, notice_language

S = Membership.Status
# Recorded on the membership event: the change came from the member's own portal.
PORTAL_REASON = "portal"
# Between two times ("10:00 to 14:00" without words: the same in all six languages).
EN_DASH = "\u2013"
# Hides the middle of a phone number or address shown back to the member.
MASK = "\u2022"

NAV = [
    ("portal:membership", gettext_lazy("My membership")),
    ("portal:details", gettext_lazy("My details")),
    ("portal:rights", gettext_lazy("My rights")),
    ("portal:visits", gettext_lazy("Union visits")),
]


def _render(
    request: HttpRequest, template: str, current: str, context: dict[str, Any]
) -> HttpResponse:
    nav = [
        {"url": reverse(name), "label": label, "current": name == current} for name, label in NAV
    ]
    return render(
        request,
        f"portal/{template}",
        {"nav": nav, "signed_in": True, **context},
    )


def membership_status_lines(membership: Membership, *, today: dt.date) -> list[str]:
    """The membership's state in sentences, dates in words, in the active language."""
    union = settings.UNIONROLL_UNION_NAME
    since = date_text(membership.covered_from)
    if membership.status == S.ENROLLED:
        lines = [
            _("You are a member of %(union)s since %(date)s.") % {"union": union, "date": since}
        ]
        if membership_inside_window(membership, today=today):
            lines.append(
                _(
                    "You can leave at any time. If you leave on or before %(date)s, it is as if "
                    "you had never been a member."
                )
                % {"date": date_text(membership.window_ends)}
            )
        else:
            lines.append(_("You can leave at any time. Your membership then ends on that day."))
        return lines
    if membership.status == S.ACTIVE:
        return [
            _("You are a member of %(union)s since %(date)s.") % {"union": union, "date": since},
            _("You can leave at any time. Your membership then ends on that day."),
        ]
    if membership.status == S.OPTED_IN:
        return [
            _("You are a member of %(union)s again since %(date)s.")
            % {"union": union, "date": since},
            _("You can leave at any time. Your membership then ends on that day."),
        ]
    if membership.status == S.OPTED_OUT:
        if membership.void:
            first = _(
                "You are not a member of %(union)s. You left in time, so it is as if you had never "
                "been a member."
            ) % {"union": union}
        else:
            first = _(
                "You are no longer a member of %(union)s. Your membership ended on %(date)s."
            ) % {"union": union, "date": date_text(membership.ended_on)}
        return [first, _("You can join again at any time.")]
    if membership.status == S.LAPSED:
        return [
            _(
                "Your membership of %(union)s has stopped, because no employer has reported work "
                "for you recently."
            )
            % {"union": union},
            _("Your membership starts again by itself when you work in this sector again."),
        ]
    return []


@require_http_methods(["GET"])
@member_required
def membership(request: HttpRequest) -> HttpResponse:
    m: Membership = request.membership  # type: ignore[attr-defined]
    today = timezone.localdate()
    receipt = membership_leave_receipt(m, today=today)
    return _render(
        request,
        "membership.html",
        "portal:membership",
        {
            "first_name": m.person.first_name,
            "status_lines": membership_status_lines(m, today=today),
            "can_leave": m.status in OPT_OUT_FROM,
            "can_rejoin": m.status in OPT_IN_FROM,
            "leave": _leave_view(receipt) if receipt else None,
        },
    )


@require_http_methods(["GET", "POST"])
@member_required
def leave(request: HttpRequest) -> HttpResponse:
    m: Membership = request.membership  # type: ignore[attr-defined]
    today = timezone.localdate()
    if m.status not in OPT_OUT_FROM:
        messages.info(
            request, _("You are not a member at the moment, so there is nothing to leave.")
        )
        return redirect("portal:membership")
    if request.method == "GET":
        return _render(
            request,
            "leave.html",
            "portal:membership",
            {
                "inside_window": membership_inside_window(m, today=today),
                "lapsed": m.status == S.LAPSED,
            },
        )
    try:
        membership_opt_out(
            membership=m,
            actor=MembershipEvent.Actor.MEMBER,
            reason=PORTAL_REASON,
            today=today,
            signed_in_by=signed_in_by(request),
        )
    except ApplicationError:
        # Another tap or tab got there first: the member has left already.
        messages.info(
            request, _("You are not a member at the moment, so there is nothing to leave.")
        )
        return redirect("portal:membership")
    return redirect("portal:left")


@require_http_methods(["GET"])
@member_required
def left(request: HttpRequest) -> HttpResponse:
    """The leave, confirmed on screen with its receipt number (and, after signing in by the
    letter's code alone, the way to undo it)."""
    m: Membership = request.membership  # type: ignore[attr-defined]
    receipt = membership_leave_receipt(m, today=timezone.localdate())
    if receipt is None:
        return redirect("portal:membership")
    return _render(request, "left.html", "portal:membership", {"leave": _leave_view(receipt)})


def _leave_view(receipt: LeaveReceipt) -> dict[str, Any]:
    left_at = timezone.localtime(receipt.left_at)
    return {
        "receipt": receipt.receipt,
        "when": f"{date_text(left_at.date())}, {left_at:%H:%M}",
        "void": receipt.void,
        "ended_on": date_text(receipt.ended_on),
        "undo_until": date_text(receipt.undo_until) if receipt.undo_until else "",
    }


@require_POST
@member_required
def leave_undo(request: HttpRequest) -> HttpResponse:
    m: Membership = request.membership  # type: ignore[attr-defined]
    try:
        membership_opt_out_undo(membership=m, receipt=request.POST.get("receipt", ""))
    except ApplicationError:
        messages.info(request, _("This leave can no longer be undone."))
        return redirect("portal:membership")
    messages.success(
        request, _("Your leave is undone. You are a member again, just as before you left.")
    )
    return redirect("portal:membership")


@require_http_methods(["GET", "POST"])
@member_required
def rejoin(request: HttpRequest) -> HttpResponse:
    m: Membership = request.membership  # type: ignore[attr-defined]
    if m.status not in OPT_IN_FROM:
        messages.info(request, _not_rejoinable_text(m))
        return redirect("portal:membership")
    if request.method == "GET":
        return _render(request, "rejoin.html", "portal:membership", {})
    try:
        membership_opt_in(membership=m, actor=MembershipEvent.Actor.MEMBER, reason=PORTAL_REASON)
    except ApplicationError:
        messages.info(request, _not_rejoinable_text(m))
        return redirect("portal:membership")
    messages.success(
        request,
        _(
            "Welcome back. You are a member again from today. We are also sending you a "
            "confirmation."
        ),
    )
    return redirect("portal:membership")


def _not_rejoinable_text(m: Membership) -> str:
    if m.status == S.LAPSED:
        return _("Your membership starts again by itself when you work in this sector again.")
    return _("You are a member already, so there is nothing to join.")


@require_http_methods(["GET", "POST"])
@member_required
def details(request: HttpRequest) -> HttpResponse:
    person = request.membership.person  # type: ignore[attr-defined]
    limited = False
    if request.method == "POST":
        form = DetailsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            saved = person_details_save(
                person_id=person.pk,
                language=data["language"],
                phone=data["phone"],
                email=data["email"],
                client=request.META.get("REMOTE_ADDR", ""),
            )
            limited = saved.limited
            # Given to the union only (never from a roster): where letters may be posted.
            person_postal_address_set(person_id=person.pk, address=data["postal_address"])
            # The pages follow the language just chosen for the member's messages, rather
            # than one tried with the header's switch.
            request.session.pop(LANGUAGE_SESSION_KEY, None)
            if saved.waiting:
                # The confirmation page says where the code went (in the language just chosen).
                return redirect("portal:details_confirm")
            if not limited:
                # Said in the language just chosen: the next page will be in it.
                with translation.override(data["language"]):
                    messages.success(request, _("Your details are saved."))
                return redirect("portal:details")
    else:
        form = DetailsForm(
            initial={
                "language": notice_language(person.language),
                "phone": person.phone or "",
                "email": person.email or "",
                "postal_address": person.postal_address,
            }
        )
    _describe_errors(form)
    waiting = [
        {"field": change.field, "contact": contact_masked(change.field, change.new_value)}
        for change in contact_changes_waiting(person_id=person.pk)
    ]
    response = _render(
        request,
        "details.html",
        "portal:details",
        {"form": form, "limited": limited, "waiting": waiting},
    )
    if limited:
        response.status_code = 429
    return response


@require_http_methods(["GET", "POST"])
@member_required
def details_confirm(request: HttpRequest) -> HttpResponse:
    """The code sent to a new phone number or address: type it, ask for a new one, or cancel
    the change. Only the signed-in member's own waiting changes are found here."""
    person = request.membership.person  # type: ignore[attr-defined]
    bound: dict[str, ContactCodeForm] = {}
    limited = False
    if request.method == "POST":
        field = next((f for f in CONTACT_FIELDS if f"{f}-action" in request.POST), None)
        if field is None:
            return redirect("portal:details_confirm")
        form = ContactCodeForm(request.POST, prefix=field)
        if form.is_valid():
            action = form.cleaned_data["action"]
            if action == "cancel":
                contact_change_cancel(person_id=person.pk, field=field)
                messages.info(
                    request, _("The change is cancelled. Your details stay as they were.")
                )
                return redirect("portal:details")
            if action == "resend":
                outcome = contact_change_resend(
                    person_id=person.pk, field=field, client=request.META.get("REMOTE_ADDR", "")
                )
                if outcome == "sent":
                    messages.success(request, _("We sent a new code. Only the newest code works."))
                    return redirect("portal:details_confirm")
                limited = outcome == "limited"
            else:
                outcome = contact_change_confirm(
                    person_id=person.pk, field=field, code=form.cleaned_data["code"]
                )
                if outcome == "confirmed":
                    messages.success(request, str(CONFIRMED_TEXT[field]))
                    return redirect("portal:details_confirm")
                if outcome == "wrong":
                    form.add_error(
                        "code", _("This code is not right. Check the message and type it again.")
                    )
        bound[field] = form
    changes = [
        _contact_change_view(change, person=person, form=bound.get(change.field))
        for change in contact_changes_waiting(person_id=person.pk)
    ]
    if not changes:
        # Nothing (or nothing more) waits: confirmed, cancelled, or never asked for.
        return redirect("portal:details")
    response = _render(
        request,
        "details_confirm.html",
        "portal:details",
        {"changes": changes, "limited": limited},
    )
    if limited:
        response.status_code = 429
    return response


CONFIRMED_TEXT = {
    "phone": gettext_lazy("Your new phone number is saved."),
    "email": gettext_lazy("Your new e-mail address is saved."),
}


def _contact_change_view(
    change: ContactChange, *, person: Any, form: ContactCodeForm | None
) -> dict[str, Any]:
    contact = contact_masked(change.field, change.new_value)
    phone = change.field == "phone"
    if phone:
        heading = _("Your new phone number")
        sent = _("We sent a code by SMS to %(contact)s.") % {"contact": contact}
        if person.phone:
            until = _("Type the code here. Until then, we keep using your old phone number.")
        else:
            until = _("Type the code here. Until then, we do not use the new phone number.")
    else:
        heading = _("Your new e-mail address")
        sent = _("We sent a code by e-mail to %(contact)s.") % {"contact": contact}
        if person.email:
            until = _("Type the code here. Until then, we keep using your old e-mail address.")
        else:
            until = _("Type the code here. Until then, we do not use the new e-mail address.")
    form = form or ContactCodeForm(prefix=change.field)
    _describe_errors(form)
    return {
        "field": change.field,
        "heading": heading,
        "sent": sent,
        "until": until,
        "void": contact_change_void(change, now=timezone.now()),
        "form": form,
    }


def contact_masked(field: str, value: str) -> str:
    """A new phone number or address as the page shows it, enough for the member to recognise
    it and no more (a shared or borrowed phone): "+48 6•• ••• •67", "l•••@example.com"."""
    if field == "email":
        local, _at, domain = value.partition("@")
        return f"{local[:1]}{MASK * 3}@{domain}"
    try:
        calling_code = str(phonenumbers.parse(value).country_code)
    except phonenumbers.NumberParseException:
        return MASK * 6
    national = value[1 + len(calling_code) :]
    if len(national) < 4:
        return f"+{calling_code} {MASK * len(national)}"
    shown = national[:1] + MASK * (len(national) - 3) + national[-2:]
    groups = [shown[start : start + 3] for start in range(0, len(shown), 3)]
    return f"+{calling_code} " + " ".join(groups)


def _describe_errors(form: DetailsForm) -> None:
    """Tie each field's help text and error message to its input (aria-describedby)."""
    for name, field in form.fields.items():
        bound = form[name]
        ids = []
        if field.help_text:
            ids.append(f"{bound.auto_id}_helptext")
        if form.is_bound and bound.errors:
            ids.append(f"{bound.auto_id}_error")
            field.widget.attrs["aria-invalid"] = "true"
        if ids:
            field.widget.attrs["aria-describedby"] = " ".join(ids)


@require_http_methods(["GET"])
@member_required
def data(request: HttpRequest) -> HttpResponse:
    """Download my data: what the union holds about the member (GDPR art. 15 and 20)."""
    return _render(request, "data.html", "portal:details", {})


@require_http_methods(["GET"])
@member_required
def data_download(request: HttpRequest, kind: str) -> HttpResponse:
    """The member's export, as a PDF in the language they read the portal in or as JSON."""
    if kind not in ("pdf", "json"):
        raise Http404
    person_id = request.membership.person_id  # type: ignore[attr-defined]
    export = person_export(person_id)
    if kind == "pdf":
        body = person_export_pdf(export, language=translation.get_language())
        content_type = "application/pdf"
    else:
        body = json.dumps(export, ensure_ascii=False, indent=2).encode()
        content_type = "application/json; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="my-union-data.{kind}"'
    return response


@require_http_methods(["GET"])
@member_required
def rights(request: HttpRequest) -> HttpResponse:
    from enrolment.rights import rights_for

    m: Membership = request.membership  # type: ignore[attr-defined]
    today = timezone.localdate()
    phase = selectors.person_current_phase(person_id=m.person_id, sector_id=m.sector_id)
    sections = rights_for(
        sector_id=m.sector_id,
        phase=phase,
        language=translation.get_language(),
        on=today,
        age=selectors.person_age(date_of_birth=m.person.date_of_birth, on=today),
    )
    return _render(request, "rights.html", "portal:rights", {"sections": sections, "phase": phase})


@require_http_methods(["GET"])
@member_required
def visits(request: HttpRequest) -> HttpResponse:
    m: Membership = request.membership  # type: ignore[attr-defined]
    upcoming = selectors.visits_upcoming_for_person(person_id=m.person_id, now=timezone.now())
    return _render(
        request,
        "visits.html",
        "portal:visits",
        {"visits": [_visit_view(v) for v in upcoming]},
    )


def _visit_view(visit: Any) -> dict[str, Any]:
    from notifications.visit_texts import visit_note, visit_place, visit_text_source

    language = notice_language(translation.get_language())
    texts = visit_text_source(visit)
    starts = timezone.localtime(visit.starts_at)
    ends = timezone.localtime(visit.ends_at)
    day = dateformat.format(starts.date(), "l")
    if translation.get_language() != "en":
        day = day.lower()
    when = capfirst(f"{day} {date_text(starts.date())}")
    if ends.date() == starts.date():
        hours = f"{starts:%H:%M}{EN_DASH}{ends:%H:%M}"
    else:
        hours = f"{starts:%H:%M} {EN_DASH} {date_text(ends.date())} {ends:%H:%M}"
    return {
        "id": visit.pk,
        "when": when,
        "hours": hours,
        "starts_iso": starts.isoformat(),
        "site_name": visit.site.name,
        "site_address_lines": [line for line in visit.site.address.splitlines() if line.strip()],
        # Each a VisitText: the phrases and text in the member's language, else the union's
        # plain text with a line saying it is not yet translated (``untranslated``).
        "place": visit_place(texts, language),
        "languages": language_names(visit.languages),
        "note": visit_note(texts, language),
    }


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """The language switch in the header: the language of the pages in this browser, signed in
    or not. It never changes the language of the member's notices (My details does that), so
    trying a language to read a page does not send the member SMS in it. Then back to the
    page it was used on."""
    form = LanguageForm(request.POST)
    membership = signed_in_membership(request)
    if form.is_valid():
        request.session[LANGUAGE_SESSION_KEY] = form.cleaned_data["language"]
    next_path = request.POST.get("next", "")
    if not (
        next_path.startswith("/")
        and url_has_allowed_host_and_scheme(
            next_path, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        next_path = reverse("portal:membership" if membership else "portal:sign_in")
    response = redirect(next_path)
    response.headers["Cache-Control"] = "no-store"
    return response
