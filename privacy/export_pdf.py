"""The member's export as a PDF in the member's language: the same data as the JSON, in tables
a person can read. Built from ``privacy.export.person_export``'s result, so the two never
disagree; set in the embedded DejaVu font (Polish and Romanian diacritics, Cyrillic).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from unionroll.i18n import date_text, language_names, notice_language
from unionroll.pdf import ACCENT, INK, MUTED, RULE, TINT, register_fonts

# Codes stored in the records, as the member reads them. A code missing here is shown as it is.
VALUES = {
    "status": {
        "enrolled": gettext_lazy("Member, can still leave free of charge"),
        "active": gettext_lazy("Member"),
        "opted_out": gettext_lazy("Left the union"),
        "opted_in": gettext_lazy("Rejoined"),
        "lapsed": gettext_lazy("Ended: no more work in the sector"),
        "merged": gettext_lazy("Joined with another record"),
    },
    "actor": {
        "system": gettext_lazy("The system"),
        "upload": gettext_lazy("An agency's roster"),
        "member": gettext_lazy("You"),
        "admin": gettext_lazy("Union staff"),
    },
    "kind": {
        "welcome": gettext_lazy("Welcome"),
        "opt_out": gettext_lazy("Confirmation of leaving"),
        "opt_in": gettext_lazy("Confirmation of rejoining"),
        "window_closing": gettext_lazy("Free leaving ends soon"),
        "visit": gettext_lazy("Workplace visit"),
        "rights_reminder": gettext_lazy("Yearly reminder of your rights"),
        "phase_change": gettext_lazy("Change of your phase in the collective agreement"),
        "contact_changed": gettext_lazy("Your contact details were changed"),
    },
    "channel": {
        "sms": gettext_lazy("Text message (SMS)"),
        "email": gettext_lazy("E-mail message"),
        "letter": gettext_lazy("Letter"),
    },
    "payer": {
        "agency": gettext_lazy("Agency"),
        "hirer": gettext_lazy("Hiring company"),
        "state": gettext_lazy("The state"),
    },
    "reason": {
        "roster_enrolment": gettext_lazy("Joined: named on an agency's roster"),
        "reappeared_on_roster": gettext_lazy("Back on an agency's roster"),
        "re_enrolment": gettext_lazy("Joined again: back on an agency's roster"),
        "window_closed": gettext_lazy("The time to leave free of charge ended"),
        "window_started": gettext_lazy("The time to leave free of charge started"),
        "window_waits_for_letter": gettext_lazy("Waiting until you have your letter"),
        "opt_in_confirmed": gettext_lazy("Rejoining confirmed"),
        "no_recent_payroll": gettext_lazy("No work on the rosters for some time"),
        "opt_out": gettext_lazy("You left the union"),
        "opt_out_undone": gettext_lazy("You undid leaving"),
        "opt_in": gettext_lazy("You rejoined"),
        "person_merged": gettext_lazy("Two records of you were joined"),
    },
    "levy_status": {
        "held": gettext_lazy("Waiting while you can leave free of charge"),
        "due": gettext_lazy("Owed"),
        "dropped": gettext_lazy("Not owed"),
    },
    "duplicate": {
        "open": gettext_lazy("Being checked"),
        "confirmed": gettext_lazy("The same person: the records were joined"),
        "dismissed": gettext_lazy("Not the same person"),
    },
    "through": {
        "search": gettext_lazy("Search"),
        "export": gettext_lazy("Export of your data"),
        "membership_show": gettext_lazy("Union staff's command line"),
    },
}
# Every admin page ("admin_person", "admin_notice", ...) is one way in, as the member sees it.
ADMIN_PAGES = gettext_lazy("Union staff's administration pages")

SIDE_MARGIN = 16 * mm


def _value(kind: str, code: Any) -> str:
    if code in (None, ""):
        return ""
    if kind == "through" and str(code).startswith("admin_"):
        return str(ADMIN_PAGES)
    return str(VALUES.get(kind, {}).get(code, code))


def _date(value: str | None) -> str:
    if not value:
        return ""
    return date_text(dt.date.fromisoformat(value[:10]))


def _period(row: dict[str, Any]) -> str:
    return f"{_date(row['period_start'])} – {_date(row['period_end'])}"  # noqa: RUF001


def _money(value: str | None) -> str:
    return f"€ {value}" if value not in (None, "") else ""


def person_export_pdf(export: dict[str, Any], *, language: str | None = None) -> bytes:
    """The export as a PDF in ``language`` (the language the member reads the portal in), else
    in the member's own language."""
    with translation.override(notice_language(language or export.get("language"))):
        return _pdf(export)


def _pdf(export: dict[str, Any]) -> bytes:
    regular, bold = register_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=13, textColor=INK)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, textColor=MUTED)
    cell = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=11)
    head_cell = ParagraphStyle("head_cell", parent=cell, fontName=bold)
    title = ParagraphStyle("title", parent=body, fontName=bold, fontSize=16, leading=21)
    heading = ParagraphStyle(
        "heading",
        parent=body,
        fontName=bold,
        fontSize=11.5,
        leading=15,
        textColor=ACCENT,
        spaceBefore=10,
        spaceAfter=4,
        keepWithNext=1,
    )

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=SIDE_MARGIN,
        rightMargin=SIDE_MARGIN,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=_("Your data held by the union"),
        author=settings.UNIONROLL_UNION_NAME,
    )
    width = document.width

    def p(text: Any, style: ParagraphStyle = cell) -> Paragraph:
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)

    def table(columns: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float]):
        if not rows:
            return p(_("None."), small)
        data = [[p(c, head_cell) for c in columns]] + [[p(v) for v in row] for row in rows]
        t = Table(data, colWidths=[w * width for w in widths], repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (-1, 0), TINT),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                    ("LEFTPADDING", (0, 0), (-1, -1), 3),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        return t

    person = export["person"]
    sources = export["contact_sources"]

    def source(field: str) -> str:
        origin = sources.get(field)
        if not origin:
            return ""
        if origin["source"] == "member":
            return _("given by you")
        roster = origin.get("latest_roster")
        if roster:
            return _("from the rosters of your agency (latest: %(agency)s, %(date)s)") % {
                "agency": roster["from"],
                "date": _date(roster["uploaded_at"]),
            }
        return _("from your agency's roster")

    def with_source(value: Any, field: str) -> str:
        if not value:
            return "—"
        origin = source(field)
        return f"{value}\n({origin})" if origin else str(value)

    story: list[Any] = [
        p(settings.UNIONROLL_UNION_NAME, small),
        p(_("Your data held by the union"), title),
        Spacer(0, 3 * mm),
        p(
            _(
                "This is everything the union's membership system holds about you, on %(date)s. "
                "The same data is in the JSON file you can download next to this one."
            )
            % {"date": _date(export["exported_at"])},
            body,
        ),
    ]

    def section(heading_text: str, *flowables: Any) -> None:
        story.append(p(heading_text, heading))
        story.extend(flowables)

    about = [
        (_("Name"), f"{person['first_name']} {person['last_name']}".strip() or "—"),
        (_("Date of birth"), _date(person["date_of_birth"]) or "—"),
        (_("Phone"), with_source(person["phone"], "phone")),
        (_("E-mail address"), with_source(person["email"], "email")),
        (_("Postal address"), with_source(person["postal_address"], "postal_address")),
        (
            _("Language"),
            with_source(", ".join(language_names([person["language"]])), "language"),
        ),
        (
            _("Citizen service number (BSN)"),
            _("Not stored. Only a code made from it, which cannot be turned back into it.")
            if person["bsn_held"]
            else _("Not held."),
        ),
        (_("Record number"), person["id"]),
        (_("Record made on"), _date(person["created_at"])),
    ]
    section(_("About you"), table((_("What"), _("What we hold")), about, (0.3, 0.7)))
    if export["merged_records"]:
        section(
            _("Other records of you, joined with this one"),
            table(
                (
                    _("Record number"),
                    _("Name"),
                    _("Date of birth"),
                    _("Phone"),
                    _("E-mail address"),
                ),
                [
                    (
                        r["id"],
                        f"{r['first_name']} {r['last_name']}".strip(),
                        _date(r["date_of_birth"]),
                        r["phone"] or "",
                        r["email"] or "",
                    )
                    for r in export["merged_records"]
                ],
                (0.14, 0.26, 0.18, 0.18, 0.24),
            ),
        )

    section(
        _("Your numbers at agencies"),
        table(
            (_("Agency"), _("Worker number"), _("Name as the agency wrote it"), _("Since")),
            [
                (
                    r["organisation"],
                    r["worker_number"],
                    f"{r['first_name']} {r['last_name']}, {_date(r['date_of_birth'])}",
                    _date(r["created_at"]),
                )
                for r in export["worker_numbers"]
            ],
            (0.3, 0.18, 0.36, 0.16),
        ),
    )
    section(
        _("Your memberships"),
        table(
            (
                _("Line of work"),
                _("Standing"),
                _("Member since"),
                _("Free leaving until"),
                _("Ended on"),
            ),
            [
                (
                    r["sector"],
                    _value("status", r["status"]),
                    _date(r["covered_from"]),
                    _date(r["window_ends"]),
                    _date(r["ended_on"]),
                )
                for r in export["memberships"]
            ],
            (0.28, 0.24, 0.16, 0.16, 0.16),
        ),
    )
    section(
        _("What happened to your memberships"),
        table(
            (_("Date"), _("Change"), _("By"), _("Reason")),
            [
                (
                    _date(r["occurred_at"]),
                    " → ".join(
                        _value("status", s) for s in (r["from_status"], r["to_status"]) if s
                    ),
                    _value("actor", r["actor"]),
                    _value("reason", r["reason"]) + (f"\n{r['note']}" if r["note"] else ""),
                )
                for r in export["membership_events"]
            ],
            (0.18, 0.4, 0.2, 0.22),
        ),
    )
    section(
        _("Your work and pay, from the rosters"),
        table(
            (
                _("Period"),
                _("Agency"),
                _("Workplace"),
                _("Hours"),
                _("Gross wages"),
                _("Housing deduction"),
            ),
            [
                (
                    _period(r),
                    r["organisation"],
                    r["site"] or r["hirer"] or "",
                    r["hours_worked"],
                    _money(r["gross_wages"]),
                    _money(r["housing_deduction"]),
                )
                for r in export["payroll_lines"]
            ],
            (0.22, 0.2, 0.2, 0.1, 0.14, 0.14),
        ),
    )
    section(
        _("Levies paid to the union for your membership"),
        table(
            (_("Period"), _("Paid by"), _("Amount"), _("Standing")),
            [
                (
                    _period(r),
                    _value("payer", r["payer"]),
                    _money(r["amount"]),
                    _value("levy_status", r["status"]),
                )
                for r in export["levy_charges"]
            ],
            (0.34, 0.26, 0.2, 0.2),
        ),
    )
    section(
        _("Messages we sent you"),
        table(
            (_("Date"), _("Message"), _("How"), _("Sent on")),
            [
                (
                    _date(r["created_at"]),
                    _value("kind", r["kind"]),
                    _value("channel", r["channel"]),
                    _date(r["sent_at"] or r["handed_over_at"]),
                )
                for r in export["notices"]
            ],
            (0.18, 0.46, 0.16, 0.2),
        ),
    )
    section(
        _("Workplace visits you were told of"),
        table(
            (_("Date"), _("Workplace"), _("Place")),
            [(_date(v["starts_at"]), v["site"], v["place"]) for v in export["visits_told_of"]],
            (0.2, 0.4, 0.4),
        ),
    )
    section(
        _("Sign-ins to your membership pages"),
        table(
            (_("Link made on"), _("Sent by"), _("Used on")),
            [
                (_date(r["created_at"]), _value("channel", r["channel"]), _date(r["used_at"]))
                for r in export["sign_in_links"]
            ]
            + [
                (_date(r["created_at"]), _("Letter with a personal code"), "")
                for r in export["access_codes"]
            ],
            (0.3, 0.4, 0.3),
        ),
    )
    section(
        _("Changes of your contact details"),
        table(
            (_("Date"), _("What"), _("New"), _("Confirmed on")),
            [
                (
                    _date(r["created_at"]),
                    _("Phone") if r["field"] == "phone" else _("E-mail address"),
                    r["new_value"],
                    _date(r["confirmed_at"]),
                )
                for r in export["contact_changes"]
            ],
            (0.18, 0.18, 0.4, 0.24),
        ),
    )
    duplicates = export["possible_duplicates"] + export["possible_duplicates_as_candidate"]
    section(
        _("Checks whether two records were the same person"),
        table(
            (_("Date"), _("Outcome")),
            [(_date(r["created_at"]), _value("duplicate", r["status"])) for r in duplicates],
            (0.3, 0.7),
        ),
    )
    section(
        _("Union staff who read your data"),
        table(
            (_("Date"), _("Who"), _("Where")),
            [
                (_date(r["at"]), r["username"], _value("through", r["through"]))
                for r in export["staff_reads"]
            ],
            (0.25, 0.35, 0.4),
        ),
    )
    document.build(story)
    return buffer.getvalue()
