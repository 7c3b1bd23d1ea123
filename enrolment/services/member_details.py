"""Writes a member makes on their own record from the portal.

A detail the member changes here is marked ``*_set_by_member``: the roster ingest then never
overwrites it (enrolment/services/ingest_sql.py). Only what actually changed is marked, so
saving the form unchanged leaves the rosters in charge of the rest.

A new phone number or e-mail address takes effect only once proven: it waits as a
``ContactChange`` until the member types the one-time code sent to it. Otherwise anyone signed
in (on a phone left unlocked, or a member with bad intentions) could claim another member's
number and with it that member's sign-in links. Removing a phone number or address claims
nothing and takes effect at once; so does the language.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from enrolment.credentials import client_address, signin_rate_limited
from enrolment.events import ContactChangeCodeRequested, ContactDetailsReplaced
from enrolment.models import ContactChange, Person
from unionroll import events
from unionroll.exceptions import Invalid, NotFound

logger = logging.getLogger(__name__)

DETAIL_FIELDS = ("language", "phone", "email")
CONTACT_FIELDS = ("phone", "email")

# The code: 6 digits, valid for 15 minutes and for 5 wrong tries. A million codes against 5
# tries per code and a handful of codes per quarter hour (the limits below) leaves a guesser
# nothing; a longer code would only be harder to type from an SMS.
CONTACT_CODE_DIGITS = 6
CONTACT_CODE_MINUTES = 15
CONTACT_CODE_MAX_ATTEMPTS = 5
# Codes one person may ask for per rate-limit window (UNIONROLL_SIGNIN_LIMIT_WINDOW_SECONDS):
# a new phone and a new address at once, and a few "send a new code". Each new contact may
# receive UNIONROLL_SIGNIN_LIMIT_PER_CONTACT codes and each client address ask for
# UNIONROLL_SIGNIN_LIMIT_PER_CLIENT in that window, so nobody can flood a number with codes.
CONTACT_CODES_PER_PERSON = 5
# A change left waiting longer than this is no longer shown: the member has moved on.
CONTACT_CHANGE_SHOWN_HOURS = 24

_HMAC_SALT_CONTACT_CODE = "unionroll.portal.contact_change_code"


@dataclass(frozen=True)
class DetailsSaved:
    # Fields changed at once (language, a removed phone or address).
    changed: list[str] = field(default_factory=list)
    # Contact fields now waiting for their code.
    waiting: list[str] = field(default_factory=list)
    # Too many codes asked for: nothing was changed.
    limited: bool = False


def person_details_save(
    *,
    person_id: int,
    language: str,
    phone: str | None,
    email: str | None,
    client: str,
    now: dt.datetime | None = None,
) -> DetailsSaved:
    """The member saves My details: the language (E.164 phone and e-mail as the form cleaned
    them; ``None`` removes one).

    The language and a removal take effect at once (a removal also keeps a roster from filling
    the detail in again). A new phone number or address becomes a waiting change with a code
    sent to it, replacing a change that waited for the same field (unless it waits for this very
    number and its code still works: no second code then); it takes effect through
    :func:`contact_change_confirm`. Over the rate limit nothing changes at all.
    """
    if language not in {code for code, _ in settings.LANGUAGES}:
        raise Invalid(
            "language_unknown", "This language is not one of the portal's.", {"language": language}
        )
    now = now or timezone.now()
    wanted = {"language": language, "phone": phone or None, "email": (email or "").strip() or None}
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person_id)
        claimed = {
            f: wanted[f] for f in CONTACT_FIELDS if wanted[f] and wanted[f] != getattr(person, f)
        }
        # Saving the same new number again (a double tap, back and save) while its code still
        # works sends no second code: the first one would stop working under the member's
        # eyes. "Send a new code" is there for a code that did not arrive.
        live = {
            change.field
            for change in _waiting_all(person_id)
            if claimed.get(change.field) == change.new_value
            and not contact_change_void(change, now=now)
        }
        to_send = {f: value for f, value in claimed.items() if f not in live}
        if to_send and any(
            _codes_limited(person_id=person_id, new_value=value, client=client)
            for value in to_send.values()
        ):
            logger.info("contact change for person %s refused: rate limit", person_id)
            return DetailsSaved(limited=True)
        # A removal claims nothing. A change waiting for the same field stays: the form shows
        # the details in force, so an empty field may only mean there was none yet.
        at_once = {"language": language, **{f: None for f in CONTACT_FIELDS if wanted[f] is None}}
        changed = _details_apply(person, at_once)
        for f, value in to_send.items():
            _contact_change_new(person_id=person_id, field=f, new_value=value, now=now)
    return DetailsSaved(changed=changed, waiting=list(claimed))


def _codes_limited(*, person_id: int, new_value: str, client: str) -> bool:
    # Every counter moves on every request, so rotating one of them gets no extra codes.
    by_person = signin_rate_limited(
        scope="contact_code_person", value=str(person_id), limit=CONTACT_CODES_PER_PERSON
    )
    by_contact = signin_rate_limited(
        scope="contact_code_to",
        value=new_value,
        limit=settings.UNIONROLL_SIGNIN_LIMIT_PER_CONTACT,
    )
    by_client = signin_rate_limited(
        scope="contact_code_client",
        value=client_address(client),
        limit=settings.UNIONROLL_SIGNIN_LIMIT_PER_CLIENT,
    )
    return by_person or by_contact or by_client


def _details_apply(person: Person, values: dict[str, str | None]) -> list[str]:
    """Set these details on the locked person, mark what changed as set by the member, and
    tell a replaced phone number or address; return the fields that changed."""
    changed = [f for f, value in values.items() if getattr(person, f) != value]
    replaced = {f: getattr(person, f) for f in CONTACT_FIELDS if f in changed}
    for f in changed:
        setattr(person, f, values[f])
        setattr(person, f"{f}_set_by_member", True)
    if changed:
        flags = [f"{f}_set_by_member" for f in changed]
        person.save(update_fields=[*changed, *flags, "updated_at"])
    _tell_replaced_contacts(person.pk, replaced)
    return changed


def _tell_replaced_contacts(person_id: int, replaced: dict[str, str | None]) -> None:
    """A phone number or address that was replaced or removed hears of it, in case it was not
    the member who changed it (a phone left signed in): notifications listens, once the change
    has committed."""
    for f, previous in replaced.items():
        if previous:
            events.publish(ContactDetailsReplaced(person_id=person_id, field=f, previous=previous))


# --- Changes waiting for their code -----------------------------------------------------------


def _code_hash(*, person_id: int, field: str, code: str) -> str:
    # Keyed: the table alone (a backup, a leaked dump) does not let anyone try the million codes.
    return salted_hmac(
        _HMAC_SALT_CONTACT_CODE, f"{person_id}:{field}:{code}", algorithm="sha256"
    ).hexdigest()


def _waiting(person_id: int, field: str) -> QuerySet[ContactChange]:
    return ContactChange.objects.filter(person_id=person_id, field=field, confirmed_at__isnull=True)


def _waiting_all(person_id: int) -> QuerySet[ContactChange]:
    return ContactChange.objects.filter(person_id=person_id, confirmed_at__isnull=True)


def _contact_change_new(
    *, person_id: int, field: str, new_value: str, now: dt.datetime
) -> ContactChange:
    """A waiting change with a fresh code, replacing an earlier one for the field (the partial
    unique index allows one); the code goes to the new contact once this has committed."""
    _waiting(person_id, field).delete()
    code = f"{secrets.randbelow(10**CONTACT_CODE_DIGITS):0{CONTACT_CODE_DIGITS}d}"
    change = ContactChange.objects.create(
        person_id=person_id,
        field=field,
        new_value=new_value,
        code_hash=_code_hash(person_id=person_id, field=field, code=code),
        created_at=now,
        expires_at=now + dt.timedelta(minutes=CONTACT_CODE_MINUTES),
    )
    events.publish(ContactChangeCodeRequested(change_id=change.pk, code=code))
    logger.info("contact change %s (%s) waits for its code", change.pk, field)
    return change


def contact_change_void(change: ContactChange, *, now: dt.datetime) -> bool:
    """Whether the code can no longer confirm this change (too old, too many wrong tries)."""
    return change.expires_at <= now or change.attempts >= CONTACT_CODE_MAX_ATTEMPTS


def contact_changes_waiting(
    *, person_id: int, now: dt.datetime | None = None
) -> list[ContactChange]:
    """The person's changes still waiting for a code (void ones too: the member may ask for a
    new code), phone first."""
    now = now or timezone.now()
    since = now - dt.timedelta(hours=CONTACT_CHANGE_SHOWN_HOURS)
    changes = ContactChange.objects.filter(
        person_id=person_id, confirmed_at__isnull=True, created_at__gt=since
    )
    return sorted(changes, key=lambda change: CONTACT_FIELDS.index(change.field))


def contact_change_resend(
    *, person_id: int, field: str, client: str, now: dt.datetime | None = None
) -> str:
    """ "Send a new code": a fresh code (and a fresh 15 minutes and 5 tries) for the change
    waiting for ``field``, replacing the old code. Returns "sent", "limited" or "none"."""
    now = now or timezone.now()
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=person_id).first()
        waiting = [
            c for c in contact_changes_waiting(person_id=person_id, now=now) if c.field == field
        ]
        if not waiting:
            return "none"
        if _codes_limited(person_id=person_id, new_value=waiting[0].new_value, client=client):
            logger.info("new contact code for person %s refused: rate limit", person_id)
            return "limited"
        _contact_change_new(
            person_id=person_id, field=field, new_value=waiting[0].new_value, now=now
        )
    return "sent"


def contact_change_cancel(*, person_id: int, field: str) -> bool:
    """ "Cancel the change": the waiting change is dropped; the details stay as they are."""
    deleted, _ = _waiting(person_id, field).delete()
    if deleted:
        logger.info("contact change (%s) of person %s cancelled", field, person_id)
    return bool(deleted)


def contact_change_confirm(
    *, person_id: int, field: str, code: str, now: dt.datetime | None = None
) -> str:
    """The member types the code for their waiting change of ``field``. Returns

    - "confirmed": the new phone number or address is the person's now, set by the member,
      and the replaced one is told (as for any change of details);
    - "wrong": not the code; the try is counted;
    - "void": too old, or typed wrong CONTACT_CODE_MAX_ATTEMPTS times (this try included);
      the member asks for a new code;
    - "none": no change waits for this field (cancelled, confirmed already, another person's).
    """
    now = now or timezone.now()
    with transaction.atomic():
        # The person first, as person_details_save does: the same lock order, no deadlock.
        person = Person.objects.select_for_update().filter(pk=person_id).first()
        change = _waiting(person_id, field).select_for_update().first() if person else None
        if change is None:
            return "none"
        if contact_change_void(change, now=now):
            return "void"
        expected = _code_hash(person_id=person_id, field=field, code=(code or "").strip())
        if not hmac.compare_digest(change.code_hash, expected):
            change.attempts += 1
            change.save(update_fields=["attempts"])
            logger.info("contact change %s: wrong code (try %s)", change.pk, change.attempts)
            return "void" if contact_change_void(change, now=now) else "wrong"
        change.confirmed_at = now
        change.save(update_fields=["confirmed_at"])
        _details_apply(person, {field: change.new_value})
    logger.info("contact change %s confirmed", change.pk)
    return "confirmed"


def contact_change_sendable(
    *, change_id: int, code: str, now: dt.datetime | None = None
) -> ContactChange | None:
    """The change, with its person, if ``code`` is its current code and it still waits: not
    confirmed, not void. Whether it was sent already is the sender's claim to make."""
    now = now or timezone.now()
    change = ContactChange.objects.select_related("person").filter(pk=change_id).first()
    if (
        change is None
        or change.confirmed_at is not None
        or contact_change_void(change, now=now)
        or not hmac.compare_digest(
            change.code_hash,
            _code_hash(person_id=change.person_id, field=change.field, code=code),
        )
    ):
        return None
    return change


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
