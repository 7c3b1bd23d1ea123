"""Decisions on possible duplicates: two persons with the same name and date of birth."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from employers.models import User
from enrolment.models import (
    Membership,
    MembershipEvent,
    PayrollLine,
    Person,
    PossibleDuplicate,
    WorkerNumber,
)
from enrolment.services import ingest_sql
from unionroll.exceptions import Conflict

S = Membership.Status


def _open_locked(duplicate: PossibleDuplicate) -> PossibleDuplicate:
    locked = PossibleDuplicate.objects.select_for_update().get(pk=duplicate.pk)
    if locked.status != PossibleDuplicate.Status.OPEN:
        raise Conflict(
            "duplicate_already_decided",
            "Someone has already decided on this possible duplicate.",
            {"possible_duplicate": locked.pk, "status": locked.status},
        )
    return locked


def possible_duplicate_dismiss(*, duplicate: PossibleDuplicate, user: User) -> PossibleDuplicate:
    with transaction.atomic():
        d = _open_locked(duplicate)
        d.status = PossibleDuplicate.Status.DISMISSED
        d.decided_by = user
        d.decided_at = timezone.now()
        d.save(update_fields=["status", "decided_by", "decided_at"])
    return d


def possible_duplicate_confirm(*, duplicate: PossibleDuplicate, user: User) -> PossibleDuplicate:
    """Merge the newer person into the older: worker numbers, payroll lines, memberships.

    The newer person record stays (``merged_into`` points at the kept one) so that every
    earlier event and notice still refers to something. Where both have a membership in the
    same sector, the newer one becomes ``merged``; an opt-out on either side wins, because a
    person who said no must not become a member through an administrative merge.
    """
    with transaction.atomic():
        # One at a time with roster imports: both create memberships from what they read.
        with connection.cursor() as cur:
            cur.execute(ingest_sql.LOCK_PERSONS)
        d = _open_locked(duplicate)
        # Lock both persons in primary-key order, as every merge does, so two merges can't
        # deadlock.
        first, second = sorted([d.person_id, d.candidate_id])
        persons = {
            p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[first, second])
        }
        keep, drop = persons[first], persons[second]
        if keep.merged_into_id or drop.merged_into_id:
            raise Conflict(
                "person_already_merged",
                "One of these two records was already merged into another one.",
                {"possible_duplicate": d.pk},
            )

        WorkerNumber.objects.filter(person=drop).update(person=keep)
        PayrollLine.objects.filter(person=drop).update(person=keep)
        kept_by_sector = {
            m.sector_id: m
            for m in Membership.objects.select_for_update().filter(person=keep).order_by("pk")
        }
        for m in Membership.objects.select_for_update().filter(person=drop).order_by("pk"):
            other = kept_by_sector.get(m.sector_id)
            if other is None:
                m.person = keep
                m.save(update_fields=["person", "updated_at"])
                _merge_event(m, m.status, user, {"from_person": drop.pk})
                continue
            if m.status == S.OPTED_OUT and other.status != S.OPTED_OUT:
                previous = other.status
                other.status = S.OPTED_OUT
                other.opted_out_on = m.opted_out_on
                other.ended_on = m.ended_on
                other.void = m.void and other.covered_from >= m.covered_from
                other.save()
                _merge_event(other, previous, user, {"opt_out_from_membership": m.pk})
            other.last_seen_period_end = max(other.last_seen_period_end, m.last_seen_period_end)
            other.save(update_fields=["last_seen_period_end", "updated_at"])
            previous = m.status
            m.status = S.MERGED
            m.merged_into = other
            m.save(update_fields=["status", "merged_into", "updated_at"])
            _merge_event(m, previous, user, {"merged_into": other.pk})

        # Details the member set on either record survive; the kept record's own win.
        for field in ("email", "phone", "language"):
            flag = f"{field}_set_by_member"
            if getattr(drop, flag) and not getattr(keep, flag):
                setattr(keep, field, getattr(drop, field))
                setattr(keep, flag, True)
        # A postal address the member gave the union on either record survives likewise.
        if not keep.postal_address and drop.postal_address:
            keep.postal_address = drop.postal_address
        if keep.bsn_hash is None and drop.bsn_hash is not None:
            keep.bsn_hash, drop.bsn_hash = drop.bsn_hash, None
        drop.merged_into = keep
        drop.save()
        keep.save()

        d.status = PossibleDuplicate.Status.CONFIRMED
        d.decided_by = user
        d.decided_at = timezone.now()
        d.save(update_fields=["status", "decided_by", "decided_at"])
        # Other open pairs that involve the merged record are now about the kept one.
        PossibleDuplicate.objects.filter(
            Q(person=drop) | Q(candidate=drop), status=PossibleDuplicate.Status.OPEN
        ).exclude(pk=d.pk).update(
            status=PossibleDuplicate.Status.DISMISSED, decided_by=user, decided_at=timezone.now()
        )
    return d


def _merge_event(m: Membership, from_status: str, user: User, data: dict) -> None:
    MembershipEvent.objects.create(
        membership=m,
        from_status=from_status,
        to_status=m.status,
        actor=MembershipEvent.Actor.ADMIN,
        actor_user=user,
        reason="person_merged",
        data=data,
    )
