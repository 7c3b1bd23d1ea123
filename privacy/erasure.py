"""Erasure of a person's data (GDPR art. 17), by pseudonymisation.

``person_erase`` applies ``privacy.catalogue`` to every section: names, date of birth, contact
details, worker numbers and the BSN hash are blanked or deleted, values that tie rows together
(the worker number on payroll lines) become a one-way token. What levies, invoices, state claims
and the ledger rest on (memberships with their dates and statuses, payroll lines' money and
hours, levy charges) stays as it is, without the person: levy totals, invoices and the ledger
are unchanged by an erasure. The person's row stays, empty, with ``erased_at`` set.

An erasure is refused while the person is still needed for billing (``erasure_refusal``): a
membership still running, a pay period not yet assessed and billed, levy charges held or due
and not yet on an invoice or state claim. The refusal says from when it becomes possible.

Docs: docs/data-protection.md, "Erasure".
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from enrolment.models import (
    EnrolmentPolicy,
    Membership,
    PayrollLine,
    Person,
    PossibleDuplicate,
    RosterUpload,
    SignInRequest,
)
from enrolment.services.ingest_sql import LOCK_PERSONS
from levies.models import LevyAssessmentRun, LevyCharge
from notifications.models import Notice
from privacy.catalogue import BLANK, DROP, KEEP, SECTIONS, TOKEN, Section
from privacy.models import Erasure
from unionroll.exceptions import Conflict, Invalid, NotFound

logger = logging.getLogger(__name__)

_TOKEN_SALT = "unionroll.privacy.erasure_token"  # noqa: S105 (a salt name, not a secret)
# Memberships that are still running: the person may still be on a roster, owe a levy, be told.
RUNNING = (Membership.Status.ENROLLED, Membership.Status.ACTIVE, Membership.Status.OPTED_IN)


def erasure_token(person_id: int) -> str:
    """The person's one-way token: "X" and 15 hex digits of an HMAC of the id under a key
    derived from SECRET_KEY. Stable per person (rows that belonged together still do); nobody
    without the key can tell whose it is, and it looks like no real worker number."""
    digest = salted_hmac(_TOKEN_SALT, str(person_id), algorithm="sha256").hexdigest()
    return "X" + digest[:15]


def merge_group(person_id: int) -> list[int]:
    """The person's records: the one the others were merged into (following ``merged_into`` to
    the end) and every record merged into it, directly or in steps. One worker, one erasure."""
    seen: set[int] = set()
    root = person_id
    while True:
        seen.add(root)
        parent = Person.objects.filter(pk=root).values_list("merged_into_id", flat=True).first()
        if parent is None or parent in seen:
            break
        root = parent
    group = {root}
    frontier = {root}
    while frontier:
        frontier = set(
            Person.objects.filter(merged_into_id__in=frontier)
            .exclude(pk__in=group)
            .values_list("pk", flat=True)
        )
        group |= frontier
    return sorted(group)


# --- When an erasure is possible -----------------------------------------------------------------


@dataclass(frozen=True)
class Obstacle:
    reason: str
    # The day from which this obstacle is normally gone; None when it depends on the person
    # (a membership that runs until they leave).
    possible_from: dt.date | None


def _fmt(day: dt.date) -> str:
    return day.isoformat()


def erasure_obstacles(person_ids: list[int], today: dt.date) -> list[Obstacle]:
    """Why the records ``person_ids`` are still needed, each with the day it normally ends.

    The rule, from the levies (docs/levies.md): a period's payroll lines are assessed and billed
    by the daily task the day after the period ended (or after the roster came, if later);
    held charges become due the day after the member's opt-out window closed, and are billed
    then. Until every line of the person is assessed and every charge of theirs that is held or
    due is on an invoice or state claim, the person is still needed; so is a membership that is
    still running (it may bring new lines, levies and notices).
    """
    found: list[Obstacle] = []
    tomorrow = today + dt.timedelta(days=1)
    running = (
        Membership.objects.filter(person_id__in=person_ids, status__in=RUNNING)
        .select_related("sector")
        .order_by("id")
    )
    for membership in running:
        policy = EnrolmentPolicy.objects.filter(sector_id=membership.sector_id).first()
        weeks = policy.lapse_weeks if policy else 13
        lapses = membership.last_seen_period_end + dt.timedelta(weeks=weeks, days=1)
        found.append(
            Obstacle(
                f"This person's membership in {membership.sector.name} is still running; "
                "erasure is possible once it has ended: when they leave, or when it lapses "
                f"after {weeks} weeks without pay, at the earliest on "
                f"{_fmt(max(lapses, tomorrow))}.",
                None,
            )
        )

    # Current payroll lines of a period that no assessment has looked at since they came.
    lines = (
        PayrollLine.objects.filter(person_id__in=person_ids, superseded_by__isnull=True)
        .values_list("period_start", "period_end", "upload_id")
        .distinct()
        .order_by("period_start", "period_end")
    )
    uploads = dict(
        RosterUpload.objects.filter(pk__in={u for _s, _e, u in lines}).values_list(
            "pk", "finished_at"
        )
    )
    not_assessed: set[tuple[dt.date, dt.date]] = set()
    for start, end, upload_id in lines:
        runs = LevyAssessmentRun.objects.filter(
            period_start=start, period_end=end, finished_at__isnull=False
        )
        came = uploads.get(upload_id)
        if came is not None:
            runs = runs.filter(started_at__gte=came)
        if not runs.exists():
            not_assessed.add((start, end))

    # Charges waiting: held (an open window), or due and on no invoice or state claim yet.
    unbilled = Q(status=LevyCharge.Status.DUE) & (
        (Q(payer="state") & Q(state_claim__isnull=True))
        | (~Q(payer="state") & Q(invoice__isnull=True))
    )
    waiting = LevyCharge.objects.filter(person_id__in=person_ids).filter(
        Q(status=LevyCharge.Status.HELD) | unbilled
    )
    held_periods = set(
        waiting.filter(status=LevyCharge.Status.HELD).values_list("period_start", "period_end")
    )
    unbilled_periods = set(waiting.filter(unbilled).values_list("period_start", "period_end"))

    for start, end in sorted(not_assessed | unbilled_periods - held_periods):
        possible = max(end + dt.timedelta(days=1), tomorrow)
        found.append(
            Obstacle(
                f"Their pay period {_fmt(start)} to {_fmt(end)} is not billed yet; erasure is "
                f"possible once it is, normally from {_fmt(possible)}.",
                possible,
            )
        )
    for start, end in sorted(held_periods - not_assessed):
        window = (
            Membership.objects.filter(person_id__in=person_ids, status=Membership.Status.ENROLLED)
            .exclude(window_ends__isnull=True)
            .order_by("-window_ends")
            .values_list("window_ends", "window_waits_for_letter")
            .first()
        )
        if window is not None and window[1]:
            found.append(
                Obstacle(
                    f"Their levy for the pay period {_fmt(start)} to {_fmt(end)} is held until "
                    "their opt-out window closes, which starts only when their welcome letter "
                    "is handed over or posted; erasure is possible once it has closed and the "
                    "levy is billed.",
                    None,
                )
            )
            continue
        possible = tomorrow
        if window is not None:
            possible = max(window[0] + dt.timedelta(days=1), tomorrow)
        found.append(
            Obstacle(
                f"Their levy for the pay period {_fmt(start)} to {_fmt(end)} is held while an "
                "opt-out window is open or until the next assessment settles it; erasure is "
                f"possible once it is billed, normally from {_fmt(possible)}.",
                possible,
            )
        )
    return found


def erasure_refusal(person_id: int, today: dt.date | None = None) -> str | None:
    """None if the person (with the records merged with them) may be erased now; otherwise the
    reasons, in words a union staff member understands, each with the day from which erasure
    normally becomes possible."""
    today = today or timezone.localdate()
    person = Person.objects.filter(pk=person_id).only("erased_at").first()
    if person is None:
        return "There is no person with this number."
    if person.erased_at is not None:
        return f"This person was erased on {timezone.localdate(person.erased_at).isoformat()}."
    obstacles = erasure_obstacles(merge_group(person_id), today)
    if not obstacles:
        return None
    return " ".join(o.reason for o in obstacles)


# --- The erasure ----------------------------------------------------------------------------------


def _empty(field: models.Field) -> Any:
    if field.null:
        return None
    if isinstance(field, models.JSONField):
        return field.get_default()
    return ""


def _section_apply(section: Section, person_ids: list[int], token: str) -> int:
    model = apps.get_model(section.model)
    rows = model._base_manager.filter(**{f"{section.person}__in": person_ids})
    if section.rows == DROP:
        deleted, _ = rows.delete()
        return deleted
    rules = {**section.exported, **section.erase_withheld}
    values: dict[str, Any] = {}
    for name, rule in rules.items():
        if rule == KEEP:
            continue
        field = model._meta.get_field(name)
        if rule == BLANK:
            values[field.attname] = _empty(field)
        elif rule == TOKEN:
            values[field.attname] = token
    if not values:
        return 0
    if section.model == "enrolment.MembershipEvent":
        # The event log is append-only; the trigger lets this one UPDATE of note and data by.
        with connection.cursor() as cur:
            cur.execute("SET LOCAL unionroll.erasing = 'on'")
        try:
            return rows.update(**values)
        finally:
            with connection.cursor() as cur:
                cur.execute("SET LOCAL unionroll.erasing = 'off'")
    return rows.update(**values)


def _values_of(person_ids: list[int]) -> set[str]:
    """The person's values as text, to find them in JSON that quotes roster cells."""
    found: set[str] = set()
    for p in Person.objects.filter(pk__in=person_ids):
        found |= {p.first_name, p.last_name, p.email or "", p.phone or "", p.postal_address}
        if p.date_of_birth:
            found.add(p.date_of_birth.isoformat())
    WorkerNumber = apps.get_model("enrolment", "WorkerNumber")
    for row in WorkerNumber.objects.filter(person_id__in=person_ids).values_list(
        "worker_number", "first_name", "last_name"
    ):
        found |= set(row)
    found |= set(
        PayrollLine.objects.filter(person_id__in=person_ids).values_list("worker_number", flat=True)
    )
    return {v for v in found if v and len(v) > 1}


def _roster_errors_scrub(person_ids: list[int], values: set[str]) -> int:
    """Rejected rosters' error reports quote the cell they refuse: the person's organisations'
    reports lose any quoted value that is one of the person's. Warnings and change summaries
    hold counts and row numbers only."""
    organisations = set(
        PayrollLine.objects.filter(person_id__in=person_ids).values_list(
            "organisation_id", flat=True
        )
    ) | set(
        apps.get_model("enrolment", "WorkerNumber")
        .objects.filter(person_id__in=person_ids)
        .values_list("organisation_id", flat=True)
    )
    changed = 0
    uploads = RosterUpload.objects.filter(organisation_id__in=organisations, error_count__gt=0)
    for upload in uploads.only("pk", "errors"):
        errors = upload.errors or []
        hit = False
        for issue in errors:
            if isinstance(issue, dict) and issue.get("value") and str(issue["value"]) in values:
                issue["value"] = None
                hit = True
        if hit:
            RosterUpload.objects.filter(pk=upload.pk).update(errors=errors)
            changed += 1
    return changed


def _sessions_end(membership_ids: set[int]) -> int:
    """Portal sessions signed in as one of the memberships are ended (database sessions)."""
    if not membership_ids or settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return 0
    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("portal_membership_id") in membership_ids:
            ended.append(session.session_key)
    Session.objects.filter(session_key__in=ended).delete()
    return len(ended)


def _letters_delete(paths: list[str]) -> None:
    root = Path(settings.MEDIA_ROOT).resolve()
    for relative in paths:
        path = (root / relative).resolve()
        if root not in path.parents:
            continue
        try:
            path.unlink(missing_ok=True)
        except OSError:
            logger.exception("a letter file of an erasure could not be deleted")


def person_erase(
    person_id: int,
    reason: str,
    *,
    by_user: Any = None,
    by_name: str = "",
    via: str = Erasure.Via.COMMAND,
    today: dt.date | None = None,
    dry_run: bool = False,
) -> Erasure:
    """Erase the person and the records merged with them, in one transaction; returns the
    Erasure record (not saved when ``dry_run``: then nothing changes and the counts say what
    would). Raises NotFound for an unknown person, Conflict when the person is still needed (the
    refusal's words), Invalid without a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("erasure_reason_missing", "Say why the person's data is erased.")
    if via not in Erasure.Via.values:
        raise Invalid("erasure_via_unknown", "Unknown way of erasing.")
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        # Rosters take this lock while they match and apply: none matches the person meanwhile.
        with connection.cursor() as cur:
            cur.execute(LOCK_PERSONS)
        person = Person.objects.filter(pk=person_id).first()
        if person is None:
            raise NotFound("person_not_found", "There is no person with this number.")
        if person.erased_at is not None:
            raise Conflict(
                "person_erased_already",
                f"This person was erased on {timezone.localdate(person.erased_at).isoformat()}.",
            )
        group = merge_group(person_id)
        obstacles = erasure_obstacles(group, today)
        if obstacles:
            raise Conflict(
                "erasure_not_possible_yet",
                " ".join(o.reason for o in obstacles),
                {"possible_from": _latest(obstacles)},
            )
        token = erasure_token(group[0])
        values = _values_of(group)
        membership_ids = set(
            Membership.objects.filter(person_id__in=group).values_list("pk", flat=True)
        )
        letters = [
            d
            for d in Notice.objects.filter(person_id__in=group)
            .exclude(document="")
            .values_list("document", flat=True)
        ]
        sid = transaction.savepoint()
        counts: dict[str, int] = {}
        for section in SECTIONS:
            counts[section.key] = _section_apply(section, group, token)
        Person.objects.filter(pk__in=group).update(erased_at=now)
        counts["roster_error_reports"] = _roster_errors_scrub(group, values)
        counts["possible_duplicates_dismissed"] = PossibleDuplicate.objects.filter(
            Q(person_id__in=group) | Q(candidate_id__in=group),
            status=PossibleDuplicate.Status.OPEN,
        ).update(status=PossibleDuplicate.Status.DISMISSED, decided_at=now)
        counts["portal_sessions"] = _sessions_end(membership_ids)
        # A link asked for in the last minutes, not yet looked up: what was typed goes too.
        counts["sign_in_requests"] = SignInRequest.objects.filter(contact__in=values).delete()[0]
        counts["letter_files"] = len(letters)
        erasure = Erasure(
            person_id=person_id,
            persons=group,
            at=now,
            by_user=by_user,
            by_name=by_name[:150],
            via=via,
            reason=reason,
            counts=counts,
        )
        if dry_run:
            transaction.savepoint_rollback(sid)
            return erasure
        transaction.savepoint_commit(sid)
        erasure.save()
        transaction.on_commit(lambda: _letters_delete(letters))
    logger.info(
        "person %s erased (%s records) via %s, erasure %s", person_id, len(group), via, erasure.pk
    )
    return erasure


def _latest(obstacles: list[Obstacle]) -> str | None:
    if any(o.possible_from is None for o in obstacles):
        return None
    return max(o.possible_from for o in obstacles if o.possible_from).isoformat()
