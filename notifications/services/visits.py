"""Workplace visits: scheduling, moving and cancelling them; who is told, what, and when; and the
access notices to the organisations.

A visit has a version; every change that members must hear about (``visit_schedule``,
``visit_reschedule``, ``visit_cancel``) makes a new one and publishes an event naming it
(notifications.events). On commit the fan-out task records the notices of the newest version, in
one statement each:

- members who worked at the site recently (current payroll lines whose period ended at most
  ``UNIONROLL_VISIT_RECENT_WEEKS`` weeks before the visit) and whose membership in that line's
  sector is live, and who have not been told of this visit yet, get "a visit is coming"
  (``change`` "new"), due ``notify_days_ahead`` days before it starts;
- members who were told of an earlier version whose time or place differs from the newest get
  "moved" or "cancelled" at once, whether or not they still work there: they may be planning to
  come. Members told of the same time and place are left alone (a corrected note is not worth a
  message to 20,000 phones);
- pending notices of earlier versions are cancelled, so nobody hears an outdated version.

Each notice keeps the snapshot of the visit it announces (``data["visit"]``), so a later change
never alters what an already-sent notice said; one whose visit changed before it went out is
cancelled by its facts function (``visit_notice_facts``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation

from employers.models import Site, User
from notifications.events import VisitCancelled, VisitChanged, VisitScheduled
from notifications.models import Notice, OrganisationNotice, WorkplaceVisit
from notifications.visit_texts import (
    NOTE_PHRASES,
    PLACE_PHRASES,
    LazyVisitText,
    visit_place,
    visit_text_source,
)
from unionroll.events import publish
from unionroll.exceptions import Conflict, Invalid
from unionroll.i18n import notice_language

logger = logging.getLogger(__name__)

DUTCH_TIME = ZoneInfo("Europe/Amsterdam")
LIVE_STATUSES = ["enrolled", "active", "opted_in"]
# Statuses of a notice that may have reached the member: they count as "told".
TOLD_STATUSES = ["sending", "sent", "queued_for_print"]


def visit_subject(*, visit_id: int, version: int) -> str:
    return f"visit:{visit_id}:v{version}"


def visit_snapshot(visit: WorkplaceVisit) -> dict[str, Any]:
    """What a notice about ``visit`` (a WorkplaceVisit with site and hirer) announces."""
    return {
        "id": visit.pk,
        "version": visit.version,
        "status": visit.status,
        "site": visit.site.name,
        "address": visit.site.address,
        "hirer": visit.site.hirer.name,
        "starts_at": visit.starts_at.isoformat(),
        "ends_at": visit.ends_at.isoformat(),
        "languages": list(visit.languages),
        # place, note, their phrases and texts per language: every text, so a sent notice
        # says what it said whatever is translated later.
        **visit_text_source(visit),
    }


def _visit(visit_id: int) -> WorkplaceVisit:
    return WorkplaceVisit.objects.select_related("site__hirer").get(pk=visit_id)


# --- Scheduling, moving and cancelling a visit --------------------------------------------------
#
# Every change members must hear about makes a new version; the notices name the version they
# announce, so a change is told again and one version never twice. Each change publishes an
# event naming the new version; the notices are recorded by a task its subscriber queues once
# the change has committed (NotificationsConfig.ready): the visit is saved (and shown so)
# whatever happens to the fan-out, and the task is safe to run twice.


def _visit_languages(languages: Iterable[str]) -> list[str]:
    """Language codes as given, trimmed, each once, in the order given."""
    return list(dict.fromkeys(c.strip() for c in languages if c.strip()))


def _visit_translations(texts: dict[str, str] | None) -> dict[str, str]:
    """Texts per language, trimmed, blank ones left out."""
    return {code: text.strip() for code, text in (texts or {}).items() if text and text.strip()}


def _visit_unchanged_since(visit: WorkplaceVisit, expected_version: int | None) -> None:
    """Refuse a change on top of one the admin has not seen (their form showed
    ``expected_version``)."""
    if expected_version is not None and visit.version != expected_version:
        raise Conflict(
            "visit_changed",
            "Someone changed this visit meanwhile; reload it and try again.",
            {"version": visit.version},
        )


def visit_validate(
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str,
    languages: list[str],
    notify_days_ahead: int,
    now: dt.datetime,
    note: str = "",
    place_phrase: str = "",
    note_phrases: Iterable[str] = (),
    place_translations: dict[str, str] | None = None,
    note_translations: dict[str, str] | None = None,
    plain_language: str = "nl",
) -> None:
    """Refuse a visit that cannot be held as given (the admin form shows these messages)."""
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise Invalid("invalid_visit_time", "A visit's times need a time zone.")
    if starts_at <= now:
        raise Invalid("visit_in_past", "A visit cannot start in the past.")
    if ends_at <= starts_at:
        raise Invalid("invalid_visit_time", "A visit must end after it starts.")
    if not place.strip() and not place_phrase:
        raise Invalid(
            "invalid_visit_place",
            "Say where on the site the union will be: choose a place or write it "
            "(e.g. the canteen).",
        )
    if place_phrase and place_phrase not in PLACE_PHRASES:
        raise Invalid("unknown_phrase", f"Unknown place phrase: {place_phrase}.")
    unknown_notes = sorted(set(note_phrases) - set(NOTE_PHRASES))
    if unknown_notes:
        raise Invalid("unknown_phrase", f"Unknown note phrase(s): {', '.join(unknown_notes)}.")
    known = {code for code, _ in settings.LANGUAGES}
    if plain_language not in known:
        raise Invalid("unknown_language", f"Unknown language code: {plain_language}.")
    for part, plain, texts in (
        ("place", place, place_translations),
        ("note", note, note_translations),
    ):
        texts = _visit_translations(texts)
        if set(texts) - known:
            raise Invalid(
                "unknown_language",
                f"Unknown language code(s): {', '.join(sorted(set(texts) - known))}.",
            )
        if texts and not plain.strip():
            # Members whose language has no text read the plain text: there must be one.
            raise Invalid(
                "plain_text_missing",
                f"Write the {part} as plain text too: members whose language has no text of "
                "its own read that.",
            )
    unknown = sorted(set(languages) - known)
    if unknown:
        raise Invalid(
            "unknown_language",
            f"Unknown language code(s): {', '.join(unknown)}.",
            {"languages": unknown},
        )
    if not 0 <= notify_days_ahead <= 60:
        raise Invalid("invalid_notify_days", "Members are told between 0 and 60 days ahead.")


def visit_schedule(
    *,
    site: Site,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str,
    languages: Iterable[str] = (),
    note: str = "",
    notify_days_ahead: int | None = None,
    created_by: User | None = None,
    now: dt.datetime | None = None,
    place_phrase: str = "",
    note_phrases: Iterable[str] = (),
    place_translations: dict[str, str] | None = None,
    note_translations: dict[str, str] | None = None,
    plain_language: str = "nl",
) -> WorkplaceVisit:
    """Schedule a union visit at a site. On commit, the members who worked there recently are
    recorded to be told ahead (in their languages), and the hirer and agencies get an access
    notice."""
    now = now or timezone.now()
    languages = _visit_languages(languages)
    note_phrases = list(dict.fromkeys(note_phrases))
    place_translations = _visit_translations(place_translations)
    note_translations = _visit_translations(note_translations)
    if notify_days_ahead is None:
        notify_days_ahead = settings.UNIONROLL_VISIT_NOTICE_DAYS
    visit_validate(
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        languages=languages,
        notify_days_ahead=notify_days_ahead,
        now=now,
        note=note,
        place_phrase=place_phrase,
        note_phrases=note_phrases,
        place_translations=place_translations,
        note_translations=note_translations,
        plain_language=plain_language,
    )
    with transaction.atomic():
        visit = WorkplaceVisit.objects.create(
            site=site,
            starts_at=starts_at,
            ends_at=ends_at,
            place=place.strip(),
            languages=languages,
            note=note.strip(),
            place_phrase=place_phrase,
            note_phrases=note_phrases,
            place_translations=place_translations,
            note_translations=note_translations,
            plain_language=plain_language,
            notify_days_ahead=notify_days_ahead,
            created_by=created_by,
        )
        publish(VisitScheduled(visit_id=visit.pk, version=visit.version))
    logger.info("visit %s scheduled at site %s", visit.pk, site.pk)
    return visit


def visit_reschedule(
    *,
    visit_id: int,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    place: str | None = None,
    languages: Iterable[str] | None = None,
    note: str | None = None,
    notify_days_ahead: int | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
    place_phrase: str | None = None,
    note_phrases: Iterable[str] | None = None,
    place_translations: dict[str, str] | None = None,
    note_translations: dict[str, str] | None = None,
    plain_language: str | None = None,
) -> WorkplaceVisit:
    """Change a scheduled visit. Any change makes a new version: members who were told of
    another time or place (the plain place or the place phrase) hear of the move at once;
    members not told yet hear of the new version when its time comes; nothing changed, nothing
    happens. A change to a text in some language only, like a change to the note, is not told
    to those already told.

    ``expected_version`` (the version the admin's form showed) refuses a change made on top of
    someone else's change.
    """
    now = now or timezone.now()
    with transaction.atomic():
        visit = WorkplaceVisit.objects.select_for_update().get(pk=visit_id)
        _visit_unchanged_since(visit, expected_version)
        if visit.status == WorkplaceVisit.Status.CANCELLED:
            raise Conflict("visit_cancelled", "A cancelled visit cannot be changed.")
        new = {
            "starts_at": visit.starts_at if starts_at is None else starts_at,
            "ends_at": visit.ends_at if ends_at is None else ends_at,
            "place": visit.place if place is None else place.strip(),
            "languages": list(visit.languages)
            if languages is None
            else _visit_languages(languages),
            "note": visit.note if note is None else note.strip(),
            "notify_days_ahead": (
                visit.notify_days_ahead if notify_days_ahead is None else notify_days_ahead
            ),
            "place_phrase": visit.place_phrase if place_phrase is None else place_phrase,
            "note_phrases": list(visit.note_phrases)
            if note_phrases is None
            else list(dict.fromkeys(note_phrases)),
            "place_translations": visit.place_translations
            if place_translations is None
            else _visit_translations(place_translations),
            "note_translations": visit.note_translations
            if note_translations is None
            else _visit_translations(note_translations),
            "plain_language": visit.plain_language if plain_language is None else plain_language,
        }
        if all(getattr(visit, field) == value for field, value in new.items()):
            return visit
        if visit.starts_at <= now:
            raise Conflict("visit_started", "A visit that has begun cannot be changed.")
        visit_validate(**new, now=now)
        for field, value in new.items():
            setattr(visit, field, value)
        visit.version += 1
        visit.save()
        publish(VisitChanged(visit_id=visit.pk, version=visit.version))
    logger.info("visit %s changed (version %s)", visit.pk, visit.version)
    return visit


def visit_cancel(
    *, visit_id: int, expected_version: int | None = None, now: dt.datetime | None = None
) -> WorkplaceVisit:
    """Cancel a visit: everyone who was told of it hears that it is off; nobody else is told.
    Cancelling a cancelled visit changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        visit = WorkplaceVisit.objects.select_for_update().get(pk=visit_id)
        if visit.status == WorkplaceVisit.Status.CANCELLED:
            return visit
        _visit_unchanged_since(visit, expected_version)
        if visit.ends_at <= now:
            raise Conflict("visit_over", "A visit that is over cannot be cancelled.")
        visit.status = WorkplaceVisit.Status.CANCELLED
        visit.version += 1
        visit.save(update_fields=["status", "version", "updated_at"])
        publish(VisitCancelled(visit_id=visit.pk, version=visit.version))
    logger.info("visit %s cancelled (version %s)", visit.pk, visit.version)
    return visit


# --- Who is told, and what ---------------------------------------------------------------------


def visit_recent_since(visit: Any) -> dt.date:
    """The first day of the weeks whose payroll lines count as "works at the site"."""
    return _recent_since(visit.starts_at)


def _recent_since(starts_at: dt.datetime) -> dt.date:
    weeks = settings.UNIONROLL_VISIT_RECENT_WEEKS
    return timezone.localtime(starts_at).date() - dt.timedelta(weeks=weeks)


# Members to tell about the newest version of a visit. ``current``: live members with recent
# payroll lines at the site. ``told``: per person, the latest notice of an earlier version that
# may have reached them, with the time and place it announced. A person in ``current`` who was
# never told hears "new" at not_before; a person told of another time or place (or of a visit
# now cancelled) hears the change now; a cancelled visit is told only to those told before.
#
# ``SITE_MEMBERS_CTE`` is who counts as "at this site" for a visit: the languages its members
# read (visit_reader_languages) and the visit's letters to hand over
# (notifications.selectors.visit_waiting_letters) use the same rule.
SITE_MEMBERS_CTE = """
recent AS (
    SELECT DISTINCT l.person_id, l.sector_id
    FROM enrolment_payrollline l
    WHERE l.site_id = %(site)s
      AND l.superseded_by_id IS NULL
      AND l.period_end >= %(since)s
), current_members AS (
    SELECT DISTINCT ON (m.person_id) m.person_id, m.id AS membership_id
    FROM recent r
    JOIN enrolment_membership m ON m.person_id = r.person_id AND m.sector_id = r.sector_id
    JOIN enrolment_person p ON p.id = m.person_id
    WHERE m.status = ANY(%(live)s) AND p.merged_into_id IS NULL
    ORDER BY m.person_id, m.id
)"""

_MEMBER_NOTICES_SQL = (
    "WITH"
    + SITE_MEMBERS_CTE
    + """, told AS (
    SELECT DISTINCT ON (n.person_id)
           n.person_id, n.membership_id,
           n.data -> 'visit' ->> 'starts_at' AS starts_at,
           n.data -> 'visit' ->> 'ends_at' AS ends_at,
           n.data -> 'visit' ->> 'place' AS place,
           coalesce(n.data -> 'visit' ->> 'place_phrase', '') AS place_phrase,
           n.data ->> 'change' AS change
    FROM notifications_notice n
    WHERE n.kind = 'visit' AND n.subject LIKE %(prefix)s AND n.subject <> %(subject)s
      AND n.status = ANY(%(told_statuses)s)
    ORDER BY n.person_id, n.id DESC
), told_live AS (
    -- Someone who opted out (or was merged away) since hears nothing more from us.
    SELECT t.*
    FROM told t
    JOIN enrolment_membership m ON m.id = t.membership_id
    JOIN enrolment_person p ON p.id = t.person_id
    WHERE m.status NOT IN ('opted_out', 'merged') AND p.merged_into_id IS NULL
      AND t.change <> 'cancelled'
), recipients AS (
    SELECT coalesce(c.person_id, t.person_id) AS person_id,
           coalesce(c.membership_id, t.membership_id) AS membership_id,
           CASE WHEN t.person_id IS NULL THEN 'new' ELSE %(change)s END AS change
    FROM current_members c
    FULL JOIN told_live t ON t.person_id = c.person_id
    WHERE (t.person_id IS NULL AND %(cancelled)s IS FALSE)
       OR (t.person_id IS NOT NULL AND (
            %(cancelled)s
            OR t.starts_at <> %(starts_at)s OR t.ends_at <> %(ends_at)s OR t.place <> %(place)s
            OR t.place_phrase <> %(place_phrase)s
       ))
)
INSERT INTO notifications_notice
    (person_id, membership_id, kind, subject, status, data, not_before, created_at)
SELECT r.person_id, r.membership_id, 'visit', %(subject)s, 'due',
       jsonb_build_object('change', r.change, 'visit', %(snapshot)s::jsonb),
       CASE WHEN r.change = 'new' THEN %(not_before)s ELSE %(now)s END,
       %(now)s
FROM recipients r
ORDER BY r.person_id
ON CONFLICT (person_id, kind, subject) DO NOTHING
"""
)


def _version_notices_record(
    *, visit_id: int, version: int, table: str, kind: str, sql: str, now: dt.datetime, **params: Any
) -> tuple[int, list[int]]:
    """Record one version's notices in ``table`` with ``sql``, after cancelling the pending
    notices of earlier versions: (rows inserted, ids it returns). Nothing for a version since
    replaced: the newer version's task tells everyone what they need to know."""
    visit = _visit(visit_id)
    if visit.version != version:
        return 0, []
    subject = visit_subject(visit_id=visit.pk, version=visit.version)
    prefix = f"visit:{visit.pk}:v%"
    cancelled = visit.status == "cancelled"
    params |= {
        "site": visit.site_id,
        "hirer": visit.site.hirer_id,
        "since": visit_recent_since(visit),
        "prefix": prefix,
        "subject": subject,
        "told_statuses": TOLD_STATUSES,
        "change": "cancelled" if cancelled else "rescheduled",
        "cancelled": cancelled,
        "starts_at": visit.starts_at.isoformat(),
        "ends_at": visit.ends_at.isoformat(),
        "place": visit.place,
        "place_phrase": visit.place_phrase,
        "snapshot": json.dumps(visit_snapshot(visit)),
        "not_before": max(now, visit.starts_at - dt.timedelta(days=visit.notify_days_ahead)),
        "now": now,
    }
    with connection.cursor() as cur:
        # Anything about an earlier version that has not gone out yet is outdated.
        cur.execute(
            f"""
            UPDATE {table} SET status = 'cancelled'
            WHERE kind = %s AND subject LIKE %s AND subject <> %s
              AND status IN ('due', 'deferred')
            """,
            [kind, prefix, subject],
        )
        cur.execute(sql, params)
        returned = [row[0] for row in cur.fetchall()] if cur.description else []
        return cur.rowcount, sorted(returned)


_READER_LANGUAGES_SQL = (
    "WITH"
    + SITE_MEMBERS_CTE
    + """
SELECT p.language, count(*)
FROM current_members c
JOIN enrolment_person p ON p.id = c.person_id
GROUP BY p.language
"""
)


def visit_reader_languages(*, site_id: int, starts_at: dt.datetime) -> dict[str, int]:
    """How many members read each language among those a visit at ``site_id`` starting at
    ``starts_at`` tells: the recipients' own rule (``SITE_MEMBERS_CTE``), so the admin's
    list of missing languages is about exactly the people who will read the notice. Languages
    as notices use them (none or an unknown one counts as English); most readers first.

    A read, kept here beside the rule it shares with the fan-out."""
    params = {"site": site_id, "since": _recent_since(starts_at), "live": LIVE_STATUSES}
    counts: dict[str, int] = {}
    with connection.cursor() as cur:
        cur.execute(_READER_LANGUAGES_SQL, params)
        for language, n in cur.fetchall():
            code = notice_language(language)
            counts[code] = counts.get(code, 0) + n
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def visit_notices_record(*, visit_id: int, version: int, now: dt.datetime | None = None) -> int:
    """Record the member notices of one version of a visit; return how many were new.
    Safe to run twice (the unique constraint)."""
    with transaction.atomic():
        inserted, _ = _version_notices_record(
            visit_id=visit_id,
            version=version,
            table="notifications_notice",
            kind=Notice.Kind.VISIT,
            sql=_MEMBER_NOTICES_SQL,
            now=now or timezone.now(),
            live=LIVE_STATUSES,
        )
        return inserted


# The hirer and every agency with recent current payroll lines at the site, plus every
# organisation told of an earlier version; told again only if the time or place changed.
_ACCESS_NOTICES_SQL = """
WITH current_orgs AS (
    SELECT %(hirer)s::bigint AS organisation_id, 'hirer' AS role
    UNION
    SELECT DISTINCT l.organisation_id, 'agency'
    FROM enrolment_payrollline l
    WHERE l.site_id = %(site)s AND l.superseded_by_id IS NULL AND l.period_end >= %(since)s
      AND l.organisation_id <> %(hirer)s
), told AS (
    SELECT DISTINCT ON (n.organisation_id)
           n.organisation_id, n.data ->> 'role' AS role,
           n.data -> 'visit' ->> 'starts_at' AS starts_at,
           n.data -> 'visit' ->> 'ends_at' AS ends_at,
           n.data -> 'visit' ->> 'place' AS place,
           coalesce(n.data -> 'visit' ->> 'place_phrase', '') AS place_phrase,
           n.data ->> 'change' AS change
    FROM notifications_organisationnotice n
    WHERE n.kind = 'visit_access' AND n.subject LIKE %(prefix)s AND n.subject <> %(subject)s
      AND n.status = ANY(%(told_statuses)s)
    ORDER BY n.organisation_id, n.id DESC
), recipients AS (
    SELECT coalesce(c.organisation_id, t.organisation_id) AS organisation_id,
           coalesce(c.role, t.role) AS role,
           CASE WHEN t.organisation_id IS NULL THEN 'new' ELSE %(change)s END AS change
    FROM current_orgs c
    FULL JOIN told t ON t.organisation_id = c.organisation_id
    WHERE (t.organisation_id IS NULL AND %(cancelled)s IS FALSE)
       OR (t.organisation_id IS NOT NULL AND t.change <> 'cancelled' AND (
            %(cancelled)s
            OR t.starts_at <> %(starts_at)s OR t.ends_at <> %(ends_at)s OR t.place <> %(place)s
            OR t.place_phrase <> %(place_phrase)s
       ))
)
INSERT INTO notifications_organisationnotice
    (organisation_id, kind, subject, status, data, channel, attempts, last_error, provider_id,
     created_at)
SELECT r.organisation_id, 'visit_access', %(subject)s, 'due',
       jsonb_build_object('change', r.change, 'role', r.role, 'visit', %(snapshot)s::jsonb),
       '', 0, '', '', %(now)s
FROM recipients r
ORDER BY r.organisation_id
ON CONFLICT (organisation_id, kind, subject) DO NOTHING
RETURNING id
"""


def visit_access_notices_record(
    *, visit_id: int, version: int, now: dt.datetime | None = None
) -> list[int]:
    """Record the access notices of one version of a visit; return the new notices' ids."""
    with transaction.atomic():
        _, ids = _version_notices_record(
            visit_id=visit_id,
            version=version,
            table="notifications_organisationnotice",
            kind=OrganisationNotice.Kind.VISIT_ACCESS,
            sql=_ACCESS_NOTICES_SQL,
            now=now or timezone.now(),
        )
        return ids


# --- What a member's visit notice says ---------------------------------------------------------


def _snapshot_current(snapshot: dict[str, Any]) -> bool:
    """Whether the visit a notice announces is still at that version (not changed since)."""
    expected = snapshot.get("version")
    versions = WorkplaceVisit.objects.filter(pk=snapshot.get("id")).values_list(
        "version", flat=True
    )
    return expected is not None and versions.first() == expected


class LanguageNames:
    """The representatives' languages, named in whatever language is active when rendered."""

    def __init__(self, codes: list[str]) -> None:
        self.codes = [c for c in codes if c]

    def __bool__(self) -> bool:
        return bool(self.codes)

    def __str__(self) -> str:
        from unionroll.i18n import language_names

        return ", ".join(language_names(self.codes))


def visit_notice_facts(notice: Notice, today: dt.date) -> Any:
    """Facts of a visit notice, or None if it is outdated (a newer version exists, or the
    visit has begun)."""
    from notifications.rendering import NoticeFacts

    data = notice.data or {}
    snapshot = data.get("visit") or {}
    if not _snapshot_current(snapshot):
        return None
    starts_at = dt.datetime.fromisoformat(snapshot["starts_at"])
    ends_at = dt.datetime.fromisoformat(snapshot["ends_at"])
    change = data.get("change", "new")
    if change != "cancelled" and starts_at <= timezone.now():
        return None
    local_start = starts_at.astimezone(DUTCH_TIME)
    local_end = ends_at.astimezone(DUTCH_TIME)
    return NoticeFacts(
        first_name=notice.person.first_name,
        extra={
            "change": change,
            "visit_date": local_start.date(),
            "visit_start": f"{local_start:%H:%M}",
            "visit_end": f"{local_end:%H:%M}",
            "site": snapshot.get("site", ""),
            "address": " ".join((snapshot.get("address") or "").split()),
            # In the member's language when rendered, else the plain text (and a line saying
            # so): ``place.untranslated``.
            "place": LazyVisitText(snapshot, "place"),
            "languages": LanguageNames(snapshot.get("languages") or []),
            "note": LazyVisitText(snapshot, "note"),
        },
    )


# --- Access notices to organisations -----------------------------------------------------------


def organisation_notice_deliver(*, notice_id: int, now: dt.datetime | None = None) -> str:
    """Send one access notice by e-mail, at most once (the same claim as member notices).

    Not held back by the quiet hours: it goes to an organisation's mailbox, not a worker's
    phone. Returns the outcome: sent, deferred, failed, cancelled or skipped.
    """
    from django.db.models import F

    from employers.models import Organisation
    from notifications import transport

    now = now or timezone.now()
    S = OrganisationNotice.Status
    pending = (S.DUE, S.DEFERRED)
    claimed = OrganisationNotice.objects.filter(pk=notice_id, status__in=pending).update(
        status=S.SENDING, channel="email", attempts=F("attempts") + 1
    )
    if not claimed:
        return "skipped"
    notice = OrganisationNotice.objects.get(pk=notice_id)
    snapshot = (notice.data or {}).get("visit") or {}
    if not _snapshot_current(snapshot):
        OrganisationNotice.objects.filter(pk=notice_id, status=S.SENDING).update(status=S.CANCELLED)
        transport.retry_drop(item="organisation_notice", item_id=notice_id)
        return S.CANCELLED
    organisation = Organisation.objects.get(pk=notice.organisation_id)
    to = organisation.contact_email or organisation.billing_email
    if not to:
        OrganisationNotice.objects.filter(pk=notice_id, status=S.SENDING).update(
            status=S.FAILED, last_error="no_address"
        )
        return S.FAILED
    try:
        subject, body = access_notice_render(notice.data, organisation_name=organisation.name)
    except Exception as exc:
        logger.exception("access notice %s could not be rendered", notice_id)
        return _organisation_failed(notice_id, f"error_{type(exc).__name__}")
    outcome = transport.deliver(
        transport.Message(
            transport.EMAIL, to=to, reference=f"org-{notice.pk}", subject=subject, body=body
        ),
        item="organisation_notice",
        item_id=notice.pk,
        attempt=notice.attempts,
        now=now,
    )
    if outcome.result == "temporary" and outcome.retry_at is not None:
        OrganisationNotice.objects.filter(pk=notice_id, status=S.SENDING).update(
            status=S.DEFERRED, last_error=outcome.code, not_before=outcome.retry_at
        )
        return S.DEFERRED
    if not outcome.sent:
        return _organisation_failed(notice_id, outcome.code)
    OrganisationNotice.objects.filter(pk=notice_id, status=S.SENDING).update(
        status=S.SENT, sent_at=now, provider_id=outcome.provider_id, last_error=""
    )
    return S.SENT


def _organisation_failed(notice_id: int, code: str) -> str:
    S = OrganisationNotice.Status
    OrganisationNotice.objects.filter(pk=notice_id, status=S.SENDING).update(
        status=S.FAILED, last_error=code[:60]
    )
    return S.FAILED


def organisation_notices_due(*, now: dt.datetime | None = None, batch: int = 500) -> list[int]:
    """Access notices waiting for a retry whose time has come (the beat's pick-up)."""
    now = now or timezone.now()
    ids = OrganisationNotice.objects.filter(
        status=OrganisationNotice.Status.DEFERRED, not_before__lte=now
    ).order_by("id")[:batch]
    return list(ids.values_list("id", flat=True))


def access_notice_render(data: dict[str, Any], *, organisation_name: str) -> tuple[str, str]:
    """The access notice: Dutch first (the organisations are Dutch), English below it for
    international staff. Written for a site manager, not through the member catalogues."""
    from django.template.loader import render_to_string

    from unionroll.i18n import date_text

    snapshot = data.get("visit") or {}
    start = dt.datetime.fromisoformat(snapshot["starts_at"]).astimezone(DUTCH_TIME)
    end = dt.datetime.fromisoformat(snapshot["ends_at"]).astimezone(DUTCH_TIME)
    context: dict[str, Any] = {
        "organisation": organisation_name,
        "change": data.get("change", "new"),
        "role": data.get("role", "hirer"),
        "site": snapshot.get("site", ""),
        "address": " ".join((snapshot.get("address") or "").split()),
        "hirer": snapshot.get("hirer", ""),
        # The Dutch text (phrase and Dutch or plain text): the organisations are Dutch.
        "place": visit_place(snapshot, "nl").text,
        "start": f"{start:%H:%M}",
        "end": f"{end:%H:%M}",
        "union": settings.UNIONROLL_UNION_NAME,
        "phone": settings.UNIONROLL_UNION_PHONE,
        "email": settings.UNIONROLL_UNION_EMAIL,
    }
    for language in ("nl", "en"):
        with translation.override(language):
            context[f"date_{language}"] = date_text(start.date())
    subject = " ".join(render_to_string("notifications/visit_access/subject.txt", context).split())
    body = render_to_string("notifications/visit_access/body.txt", context)
    return subject, body.strip() + "\n"
