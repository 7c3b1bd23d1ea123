"""Reads of the enrolment app."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Q, QuerySet

from employers.models import Organisation, User
from employers.selectors import organisation_by_kvk
from enrolment.models import (
    Membership,
    MinimumWageRate,
    MinimumWageYouthShare,
    Person,
    PersonAccess,
    RosterUpload,
    WorkerNumber,
)
from enrolment.roster.fields import normalise_email, normalise_name_key
from enrolment.roster.phones import normalise_phone
from unionroll.exceptions import Invalid, Refused
from unionroll.money import round_money


def roster_uploads_visible_to(*, user: User) -> QuerySet[RosterUpload]:
    """Agency users see their organisation's uploads; union admins see all; others none."""
    qs = RosterUpload.objects.select_related("organisation")
    if user.is_authenticated and user.is_union_admin:
        return qs
    if user.is_authenticated and user.organisation_id:
        return qs.filter(organisation_id=user.organisation_id)
    return qs.none()


# What a failed upload's uploader is told (the roster page says the same in their language).
FAILURE_MESSAGES = {
    RosterUpload.FailureReason.ERROR: (
        "Something went wrong on our side. Nothing from this file was applied. "
        "Please upload it again."
    ),
    RosterUpload.FailureReason.STOPPED: (
        "The import stopped before it finished. Nothing from this file was applied. "
        "Please upload it again."
    ),
}


# What union staff see beyond an agency's view: how the roster met the member register. Each
# figure depends on who was already known to the union, through any organisation, and on who
# opted out, so it must never reach an agency (see docs/enrolment.md, "What the agency sees").
MEMBERSHIP_COUNTS = (
    "persons_created",
    "persons_matched",
    "memberships_enrolled",
    "memberships_reactivated",
    "opt_outs_respected",
    "possible_duplicates",
)

# The differences with the replaced upload an agency sees: computed from its own two files'
# payroll lines only (ingest_sql._changes_against), never from persons or memberships.
ROSTER_CHANGE_KEYS = (
    "replaces",
    "workers_added",
    "workers_removed",
    "workers_changed",
    "lines_before",
    "lines_after",
    "hours_before",
    "hours_after",
    "gross_wages_before",
    "gross_wages_after",
    "gross_wages_delta",
)


def roster_upload_result(upload: RosterUpload) -> dict[str, Any]:
    """An upload as its organisation sees it: only what the file itself decides.

    The same for any worker on it, whether a member (through any organisation), opted out or
    unknown to the union; the web pages, the API and the error report show agencies this.
    """
    changes = upload.changes or {}
    return {
        "upload_id": upload.pk,
        "status": upload.status,
        "failure_reason": upload.failure_reason or None,
        "failure_message": FAILURE_MESSAGES.get(upload.failure_reason),
        "period_start": upload.period_start.isoformat() if upload.period_start else None,
        "period_end": upload.period_end.isoformat() if upload.period_end else None,
        "rows": upload.rows,
        "replaces": upload.replaces_id,
        "duplicate_of": upload.duplicate_of_id,
        "changes": {key: changes[key] for key in ROSTER_CHANGE_KEYS if key in changes},
        "warnings": upload.warnings or [],
        "error_count": upload.error_count,
        "errors": upload.errors or [],
    }


def roster_upload_summary(upload: RosterUpload) -> dict[str, Any]:
    """An upload as union staff see it (the command line, the admin's pages and API calls):
    the organisation's view plus the membership counts."""
    counts = upload.counts or {}
    return {
        **roster_upload_result(upload),
        **{key: counts.get(key, 0) for key in MEMBERSHIP_COUNTS},
    }


def roster_counts_visible_to(viewer: Any) -> bool:
    """Whether ``viewer`` (a User or an API-key principal) may see an upload's membership
    counts: union staff only, never an organisation's users or keys."""
    return bool(getattr(viewer, "is_union_admin", False))


def roster_upload_summary_for(*, upload: RosterUpload, viewer: Any) -> dict[str, Any]:
    """The staff summary for a union admin, the organisation's view for anyone else (its users
    and API keys). ``viewer`` is a User or an API-key principal."""
    if roster_counts_visible_to(viewer):
        return roster_upload_summary(upload)
    return roster_upload_result(upload)


def membership_find(*, organisation_kvk: str, worker_number: str) -> Membership | None:
    """The membership of the worker an organisation knows by this number.

    A person can be a member in several sectors; the one in the organisation's own sectors is
    the one its staff ask about, else the most recently changed.
    """
    link = (
        WorkerNumber.objects.filter(organisation__kvk=organisation_kvk, worker_number=worker_number)
        .select_related("organisation")
        .first()
    )
    if link is None:
        return None
    memberships = (
        Membership.objects.filter(person_id=link.person_id)
        .exclude(status=Membership.Status.MERGED)
        .order_by("-updated_at", "-pk")
    )
    own_sectors = set(link.organisation.sectors.values_list("id", flat=True))
    for membership in memberships:
        if membership.sector_id in own_sectors:
            return membership
    return memberships.first()


def membership_describe(membership: Membership) -> dict[str, Any]:
    """Status, window and the full event history, for support staff and ``membership_show``."""
    return {
        "membership_id": membership.pk,
        "sector": membership.sector.code,
        "status": membership.status,
        "covered_from": membership.covered_from.isoformat(),
        "enrolled_on": membership.enrolled_on.isoformat(),
        "window_ends": membership.window_ends.isoformat() if membership.window_ends else None,
        "void": membership.void,
        "ended_on": membership.ended_on.isoformat() if membership.ended_on else None,
        "last_seen_period_end": membership.last_seen_period_end.isoformat(),
        "events": [
            {
                "from_status": e.from_status,
                "to_status": e.to_status,
                "occurred_at": e.occurred_at.isoformat(),
                "actor": e.actor,
                "reason": e.reason,
                "upload_id": e.upload_id,
                "note": e.note,
            }
            for e in membership.events.order_by("id")
        ],
    }


def membership_state_from_events(membership: Membership) -> str | None:
    """Replay the event log: the last event's to-state is the state (invariant 2 of
    docs/architecture.md)."""
    states = list(membership.events.order_by("id").values_list("from_status", "to_status"))
    current: str | None = None
    for from_status, to_status in states:
        if from_status != current:
            raise ValueError(f"event log of membership {membership.pk} is broken")
        current = to_status
    return current


def roster_progress(*, upload_id: int) -> dict[str, Any]:
    """Where a running upload is: {"phase": ..., "rows_done": ...}; empty when not running."""
    return cache.get(RosterUpload.progress_cache_key(upload_id)) or {}


def roster_organisation_for(*, user: Any, kvk: str | None) -> Organisation:
    """For whom a roster is: an agency's staff and keys upload for their own organisation only;
    union staff say for whom by KvK number. ``user`` is a User or an API-key principal."""
    if user.is_union_admin:
        if not kvk:
            raise Invalid(
                "organisation_required",
                "Union staff must give the organisation's KvK number.",
                {"organisation": ["Union staff must give the organisation's KvK number."]},
            )
        organisation = organisation_by_kvk(kvk)
        if organisation is None:
            # The KvK number is a field of the upload, not the thing the request is about: a
            # wrong value in it is the caller's input to fix (400, with the field's error).
            raise Invalid(
                "unknown_organisation",
                "No organisation with this KvK number.",
                {"organisation": ["No organisation with this KvK number."]},
            )
        return organisation
    if kvk and kvk != user.organisation.kvk:
        raise Refused("permission_denied", "You can only upload rosters for your own organisation.")
    return user.organisation


def minimum_hourly_wage(*, age: int, on: dt.date) -> Decimal | None:
    """The statutory minimum wage per hour for a worker of ``age`` on ``on``; None when no rate
    applies (before the first stored rate, or under the youngest age with a share).

    A younger worker's rate is the adult rate times the age's share, rounded to the cent once.
    """
    rate = MinimumWageRate.objects.filter(valid_from__lte=on).order_by("-valid_from").first()
    if rate is None:
        return None
    oldest_share = MinimumWageYouthShare.objects.order_by("-age").first()
    if oldest_share is None or age > oldest_share.age:
        return rate.hourly
    share = MinimumWageYouthShare.objects.filter(age=age).first()
    if share is None:
        return None
    return round_money(rate.hourly * share.percent / 100)


# --- Who read what, and finding a person ----------------------------------------------------------


def person_accesses(*, person_id: int) -> list[dict[str, Any]]:
    """Every recorded staff read of this person's data, oldest first, for the member's export:
    when, through what, and who (the staff member's user name as it was then; a command line's
    operating-system account). The member has a right to know who read their data."""
    rows = PersonAccess.objects.filter(person_id=person_id).order_by("at", "id")
    return [
        {
            "at": row.at,
            "through": row.through,
            "through_label": row.get_through_display(),
            "by": row.username,
            "detail": row.detail,
        }
        for row in rows
    ]


PERSON_SEARCH_LIMIT = 50
PERSON_SEARCH_MIN_CHARS = 2


@dataclass(frozen=True)
class PersonSearch:
    persons: list[Person]
    # More matched than were returned: the terms should be narrowed.
    more: bool
    # Which fields were searched (names of fields, never their values), for the access log.
    fields: tuple[str, ...]


def persons_find(
    *,
    name: str = "",
    phone: str = "",
    email: str = "",
    date_of_birth: dt.date | None = None,
    limit: int = PERSON_SEARCH_LIMIT,
) -> PersonSearch:
    """Persons matching every term given, for union staff finding a caller.

    The name is compared as the roster's matching keys are (case, accents and punctuation
    ignored): each word of it must occur in the first or last name (a one-letter word must
    start one: an initial). The phone is normalised to E.164 as a roster's is and the e-mail
    address as a roster's is, each compared whole. At most ``limit`` persons, by name. Raises
    Invalid (with the field's error, never the term) for a term too short or not a number.
    """
    errors: dict[str, list[str]] = {}
    query = Q()
    fields: list[str] = []
    name = (name or "").strip()
    if name:
        words = [normalise_name_key(word) for word in name.split()]
        words = [word for word in words if word]
        if sum(len(word) for word in words) < PERSON_SEARCH_MIN_CHARS:
            errors["name"] = [f"Type at least {PERSON_SEARCH_MIN_CHARS} letters of the name."]
        for word in words:
            if len(word) == 1:
                query &= Q(first_name_key__startswith=word) | Q(last_name_key__startswith=word)
            else:
                query &= Q(first_name_key__contains=word) | Q(last_name_key__contains=word)
        fields.append("name")
    phone = (phone or "").strip()
    if phone:
        number = normalise_phone(phone)
        if number is None:
            errors["phone"] = [
                "Not a phone number (one without a country code such as +48 is read as Dutch)."
            ]
        query &= Q(phone=number)
        fields.append("phone")
    email = (email or "").strip()
    if email:
        address = normalise_email(email)
        if address is None:
            errors["email"] = ["Not an e-mail address."]
        query &= Q(email=address)
        fields.append("e-mail")
    if date_of_birth is not None:
        query &= Q(date_of_birth=date_of_birth)
        fields.append("date of birth")
    if errors:
        raise Invalid("person_search_invalid", "Check the search terms.", errors)
    if not fields or fields == ["date of birth"]:
        # A date of birth alone is shared by hundreds: it narrows a search, it is not one.
        raise Invalid(
            "person_search_empty",
            "Give a name, a phone number or an e-mail address.",
            {"__all__": ["Give a name, a phone number or an e-mail address."]},
        )
    found = list(
        Person.objects.filter(query).order_by("last_name_key", "first_name_key", "id")[: limit + 1]
    )
    return PersonSearch(persons=found[:limit], more=len(found) > limit, fields=tuple(fields))
