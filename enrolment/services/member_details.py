"""Writes a member makes on their own record from the portal.

A detail the member changes here is marked ``*_set_by_member``: the roster ingest then never
overwrites it (enrolment/services/ingest_sql.py). Only what actually changed is marked, so
saving the form unchanged leaves the rosters in charge of the rest.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from enrolment.events import ContactDetailsReplaced
from enrolment.models import Person
from unionroll import events
from unionroll.exceptions import Invalid, NotFound

DETAIL_FIELDS = ("language", "phone", "email")


def person_details_update(
    *,
    person_id: int,
    language: str,
    phone: str | None,
    email: str | None,
) -> list[str]:
    """Set the member's own language, phone (E.164) and e-mail; return the fields that changed.

    ``None`` clears a phone number or e-mail address (and keeps a roster from filling it in).
    """
    if language not in {code for code, _ in settings.LANGUAGES}:
        raise Invalid(
            "language_unknown", "This language is not one of the portal's.", {"language": language}
        )
    wanted = {"language": language, "phone": phone or None, "email": (email or "").strip() or None}
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person_id)
        changed = [field for field in DETAIL_FIELDS if getattr(person, field) != wanted[field]]
        replaced = {f: getattr(person, f) for f in ("phone", "email") if f in changed}
        for field in changed:
            setattr(person, field, wanted[field])
            setattr(person, f"{field}_set_by_member", True)
        if changed:
            flags = [f"{field}_set_by_member" for field in changed]
            person.save(update_fields=[*changed, *flags, "updated_at"])
        _tell_replaced_contacts(person_id, replaced)
    return changed


def _tell_replaced_contacts(person_id: int, replaced: dict[str, str | None]) -> None:
    """A phone number or address that was replaced hears of it, in case it was not the member
    who changed it (a phone left signed in): notifications listens, once the change has
    committed."""
    for field, previous in replaced.items():
        if previous:
            events.publish(
                ContactDetailsReplaced(person_id=person_id, field=field, previous=previous)
            )


def person_language_set(*, person_id: int, language: str) -> bool:
    """The language switch for a signed-in member: their choice, kept from rosters. Returns
    whether it changed."""
    if language not in {code for code, _ in settings.LANGUAGES}:
        raise Invalid(
            "language_unknown", "This language is not one of the portal's.", {"language": language}
        )
    # One conditional UPDATE: two quick taps on the switch write once.
    changed = (
        Person.objects.filter(pk=person_id)
        .exclude(language=language, language_set_by_member=True)
        .update(language=language, language_set_by_member=True, updated_at=timezone.now())
    )
    return bool(changed)


# A postal address fits a window envelope: a name line above it leaves room for six lines.
POSTAL_ADDRESS_MAX_LINES = 6
POSTAL_ADDRESS_MAX_LINE = 80


def postal_address_clean(address: str | None) -> str:
    """The address as it is kept: each line trimmed, inner spaces collapsed, empty lines left
    out. Raises Invalid (without quoting the address) if it cannot go on an envelope."""
    lines = [" ".join(line.split()) for line in (address or "").splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > POSTAL_ADDRESS_MAX_LINES:
        raise Invalid(
            "postal_address_too_long",
            f"A postal address has at most {POSTAL_ADDRESS_MAX_LINES} lines.",
            {"lines": len(lines)},
        )
    if any(len(line) > POSTAL_ADDRESS_MAX_LINE for line in lines):
        raise Invalid(
            "postal_address_line_too_long",
            f"Each line of a postal address has at most {POSTAL_ADDRESS_MAX_LINE} characters.",
        )
    return "\n".join(lines)


def person_postal_address_set(*, person_id: int, address: str | None) -> bool:
    """Set (or, with an empty text, clear) the address where the union posts the member's
    letters; return whether it changed.

    The member gives it to the union (the portal, or a union admin on their behalf); rosters
    never fill it, so a letter sent by post never goes by way of an employer.
    """
    cleaned = postal_address_clean(address)
    changed = (
        Person.objects.filter(pk=person_id)
        .exclude(postal_address=cleaned)
        .update(postal_address=cleaned, updated_at=timezone.now())
    )
    if not changed and not Person.objects.filter(pk=person_id).exists():
        raise NotFound("person_not_found", "There is no such person.", {"person": person_id})
    return bool(changed)
