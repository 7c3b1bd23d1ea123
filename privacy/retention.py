"""Retention: what is kept how long (docs/data-protection.md, "Retention"), enforced daily by
``privacy.tasks.retention_run_task`` and by hand with ``manage.py retention_run``.

- Persons with no running membership and no payroll line for
  UNIONROLL_RETENTION_INACTIVE_DAYS (730) are erased as ``person_erase`` does (via retention),
  unless the refusal rule still protects them (a charge not yet billed).
- After UNIONROLL_RETENTION_SIGNIN_DAYS (30): sign-in links that were used or expired, contact
  changes that were confirmed or expired, the replaced phone number or address on sent (or
  failed, or cancelled) "contact changed" notices, and the portal page a sign-in link led to.
  Expired sessions are cleared.
- Sign-in attempts are counted in the cache only, each counter expiring with its window
  (UNIONROLL_SIGNIN_LIMIT_WINDOW_SECONDS); nothing about them is in the database.
- Roster files: enrolment's ``roster_files_purge_task`` (hourly).

Counts only, never a personal value, in the log line and the result.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from enrolment.credentials import signin_requests_purge
from enrolment.models import ContactChange, Membership, PayrollLine, Person, SignInLink
from notifications.models import Notice
from privacy.erasure import RUNNING, erasure_obstacles, merge_group, person_erase
from privacy.models import Erasure
from unionroll.exceptions import ApplicationError

logger = logging.getLogger(__name__)

# What a retention erasure records as its reason.
RETENTION_REASON = "retention: no membership and no pay for the set time"
# Notices whose delivery is over: their address is no longer needed.
_DELIVERY_OVER = (Notice.Status.SENT, Notice.Status.FAILED, Notice.Status.CANCELLED)


def inactive_persons(now: dt.datetime) -> list[int]:
    """Persons not erased, not merged into another record, with no running membership (in their
    merge group) and no payroll line whose period ended within the retention time (every person
    comes from a roster line, so none is younger than that)."""
    cutoff = now - dt.timedelta(days=settings.UNIONROLL_RETENTION_INACTIVE_DAYS)
    cutoff_day = timezone.localdate(cutoff)
    candidates = (
        Person.objects.filter(erased_at__isnull=True, merged_into__isnull=True)
        .exclude(Exists(Membership.objects.filter(person_id=OuterRef("pk"), status__in=RUNNING)))
        .exclude(
            Exists(PayrollLine.objects.filter(person_id=OuterRef("pk"), period_end__gte=cutoff_day))
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    found = []
    for person_id in candidates:
        group = merge_group(person_id)
        others = [p for p in group if p != person_id]
        if others:
            # Records merged into this one count too.
            last_line = PayrollLine.objects.filter(person_id__in=others).aggregate(
                last=Max("period_end")
            )["last"]
            running = Membership.objects.filter(person_id__in=others, status__in=RUNNING)
            if (last_line and last_line >= cutoff_day) or running.exists():
                continue
        found.append(person_id)
    return found


def retention_run(now: dt.datetime | None = None) -> dict[str, int]:
    """One retention pass at ``now`` (default: the clock); returns what it did, in counts."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    short = now - dt.timedelta(days=settings.UNIONROLL_RETENTION_SIGNIN_DAYS)
    counts: dict[str, int] = {"persons_erased": 0, "persons_kept_for_billing": 0}

    for person_id in inactive_persons(now):
        if erasure_obstacles(merge_group(person_id), today):
            counts["persons_kept_for_billing"] += 1
            continue
        try:
            person_erase(person_id, RETENTION_REASON, via=Erasure.Via.RETENTION, today=today)
        except ApplicationError:
            # Changed meanwhile (a roster named them, another erasure): the next run decides.
            counts["persons_kept_for_billing"] += 1
            continue
        counts["persons_erased"] += 1

    with transaction.atomic():
        # A welcome link works until the opt-out window ends, used or not: only a link that no
        # longer works goes.
        counts["sign_in_links_deleted"] = SignInLink.objects.filter(
            Q(used_at__lt=short, expires_at__lt=now) | Q(expires_at__lt=short)
        ).delete()[0]
        # What remains (unused, not long expired) keeps no destination past the short time.
        counts["sign_in_destinations_cleared"] = (
            SignInLink.objects.filter(created_at__lt=short)
            .exclude(destination="")
            .update(destination="")
        )
        counts["contact_changes_deleted"] = ContactChange.objects.filter(
            Q(confirmed_at__lt=short) | Q(expires_at__lt=short)
        ).delete()[0]
        counts["replaced_contacts_cleared"] = (
            Notice.objects.filter(
                Q(sent_at__lt=short) | Q(sent_at__isnull=True, created_at__lt=short),
                kind=Notice.Kind.CONTACT_CHANGED,
                status__in=_DELIVERY_OVER,
                data__isnull=False,
            )
            .exclude(data={})
            .update(data=None)
        )
        counts["sign_in_requests_deleted"] = signin_requests_purge(now=now)
        counts["sessions_expired_deleted"] = Session.objects.filter(expire_date__lt=now).delete()[0]

    logger.info("retention run: %s", ", ".join(f"{key} {value}" for key, value in counts.items()))
    return counts
