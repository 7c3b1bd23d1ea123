"""Everything the union holds about one person, for the person (GDPR art. 15 and 20).

``person_export(person_id)`` reads every section of the catalogue (privacy.catalogue) and
returns plain JSON-ready values: the member's download in the portal, staff's
``manage.py person_export`` and the PDF (privacy.export_pdf) are built from it. References are
written as what they point at (an agency's name, a site's name, a roster's date), never as
another person's data.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import timezone

from enrolment.models import Person, RosterUpload
from notifications.models import DeliveryAttempt, Notice, WorkplaceVisit
from privacy.catalogue import SECTIONS, Section
from privacy.erasure import merge_group

FORMAT = "unionroll-person-export/1"

_VISIT_SUBJECT = re.compile(r"^visit:(\d+):v\d+$")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _reference(obj: models.Model | None) -> Any:
    """What a reference points at, as the member can read it."""
    if obj is None:
        return None
    label = obj._meta.label
    if label in ("employers.Organisation", "employers.Sector", "employers.Site"):
        return obj.name  # type: ignore[attr-defined]
    if label == "enrolment.RosterUpload":
        return {
            "roster": obj.pk,
            "from": obj.organisation.name,  # type: ignore[attr-defined]
            "uploaded_at": _plain(obj.created_at),  # type: ignore[attr-defined]
        }
    if label == "employers.User":
        return "union staff"
    if label == "notifications.WorkplaceVisit":
        return _visit(obj)  # type: ignore[arg-type]
    # A membership, a person (merged records): their number, which the export shows in full.
    return obj.pk


def _visit(visit: WorkplaceVisit) -> dict[str, Any]:
    return {
        "visit": visit.pk,
        "site": visit.site.name,
        "starts_at": _plain(visit.starts_at),
        "ends_at": _plain(visit.ends_at),
        "place": visit.place,
        "status": visit.status,
    }


def _select_related(model: type[models.Model], names: list[str]) -> list[str]:
    related = []
    for name in names:
        field = model._meta.get_field(name)
        if field.is_relation and field.many_to_one:
            related.append(name)
            if field.related_model is RosterUpload:
                related.append(f"{name}__organisation")
            if field.related_model is WorkplaceVisit:
                related.append(f"{name}__site")
    return related


def section_rows(section: Section, person_ids: list[int]) -> list[dict[str, Any]]:
    """The section's rows for the person's records, each field as the export writes it."""
    model = apps.get_model(section.model)
    names = list(section.exported)
    rows = (
        model._base_manager.filter(**{f"{section.person}__in": person_ids})
        .select_related(*_select_related(model, names))
        .order_by(*section.order)
    )
    out = []
    for row in rows:
        item = {}
        for name in names:
            field = model._meta.get_field(name)
            if field.is_relation:
                item[name] = _reference(getattr(row, name))
            else:
                item[name] = _plain(getattr(row, name))
        out.append(item)
    return out


def _contact_sources(
    person: Person, lines: list[dict[str, Any]], changes: list[dict[str, Any]]
) -> dict[str, Any]:
    """Where each contact detail came from: the member (the portal), or the rosters."""
    latest_roster = None
    for line in lines:
        upload = line.get("upload")
        if upload and (
            latest_roster is None or upload["uploaded_at"] > latest_roster["uploaded_at"]
        ):
            latest_roster = upload
    # The latest confirmed change of each field, from the export's own contact changes.
    confirmed = {
        c["field"]: c["confirmed_at"]
        for c in sorted((c for c in changes if c["confirmed_at"]), key=lambda c: c["confirmed_at"])
    }

    def source(value: Any, set_by_member: bool, field: str) -> dict[str, Any] | None:
        if value in (None, ""):
            return None
        if set_by_member:
            return {"source": "member", "confirmed_at": confirmed.get(field)}
        return {"source": "roster", "latest_roster": latest_roster}

    return {
        "phone": source(person.phone, person.phone_set_by_member, "phone"),
        "email": source(person.email, person.email_set_by_member, "email"),
        "language": source(person.language, person.language_set_by_member, "language"),
        # Only a member writes a postal address (My details).
        "postal_address": source(person.postal_address, True, "postal_address"),
    }


def _delivery_attempts(notice_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    attempts: dict[int, list[dict[str, Any]]] = {}
    for a in DeliveryAttempt.objects.filter(item="notice", item_id__in=notice_ids).order_by(
        "item_id", "attempt"
    ):
        attempts.setdefault(a.item_id, []).append(
            {
                "attempt": a.attempt,
                "channel": a.channel,
                "at": _plain(a.at),
                "result": a.result,
                "code": a.code,
                "retry_at": _plain(a.retry_at),
            }
        )
    return attempts


def _visits_told_of(notice_rows: list[dict[str, Any]], notices: dict[int, Notice]) -> list[Any]:
    ids = []
    for row in notice_rows:
        match = _VISIT_SUBJECT.match(notices[row["id"]].subject)
        if match and int(match.group(1)) not in ids:
            ids.append(int(match.group(1)))
    visits = WorkplaceVisit.objects.select_related("site").filter(pk__in=ids)
    return [_visit(v) for v in sorted(visits, key=lambda v: v.starts_at)]


def person_export(person_id: int, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Every personal datum held about the person. Raises Person.DoesNotExist."""
    person = Person.objects.get(pk=person_id)
    # Records of the same worker joined into this one (a confirmed duplicate) are theirs too.
    group = merge_group(person_id)
    sections: dict[str, Any] = {}
    for section in SECTIONS:
        if section.key == "person":
            rows = section_rows(section, group)
            sections["person"] = next(r for r in rows if r["id"] == person_id)
            sections["merged_records"] = [r for r in rows if r["id"] != person_id]
        else:
            sections[section.key] = section_rows(section, group)
    sections["person"]["bsn_held"] = bool(person.bsn_hash)
    sections["contact_sources"] = _contact_sources(
        person, sections["payroll_lines"], sections["contact_changes"]
    )

    notices = {n.pk: n for n in Notice.objects.filter(person_id__in=group)}
    attempts = _delivery_attempts(list(notices))
    for row in sections["notices"]:
        row["delivery_attempts"] = attempts.get(row["id"], [])
    sections["visits_told_of"] = _visits_told_of(sections["notices"], notices)
    return {
        "format": FORMAT,
        "exported_at": _plain(now or timezone.now()),
        "person_id": person_id,
        "language": person.language,
        **sections,
    }
