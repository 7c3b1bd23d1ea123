"""The set-based SQL of roster ingest. Called only from ``roster.py``, inside its transaction.

Every statement works on whole tables (staging → persons, lines, memberships, events), so the
cost grows with the roster, not with round trips. Pitfalls measured on this stack and guarded
against here (see docs/enrolment.md, "Pitfalls of set-based ingest"):

- autovacuum may ANALYZE the persons table mid-import and record it as empty, flipping later
  joins to nested loops: the table is locked against autovacuum for the import
  (``SHARE UPDATE EXCLUSIVE``, which also queues concurrent imports) and ANALYZEd after upserts;
- ``ON CONFLICT DO UPDATE`` would rewrite unchanged rows: updates carry ``IS DISTINCT FROM``
  guards, so an unchanged re-upload writes nothing to persons or memberships.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from enrolment.roster.staging import STAGING_NOT_NULL_TEXT
from enrolment.roster.types import RosterIssue
from unionroll.money import money_text

# Temp tables live until the outer transaction commits; a second import inside the same outer
# transaction (a test, a script) must not trip over the first one's tables.
DROP_TEMP_TABLES = "DROP TABLE IF EXISTS roster_staging, roster_workers, roster_decisions"

# Roster imports and person merges both create memberships and worker numbers from what they
# read; this lock (which conflicts with itself, not with readers or single-row writes) runs them
# one at a time, so their inserts need no ON CONFLICT guard. Autovacuum also skips a locked
# table, so it cannot ANALYZE persons half-way through an import (see the module docstring).
LOCK_PERSONS = "LOCK TABLE enrolment_person IN SHARE UPDATE EXCLUSIVE MODE"

# Is the roster's worker ``w`` the one ``p`` their worker number was last given for (the name
# and date of birth kept with the number)? (Formatted with the two aliases.) The date of birth
# must be the same, and the name the same up to case, accents, punctuation, word order and one
# typo: one letter inserted, left out, replaced or two swapped, in the whole name, or in its
# sorted words. The CASE keeps the order: the name functions run only for the rare rows whose
# worker number matched and whose keys differ.
IDENTITY_RULE = """CASE
    WHEN {p}.date_of_birth IS DISTINCT FROM {w}.date_of_birth THEN false
    WHEN {p}.first_name_key = {w}.first_name_key AND {p}.last_name_key = {w}.last_name_key
        THEN true
    WHEN enrolment_one_edit_apart({p}.first_name_key || {p}.last_name_key,
                                  {w}.first_name_key || {w}.last_name_key) THEN true
    ELSE coalesce(enrolment_one_edit_apart(enrolment_name_words({p}.first_name, {p}.last_name),
                                           enrolment_name_words({w}.first_name, {w}.last_name)),
                  false)
END"""

# Who enrolment takes in, in SQL: a covered sector (no policy row: the defaults) and the minimum
# age reached by the end of the pay period. Formatted with the policy's alias (``pol``), the date
# of birth and the period's end; the levy's covered-workers base charges by the same rule.
COVERED_WORKER = (
    "coalesce({pol}.covered, true) AND "
    "{born} + make_interval(years => coalesce({pol}.minimum_age, 16)) <= {period_end}"
)

CREATE_STAGING = """
CREATE TEMP TABLE roster_staging (
    row_number integer NOT NULL,
    worker_number text COLLATE "C" NOT NULL,
    first_name text NOT NULL,
    last_name text NOT NULL,
    first_name_key text COLLATE "C" NOT NULL,
    last_name_key text COLLATE "C" NOT NULL,
    date_of_birth date NOT NULL,
    email text,
    phone text,
    language text,
    period_start date NOT NULL,
    period_end date NOT NULL,
    hirer_id bigint,
    site_id bigint,
    sector_id bigint NOT NULL,
    cao_phase text NOT NULL,
    hours_worked numeric NOT NULL,
    gross_wages numeric NOT NULL,
    housing_deduction numeric,
    bsn_hash text
) ON COMMIT DROP
"""

COPY_STAGING = "COPY roster_staging FROM STDIN (FORMAT csv, FORCE_NOT_NULL ({}))".format(
    ", ".join(STAGING_NOT_NULL_TEXT)
)


def cross_row_errors(cur: Any, *, limit: int) -> tuple[list[RosterIssue], int]:
    """Checks that need the whole file: one worker number must mean one person."""
    cur.execute(
        """
        WITH bad AS (
            SELECT worker_number
            FROM roster_staging
            GROUP BY worker_number
            HAVING count(DISTINCT (first_name_key, last_name_key, date_of_birth)) > 1
        ), ref AS (
            SELECT DISTINCT ON (s.worker_number)
                   s.worker_number, s.row_number, s.first_name_key, s.last_name_key,
                   s.date_of_birth
            FROM roster_staging s JOIN bad USING (worker_number)
            ORDER BY s.worker_number, s.row_number
        )
        SELECT s.row_number, s.worker_number, ref.row_number
        FROM roster_staging s JOIN ref USING (worker_number)
        WHERE (s.first_name_key, s.last_name_key, s.date_of_birth)
              IS DISTINCT FROM (ref.first_name_key, ref.last_name_key, ref.date_of_birth)
        ORDER BY s.row_number
        """
    )
    found = cur.fetchall()
    issues = [
        RosterIssue(
            code="worker_number_conflict",
            message=(
                f"This worker number is also used on row {ref_row} for a person with a "
                "different name or date of birth. One worker number must belong to one person."
            ),
            row=row,
            column="worker_number",
            value=worker_number,
        )
        for row, worker_number, ref_row in found[:limit]
    ]
    count = len(found)

    # In BSN mode: one BSN must be one worker number. Every row after the first is reported.
    cur.execute(
        """
        SELECT array_agg(row_number ORDER BY row_number)
        FROM roster_staging WHERE bsn_hash IS NOT NULL
        GROUP BY bsn_hash HAVING count(DISTINCT worker_number) > 1
        """
    )
    for (rows,) in cur.fetchall():
        for row in rows[1:]:
            count += 1
            if len(issues) < limit:
                issues.append(
                    RosterIssue(
                        code="bsn_conflict",
                        message=(
                            f"The same BSN is given on row {rows[0]} for another worker number."
                            " One BSN must belong to one worker."
                        ),
                        row=row,
                        column="bsn",
                        value="*********",
                    )
                )
    return issues, count


def _one(cur: Any, sql: str, params: dict[str, Any] | None = None) -> Any:
    cur.execute(sql, params or {})
    return cur.fetchone()[0]


def apply(
    cur: Any,
    *,
    upload_id: int,
    organisation_id: int,
    period_start: dt.date,
    period_end: dt.date,
    replaces_id: int | None,
    today: dt.date,
) -> tuple[dict[str, int], dict[str, Any]]:
    p = {
        "upload": upload_id,
        "org": organisation_id,
        "ps": period_start,
        "pe": period_end,
        "today": today,
        "replaces": replaces_id,
    }
    counts: dict[str, int] = {}
    # Hash joins over a million rows want memory; the planner needs row counts, not detailed
    # histograms, so a small statistics sample keeps each ANALYZE in the tens of milliseconds.
    cur.execute("SET LOCAL work_mem = '512MB'")
    cur.execute("SET LOCAL default_statistics_target = 10")
    cur.execute("ANALYZE roster_staging")

    # One row per worker number (a worker may have a row per hirer or site), matched on the
    # way by this organisation's worker number; everyone else draws a new person id at once
    # (a few drawn ids go unused when a later step finds the person by BSN or contact
    # details; ids are only names). The rows of one worker agree on these values (the
    # cross-row check saw to the keys); which one wins only matters when they differ, and a
    # byte-wise pick is as good as a locale-aware one, and cheaper.
    #
    # A worker number only matches the person it points at when the roster's worker is the one
    # this organisation last gave that number for (docs/enrolment.md, "Who is a person"):
    # IDENTITY_RULE against the name and date of birth kept with the number. Compared with the
    # organisation's own earlier rosters, never with the person record (which another
    # organisation's roster or an admin's merge may have named), so the outcome, and the
    # warning the agency gets, depend on nothing but its own files. Otherwise the number was
    # re-used (or a name or date of birth changed beyond a typo): the worker is someone new,
    # and the person the number pointed at is kept in reused_from, for a possible duplicate.
    # identity_changed: the same worker, written a little differently (a typo fixed); the
    # number then keeps the newest spelling.
    cur.execute(
        f"""
        CREATE TEMP TABLE roster_workers ON COMMIT DROP AS
        SELECT g.*,
               CASE WHEN k.same THEN n.person_id
                    ELSE nextval('enrolment_person_id_seq'::regclass) END AS person_id,
               CASE WHEN k.same THEN 'worker_number' ELSE 'new' END AS matched_by,
               CASE WHEN n.person_id IS NOT NULL AND NOT k.same THEN n.person_id END
                   AS reused_from,
               -- For the agency's warning: fixed here, from its own worker numbers alone. Later
               -- steps (a BSN that another organisation's roster gave) may find the worker to
               -- be the earlier person after all, but what the agency is told must not change
               -- with what the union knows from elsewhere.
               n.person_id IS NOT NULL AND NOT k.same AS number_reused,
               k.same AND (n.first_name, n.last_name, n.date_of_birth)
                   IS DISTINCT FROM (g.first_name, g.last_name, g.date_of_birth)
                   AS identity_changed
        FROM (
            SELECT worker_number,
                   min(first_name COLLATE "C") AS first_name,
                   min(last_name COLLATE "C") AS last_name,
                   min(first_name_key) AS first_name_key, min(last_name_key) AS last_name_key,
                   min(date_of_birth) AS date_of_birth,
                   max(email COLLATE "C") AS email, max(phone COLLATE "C") AS phone,
                   max(language COLLATE "C") AS language, max(bsn_hash COLLATE "C") AS bsn_hash
            FROM roster_staging GROUP BY worker_number
        ) g
        LEFT JOIN enrolment_workernumber n
          ON n.organisation_id = %(org)s AND n.worker_number = g.worker_number
        CROSS JOIN LATERAL (
            SELECT n.person_id IS NOT NULL AND {IDENTITY_RULE.format(w="g", p="n")} AS same
        ) k
        """,
        p,
    )
    cur.execute("ANALYZE roster_workers")

    # In order of strength: 1. the BSN (only ever filled in BSN mode), over everything;
    # 2. this organisation's worker number (above); 3. the same name and date of birth with
    # the same e-mail or phone.
    cur.execute(
        """
        UPDATE roster_workers w SET person_id = p.id, matched_by = 'bsn',
            reused_from = nullif(w.reused_from, p.id)
        FROM enrolment_person p
        WHERE w.bsn_hash IS NOT NULL AND p.bsn_hash = w.bsn_hash AND p.merged_into_id IS NULL
          AND w.person_id IS DISTINCT FROM p.id
        """
    )
    cur.execute(
        """
        UPDATE roster_workers w SET person_id = m.person_id, matched_by = 'contact'
        FROM (
            SELECT w2.worker_number, min(pe.id) AS person_id
            FROM roster_workers w2
            JOIN enrolment_person pe
              ON pe.last_name_key = w2.last_name_key
             AND pe.first_name_key = w2.first_name_key
             AND pe.date_of_birth = w2.date_of_birth
            WHERE w2.matched_by = 'new' AND pe.merged_into_id IS NULL
              AND ((w2.email IS NOT NULL AND pe.email = w2.email)
                   OR (w2.phone IS NOT NULL AND pe.phone = w2.phone))
            GROUP BY w2.worker_number
        ) m
        WHERE w.worker_number = m.worker_number
        """
    )
    cur.execute(
        """
        INSERT INTO enrolment_person (
            id, first_name, last_name, first_name_key, last_name_key, date_of_birth,
            email, phone, language, email_set_by_member, phone_set_by_member,
            language_set_by_member, bsn_hash, created_at, updated_at)
        SELECT person_id, first_name, last_name, first_name_key, last_name_key, date_of_birth,
               email, phone, coalesce(language, 'en'), false, false, false, bsn_hash,
               now(), now()
        FROM roster_workers WHERE matched_by = 'new'
        """
    )
    cur.execute(
        """
        SELECT count(*) FILTER (WHERE matched_by = 'new'),
               count(*) FILTER (WHERE matched_by = 'worker_number'),
               count(*) FILTER (WHERE matched_by = 'contact'),
               count(*) FILTER (WHERE matched_by = 'bsn'),
               count(*) FILTER (WHERE number_reused)
        FROM roster_workers
        """
    )
    created, by_number, by_contact, by_bsn, reused = cur.fetchone()
    counts["persons_created"] = created
    counts["persons_matched"] = by_number + by_contact + by_bsn
    counts["matched_by_worker_number"] = by_number
    counts["matched_by_contact"] = by_contact
    counts["matched_by_bsn"] = by_bsn
    counts["worker_numbers_reused"] = reused
    if created:
        cur.execute("ANALYZE enrolment_person")

    # Same name and date of birth, nothing else in common: an admin decides.
    # Two scans hashed against each other: the planner otherwise walks the name index and sorts
    # the whole roster by name to merge-join it, three times slower at a million rows.
    cur.execute("SET LOCAL enable_mergejoin = off")
    cur.execute(
        """
        INSERT INTO enrolment_possibleduplicate
            (person_id, candidate_id, upload_id, status, created_at)
        SELECT w.person_id, pe.id, %(upload)s, 'open', now()
        FROM roster_workers w
        JOIN enrolment_person pe
          ON pe.last_name_key = w.last_name_key
         AND pe.first_name_key = w.first_name_key
         AND pe.date_of_birth = w.date_of_birth
        WHERE w.matched_by = 'new' AND pe.id < w.person_id AND pe.merged_into_id IS NULL
        ON CONFLICT DO NOTHING
        """,
        p,
    )
    counts["possible_duplicates"] = cur.rowcount
    cur.execute("RESET enable_mergejoin")
    # A worker number that pointed at someone else: that person and this worker may still be
    # one (a name changed on marriage, a corrected date of birth); an admin decides.
    cur.execute(
        """
        INSERT INTO enrolment_possibleduplicate
            (person_id, candidate_id, upload_id, status, reason, created_at)
        SELECT person_id, reused_from, %(upload)s, 'open', 'worker_number_reused', now()
        FROM roster_workers
        WHERE reused_from IS NOT NULL AND reused_from <> person_id
        ON CONFLICT DO NOTHING
        """,
        p,
    )
    counts["possible_duplicates"] += cur.rowcount

    # A new person's worker number cannot be known yet (it would have matched), so theirs are
    # plain inserts, in index order; a person found by contact details or BSN may meet a
    # number this organisation already gave someone else, and the older link stays.
    # A re-used number now belongs to the worker on this roster: left with the earlier person,
    # it would make a new person of this worker on every roster to come.
    cur.execute(
        """
        INSERT INTO enrolment_workernumber (organisation_id, worker_number, person_id, created_at,
            first_name, last_name, first_name_key, last_name_key, date_of_birth)
        SELECT %(org)s, worker_number, person_id, now(),
               first_name, last_name, first_name_key, last_name_key, date_of_birth
        FROM roster_workers WHERE matched_by = 'new' AND reused_from IS NULL
        ORDER BY worker_number
        """,
        p,
    )
    cur.execute(
        """
        INSERT INTO enrolment_workernumber (organisation_id, worker_number, person_id, created_at,
            first_name, last_name, first_name_key, last_name_key, date_of_birth)
        SELECT %(org)s, worker_number, person_id, now(),
               first_name, last_name, first_name_key, last_name_key, date_of_birth
        FROM roster_workers WHERE matched_by IN ('contact', 'bsn') AND reused_from IS NULL
        ON CONFLICT (organisation_id, worker_number) DO NOTHING
        """,
        p,
    )
    cur.execute(
        """
        UPDATE enrolment_workernumber n SET
            -- A re-used number moves to the new worker; a respelt one stays with its person.
            person_id = CASE WHEN w.reused_from IS NOT NULL THEN w.person_id ELSE n.person_id END,
            created_at = CASE WHEN w.reused_from IS NOT NULL THEN now() ELSE n.created_at END,
            first_name = w.first_name, last_name = w.last_name,
            first_name_key = w.first_name_key, last_name_key = w.last_name_key,
            date_of_birth = w.date_of_birth
        FROM roster_workers w
        WHERE (w.reused_from IS NOT NULL OR w.identity_changed)
          AND n.organisation_id = %(org)s AND n.worker_number = w.worker_number
        """,
        p,
    )
    # Contact details and language from the roster, except what the member set themselves.
    cur.execute(
        """
        UPDATE enrolment_person pe SET
            email = CASE WHEN pe.email_set_by_member OR w.email IS NULL
                         THEN pe.email ELSE w.email END,
            phone = CASE WHEN pe.phone_set_by_member OR w.phone IS NULL
                         THEN pe.phone ELSE w.phone END,
            language = CASE WHEN pe.language_set_by_member OR w.language IS NULL
                            THEN pe.language ELSE w.language END,
            bsn_hash = coalesce(pe.bsn_hash, w.bsn_hash),
            updated_at = now()
        FROM roster_workers w
        WHERE pe.id = w.person_id AND w.matched_by <> 'new'
          AND ((NOT pe.email_set_by_member AND w.email IS NOT NULL
                AND pe.email IS DISTINCT FROM w.email)
            OR (NOT pe.phone_set_by_member AND w.phone IS NOT NULL
                AND pe.phone IS DISTINCT FROM w.phone)
            OR (NOT pe.language_set_by_member AND w.language IS NOT NULL
                AND pe.language IS DISTINCT FROM w.language)
            OR (pe.bsn_hash IS NULL AND w.bsn_hash IS NOT NULL))
        """
    )
    counts["persons_updated"] = cur.rowcount

    changes: dict[str, Any] = {}
    if replaces_id is not None:
        changes = _changes_against(cur, p)
        cur.execute(
            """
            UPDATE enrolment_payrollline SET superseded_by_id = %(upload)s
            WHERE upload_id = %(replaces)s AND superseded_by_id IS NULL
            """,
            p,
        )
        cur.execute(
            """
            UPDATE enrolment_rosterupload SET status = 'superseded', superseded_by_id = %(upload)s
            WHERE id = %(replaces)s AND status = 'applied'
            """,
            p,
        )

    cur.execute(
        """
        INSERT INTO enrolment_payrollline (
            upload_id, organisation_id, person_id, sector_id, hirer_id, site_id, row_number,
            worker_number, period_start, period_end, cao_phase, hours_worked, gross_wages,
            housing_deduction)
        SELECT %(upload)s, %(org)s, w.person_id, s.sector_id, s.hirer_id, s.site_id,
               s.row_number, s.worker_number, s.period_start, s.period_end, s.cao_phase,
               s.hours_worked, s.gross_wages, s.housing_deduction
        FROM roster_staging s JOIN roster_workers w USING (worker_number)
        ORDER BY w.person_id
        """,
        p,
    )
    counts["payroll_lines"] = cur.rowcount

    counts.update(_enrolment_decisions(cur, p))
    return counts, changes


def reused_worker_numbers_warning(cur: Any, *, listed: int = 20) -> RosterIssue | None:
    """One warning for the worker numbers this roster used for someone other than the person
    this organisation's earlier rosters gave them to (after ``apply``, before commit; only
    worth a query when ``apply`` counted any).

    Counts and the file's own row numbers only: nothing about the earlier person (their name,
    whether they are a member) reaches the agency.
    """
    cur.execute(
        """
        SELECT count(*) OVER (), min(s.row_number)
        FROM roster_workers w JOIN roster_staging s USING (worker_number)
        WHERE w.number_reused
        GROUP BY w.worker_number
        ORDER BY min(s.row_number)
        LIMIT %(listed)s
        """,
        {"listed": listed},
    )
    found = cur.fetchall()
    if not found:
        return None
    count = found[0][0]
    rows = ", ".join(str(row) for _count, row in found) + (", …" if count > len(found) else "")
    numbers = "1 worker number was" if count == 1 else f"{count} worker numbers were"
    return RosterIssue(
        code="worker_number_reused",
        message=(
            f"{numbers} used on your earlier rosters for a person with another name or date of "
            f"birth ({'row' if count == 1 else 'rows'} {rows}). One worker number must belong "
            "to one person: if a number was typed wrongly, correct it and upload the roster "
            "again; if the number now belongs to someone new, nothing needs doing."
        ),
        column="worker_number",
    )


def _changes_against(cur: Any, p: dict[str, Any]) -> dict[str, Any]:
    cur.execute(
        """
        WITH old AS (
            SELECT worker_number, count(*) AS lines, sum(hours_worked) AS hours,
                   sum(gross_wages) AS gross
            FROM enrolment_payrollline WHERE upload_id = %(replaces)s GROUP BY worker_number
        ), new AS (
            SELECT worker_number, count(*) AS lines, sum(hours_worked) AS hours,
                   sum(gross_wages) AS gross
            FROM roster_staging GROUP BY worker_number
        )
        SELECT count(*) FILTER (WHERE old.worker_number IS NULL),
               count(*) FILTER (WHERE new.worker_number IS NULL),
               count(*) FILTER (WHERE old.worker_number IS NOT NULL
                                  AND new.worker_number IS NOT NULL
                                  AND (old.lines, old.hours, old.gross)
                                      IS DISTINCT FROM (new.lines, new.hours, new.gross)),
               coalesce(sum(old.lines), 0)::bigint, coalesce(sum(new.lines), 0)::bigint,
               coalesce(sum(old.hours), 0), coalesce(sum(new.hours), 0),
               coalesce(sum(old.gross), 0), coalesce(sum(new.gross), 0)
        FROM old FULL JOIN new USING (worker_number)
        """,
        p,
    )
    (added, removed, changed, lines_before, lines_after, h_before, h_after, g_before, g_after) = (
        cur.fetchone()
    )

    return {
        "replaces": p["replaces"],
        "workers_added": added,
        "workers_removed": removed,
        "workers_changed": changed,
        "lines_before": lines_before,
        "lines_after": lines_after,
        "hours_before": money_text(h_before),
        "hours_after": money_text(h_after),
        "gross_wages_before": money_text(g_before),
        "gross_wages_after": money_text(g_after),
        "gross_wages_delta": money_text(Decimal(g_after) - Decimal(g_before)),
    }


# Enrolment decisions for each (person, covered sector) on the roster. Sectors without a
# policy row get the defaults of EnrolmentPolicy.
DECISIONS = """
CREATE TEMP TABLE roster_decisions ON COMMIT DROP AS
SELECT e.person_id, e.sector_id, e.window_months, m.id AS membership_id, m.status AS old_status,
       CASE
           WHEN m.id IS NULL THEN 'enrol'
           WHEN m.status = 'lapsed' THEN 'reactivate'
           WHEN m.status = 'opted_out' AND e.reenrol_after_days IS NOT NULL
                AND m.opted_out_on + e.reenrol_after_days <= %(today)s THEN 're_enrol'
           WHEN m.status = 'opted_out' THEN 'respect_opt_out'
           WHEN m.status = 'merged' THEN 'none'
           ELSE 'keep'
       END AS action
FROM (
    SELECT DISTINCT w.person_id, s.sector_id,
           coalesce(pol.opt_out_window_months, 1) AS window_months,
           pol.reenrol_after_days
    FROM roster_staging s
    JOIN roster_workers w USING (worker_number)
    LEFT JOIN enrolment_enrolmentpolicy pol ON pol.sector_id = s.sector_id
    WHERE {covered}
) e
LEFT JOIN enrolment_membership m ON m.person_id = e.person_id AND m.sector_id = e.sector_id
""".replace(
    "{covered}", COVERED_WORKER.format(pol="pol", born="w.date_of_birth", period_end="s.period_end")
)

EVENT_COLUMNS = (
    "(membership_id, from_status, to_status, occurred_at, actor, upload_id, reason, note, data)"
)


def _enrolment_decisions(cur: Any, p: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    cur.execute(DECISIONS, p)
    cur.execute("ANALYZE roster_decisions")

    cur.execute(
        f"""
        WITH ins AS (
            INSERT INTO enrolment_membership (
                person_id, sector_id, status, covered_from, spell, enrolled_on, window_ends,
                void, last_seen_period_end, enrolled_by_upload_id, created_at, updated_at)
            SELECT person_id, sector_id, 'enrolled', %(ps)s, 1, %(today)s,
                   (%(today)s::date + make_interval(months => window_months))::date,
                   false, %(pe)s, %(upload)s, now(), now()
            FROM roster_decisions WHERE action = 'enrol'
            ORDER BY person_id, sector_id
            RETURNING id, window_ends
        )
        INSERT INTO enrolment_membershipevent {EVENT_COLUMNS}
        SELECT id, NULL, 'enrolled', now(), 'upload', %(upload)s, 'roster_enrolment', '',
               jsonb_build_object('window_ends', window_ends)
        FROM ins
        """,
        p,
    )
    counts["memberships_enrolled"] = cur.rowcount

    # Conditional updates: a member who opts out while this import runs is not overridden.
    cur.execute(
        f"""
        WITH upd AS (
            UPDATE enrolment_membership m
            SET status = 'active', updated_at = now(),
                last_seen_period_end = greatest(m.last_seen_period_end, %(pe)s)
            FROM roster_decisions d
            WHERE d.action = 'reactivate' AND m.id = d.membership_id AND m.status = 'lapsed'
            RETURNING m.id
        )
        INSERT INTO enrolment_membershipevent {EVENT_COLUMNS}
        SELECT id, 'lapsed', 'active', now(), 'upload', %(upload)s, 'reappeared_on_roster', '',
               '{{}}'::jsonb
        FROM upd
        """,
        p,
    )
    counts["memberships_reactivated"] = cur.rowcount

    cur.execute(
        f"""
        WITH upd AS (
            UPDATE enrolment_membership m
            SET status = 'enrolled', spell = m.spell + 1, covered_from = %(ps)s,
                enrolled_on = %(today)s,
                window_ends = (%(today)s::date + make_interval(months => d.window_months))::date,
                void = false, ended_on = NULL, opted_out_on = NULL,
                window_waits_for_letter = false,
                last_seen_period_end = greatest(m.last_seen_period_end, %(pe)s),
                enrolled_by_upload_id = %(upload)s, updated_at = now()
            FROM roster_decisions d
            WHERE d.action = 're_enrol' AND m.id = d.membership_id AND m.status = 'opted_out'
            RETURNING m.id, m.window_ends, m.spell
        )
        INSERT INTO enrolment_membershipevent {EVENT_COLUMNS}
        SELECT id, 'opted_out', 'enrolled', now(), 'upload', %(upload)s, 're_enrolment', '',
               jsonb_build_object('window_ends', window_ends, 'spell', spell)
        FROM upd
        """,
        p,
    )
    counts["memberships_re_enrolled"] = cur.rowcount

    cur.execute(
        """
        UPDATE enrolment_membership m
        SET last_seen_period_end = %(pe)s, updated_at = now()
        FROM roster_decisions d
        WHERE d.action = 'keep' AND m.id = d.membership_id
          AND m.status IN ('enrolled', 'active', 'opted_in')
          AND m.last_seen_period_end < %(pe)s
        """,
        p,
    )
    cur.execute(
        """
        SELECT count(*) FILTER (WHERE action = 'keep'),
               count(*) FILTER (WHERE action = 'respect_opt_out')
        FROM roster_decisions
        """
    )
    counts["memberships_kept"], counts["opt_outs_respected"] = cur.fetchone()
    return counts
