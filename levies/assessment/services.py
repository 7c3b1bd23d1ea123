"""Period assessment: payroll lines x scheme terms -> charges per payer, set-based in SQL.

Each run computes the period's target amounts from scratch into temporary tables, compares them
with what is already booked for the period, and books only the difference:

- a held charge whose window has closed is released (held -> due);
- a held charge that is no longer owed is dropped (held -> dropped);
- any other difference is a new charge row (``adjustment`` once something was booked for the
  line and payer, negative for a credit).

Then it posts the movements to the ledger, aggregated per payer and account.

The rounding rule (docs/levies.md): each line's levy in full precision; a member's period total
over all their lines in the sector (across agencies) rounded once, half-up, to the cent; the
scheme's min/max applied to that total; the total shared over the lines in proportion to their
uncapped amounts and each line's amount over agency / hirer / state by the funding shares, both
with the largest-remainder method of unionroll.money.split_largest_remainder (ties to the earlier
line by id, and to the earlier payer in the order agency, hirer, state). Remainders are compared
with exact integer arithmetic (``div``/``mod`` on numerics), so SQL and Python always agree.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from enrolment.services.ingest_sql import COVERED_WORKER
from levies.assessment.selectors import period_summary, periods_with_held_charges
from levies.ledger.services import assessment_post
from levies.models import LevyAssessmentRun
from unionroll.exceptions import Invalid

logger = logging.getLogger(__name__)

# Sorts and hashes over a million lines stay in memory instead of spilling to disk.
WORK_MEM = "512MB"
# Two-key advisory lock namespace: one assessment per period at a time.
LOCK_NAMESPACE = 74631

DROP_TEMP_TABLES = (
    "DROP TABLE IF EXISTS levy_lines, levy_line_amounts, levy_target, levy_booked, levy_diff"
)

# Everything a period's assessment depends on, cheap to read: its current lines, every
# membership's levy-relevant state (including whether its window is open on the run's date) and
# the scheme versions. Equal to the last run's: nothing to book.
SIGNATURE_SQL = """
SELECT
    -- sum(person_id): a person merge moves lines to another person (base covered_workers
    -- charges by the person's age, not by a membership the merge would also change).
    (SELECT concat_ws(':', count(*), sum(id), max(id), sum(person_id)) FROM enrolment_payrollline
     WHERE period_start = %(ps)s AND period_end = %(pe)s AND superseded_by_id IS NULL),
    (SELECT concat_ws(':', count(*), sum(hashtext(concat_ws('|', id, person_id, sector_id,
            status, void, covered_from, ended_on,
            status = 'enrolled' AND (window_waits_for_letter OR window_ends >= %(as_of)s))))::text)
     FROM enrolment_membership),
    (SELECT concat_ws(':', count(*), sum(hashtext(concat_ws('|', v.id, s.sector_id, v.valid_from,
            v.valid_to, v.base, v.basis, v.rate, v.min_per_period, v.max_per_period,
            v.funding_agency, v.funding_hirer, v.funding_state, v.collect_during_window)))::text)
     FROM levies_levyschemeversion v JOIN levies_levyscheme s ON s.id = v.scheme_id),
    -- Who is a covered worker (base covered_workers) follows the sectors' enrolment policies.
    (SELECT concat_ws(':', count(*), sum(hashtext(concat_ws('|', sector_id, covered,
            minimum_age)))::text)
     FROM enrolment_enrolmentpolicy)
"""

# What a line brings with it whatever the base: its payer keys and its scheme version's terms.
LINE_TERMS = """
SELECT l.id AS line_id, l.person_id, l.sector_id, l.organisation_id, l.hirer_id, l.site_id,
       l.cao_phase, v.basis, v.rate, v.min_per_period, v.max_per_period,
       (v.funding_agency * 100)::int AS fa, (v.funding_hirer * 100)::int AS fh,
       (v.funding_state * 100)::int AS fs,"""
VERSION_IN_FORCE = """
JOIN levies_levyscheme s ON s.sector_id = l.sector_id
JOIN levies_levyschemeversion v
  ON v.scheme_id = s.id AND v.valid_from <= %(ps)s
 AND (v.valid_to IS NULL OR v.valid_to >= %(ps)s)"""

# A line's uncapped levy in millionths of a cent, exact as an integer: gross (2 places) x rate
# (4 places) for a percentage, hours (2 places) x rate (4 places) x 100 for a rate per hour; and
# 1 for a flat levy, whose member total is shared equally. Integers keep the per-member sums
# and the comparisons cheap over a million lines. Column names are unqualified so tests can
# apply it to their own rows.
WEIGHT_EXPR = """CASE basis
    WHEN 'percent_of_gross' THEN (gross_wages * 100)::bigint * (rate * 10000)::bigint
    WHEN 'per_hour' THEN (hours_worked * 100)::bigint * (rate * 10000)::bigint * 100
    ELSE 1::bigint END"""

# Step 1: the period's levy-bearing lines (docs/levies.md). A lapsed membership keeps the
# periods it was on payroll: it lapses for having no payroll lines, so a period that had one was
# never a lapsed period. Merged and void memberships bear nothing. Each line comes with its
# scheme terms, its status (held while the window is open, or has not started because the
# welcome letter has not reached the member, and the scheme does not collect during it) and
# its weight (WEIGHT_EXPR). This is the per-member base; see COVERED_LINES_SELECT for base
# covered_workers.
LINES_SELECT = (
    LINE_TERMS
    + """
       CASE WHEN NOT v.collect_during_window AND m.status = 'enrolled'
                 AND (m.window_waits_for_letter OR m.window_ends >= %(as_of)s)
            THEN 'held' ELSE 'due' END AS status,
       {weight} AS weight
FROM enrolment_payrollline l"""
    + VERSION_IN_FORCE
    + """
JOIN enrolment_membership m ON m.person_id = l.person_id AND m.sector_id = l.sector_id
WHERE l.period_start = %(ps)s AND l.period_end = %(pe)s AND l.superseded_by_id IS NULL
  AND m.status IN ('enrolled', 'active', 'opted_in', 'opted_out', 'lapsed')
  AND NOT m.void
  AND m.covered_from <= l.period_end
  AND (m.ended_on IS NULL OR m.ended_on >= l.period_start)
  {base_filter}
"""
).replace("{weight}", WEIGHT_EXPR)

# Base covered_workers: every line of a covered worker bears the levy, whatever their union
# status (opted out, inside the window, lapsed, or never asked) — the same test enrolment uses
# (a covered sector, the minimum age reached by the period's end), read from the roster's person
# and the sector's policy, never from the membership. Nothing is held: a charge that waited for
# a member's window would tell the payer who is still inside one.
COVERED_LINES_SELECT = (
    (
        LINE_TERMS
        + """
       'due' AS status,
       {weight} AS weight
FROM enrolment_payrollline l"""
        + VERSION_IN_FORCE
        + """ AND v.base = 'covered_workers'
JOIN enrolment_person p ON p.id = l.person_id
LEFT JOIN enrolment_enrolmentpolicy pol ON pol.sector_id = l.sector_id
WHERE l.period_start = %(ps)s AND l.period_end = %(pe)s AND l.superseded_by_id IS NULL
  AND CASE WHEN p.erased_at IS NULL THEN {covered}
      -- An erased person has no date of birth: their lines (all assessed and billed before the
      -- erasure) stay as levy-bearing as they were booked (docs/data-protection.md, "Erasure").
      ELSE coalesce(pol.covered, true) AND coalesce((
          SELECT sum(c.amount) FROM levies_levycharge c
          WHERE c.period_start = l.period_start AND c.period_end = l.period_end
            AND c.payroll_line_id = l.id AND c.status IN ('held', 'due')), 0) <> 0
  END
"""
    )
    .replace("{weight}", WEIGHT_EXPR)
    .replace(
        "{covered}",
        COVERED_WORKER.format(pol="pol", born="p.date_of_birth", period_end="l.period_end"),
    )
)

# The bases of the scheme versions that apply to a period: a period without a covered_workers
# version runs the per-member statement exactly as before (and the other way round).
PERIOD_BASES_SQL = """
SELECT DISTINCT base FROM levies_levyschemeversion
WHERE valid_from <= %(ps)s AND (valid_to IS NULL OR valid_to >= %(ps)s)
"""


def lines_sql(bases: set[str]) -> str:
    """The CREATE statement of step 1 for the bases of the period's scheme versions."""
    members = "members" in bases
    covered = "covered_workers" in bases
    parts = []
    if members or not covered:
        # Alone, the per-member statement needs no filter on the base: every version is one.
        filter_ = "AND v.base = 'members'" if covered else ""
        parts.append(LINES_SELECT.replace("{base_filter}", filter_))
    if covered:
        parts.append(COVERED_LINES_SELECT)
    return "CREATE TEMP TABLE levy_lines ON COMMIT DROP AS\n" + "\nUNION ALL\n".join(parts)


# Step 2: from levy_lines to each line's amount per payer, in cents. Pure computation over the
# temporary table, so tests can feed it random lines and compare with unionroll.money.
AMOUNTS_SQL = """
CREATE TEMP TABLE levy_line_amounts ON COMMIT DROP AS
WITH members AS (
    SELECT person_id, sector_id, sum(weight) AS w_sum, count(*) AS n,
           min(basis) AS basis, min(rate) AS rate,
           min(min_per_period) AS lo, min(max_per_period) AS hi
    FROM levy_lines GROUP BY person_id, sector_id
), totals AS (
    -- Rounded once per member, half-up (round() on numeric is half away from zero, as
    -- round_money), then raised to the minimum / cut to the maximum (greatest and least skip
    -- NULL caps).
    SELECT person_id, sector_id, n,
           CASE WHEN w_sum = 0 THEN n ELSE w_sum END AS w_total,
           w_sum = 0 AS equal_shares,
           least(greatest(CASE basis WHEN 'flat_per_period' THEN round(rate * 100)
                                     ELSE round(w_sum / 1000000.0) END,
                          lo * 100),
                 hi * 100)::bigint AS cents
    FROM members
), joined AS (
    SELECT ll.line_id, ll.person_id, ll.sector_id, ll.organisation_id, ll.hirer_id, ll.site_id,
           ll.cao_phase, ll.status, ll.fa, ll.fh, ll.fs, t.n, t.cents,
           -- Exact: numeric products never overflow; integer quotient and remainder.
           div(t.cents::numeric * w.w, t.w_total) AS q, mod(t.cents::numeric * w.w, t.w_total) AS r
    FROM levy_lines ll
    JOIN totals t USING (person_id, sector_id)
    CROSS JOIN LATERAL (SELECT CASE WHEN t.equal_shares THEN 1 ELSE ll.weight END AS w) w
), line_cents AS (
    -- Most members have one line: it takes the whole total, no sort needed.
    SELECT line_id, person_id, sector_id, organisation_id, hirer_id, site_id, cao_phase, status,
           fa, fh, fs, cents
    FROM joined WHERE n = 1
    UNION ALL
    SELECT line_id, person_id, sector_id, organisation_id, hirer_id, site_id, cao_phase, status,
           fa, fh, fs,
           (q + CASE WHEN row_number() OVER (PARTITION BY person_id, sector_id
                                             ORDER BY r DESC, line_id)
                          <= cents - sum(q) OVER (PARTITION BY person_id, sector_id)
                     THEN 1 ELSE 0 END)::bigint
    FROM joined WHERE n > 1
), payer_split AS (
    -- Shares in hundredths of a percent: integer quotient and remainder out of 10000.
    SELECT *,
           cents * fa / 10000 AS qa, mod(cents * fa, 10000) AS ra,
           cents * fh / 10000 AS qh, mod(cents * fh, 10000) AS rh,
           cents * fs / 10000 AS qs, mod(cents * fs, 10000) AS rs
    FROM line_cents
), ranked AS (
    -- Largest remainder over the three payers; ties go to the earlier of agency, hirer, state.
    SELECT *, cents - qa - qh - qs AS left_over,
           1 + (rh > ra)::int + (rs > ra)::int AS rank_a,
           1 + (ra >= rh)::int + (rs > rh)::int AS rank_h,
           1 + (ra >= rs)::int + (rh >= rs)::int AS rank_s
    FROM payer_split
)
SELECT line_id, person_id, sector_id, organisation_id, hirer_id, site_id, cao_phase, status,
       cents,
       qa + (rank_a <= left_over)::int
       -- A line without a hirer puts the hirer's share on the agency.
       + CASE WHEN hirer_id IS NULL THEN qh + (rank_h <= left_over)::int ELSE 0 END
           AS agency_cents,
       CASE WHEN hirer_id IS NULL THEN 0 ELSE qh + (rank_h <= left_over)::int END
           AS hirer_cents,
       qs + (rank_s <= left_over)::int AS state_cents
FROM ranked
"""

TARGET_SQL = """
CREATE TEMP TABLE levy_target ON COMMIT DROP AS
SELECT a.line_id, p.payer, a.status, (p.cents / 100.0)::numeric(14, 2) AS amount,
       p.payer_organisation_id, a.person_id, a.sector_id, a.organisation_id, a.site_id,
       a.cao_phase
FROM levy_line_amounts a
CROSS JOIN LATERAL (VALUES ('agency', a.organisation_id, a.agency_cents),
                           ('hirer', a.hirer_id, a.hirer_cents),
                           ('state', NULL::bigint, a.state_cents))
     p(payer, payer_organisation_id, cents)
WHERE p.cents <> 0
"""

BOOKED_SQL = """
CREATE TEMP TABLE levy_booked ON COMMIT DROP AS
SELECT payroll_line_id AS line_id, payer,
       coalesce(sum(amount) FILTER (WHERE status = 'held'), 0) AS h,
       count(*) FILTER (WHERE status = 'held') AS h_rows,
       coalesce(sum(amount) FILTER (WHERE status = 'due'), 0) AS d
FROM levies_levycharge
WHERE period_start = %(ps)s AND period_end = %(pe)s AND status IN ('held', 'due')
GROUP BY payroll_line_id, payer
"""

# What to book per (line, payer): only the rows where target and booked differ.
DIFF_SQL = """
CREATE TEMP TABLE levy_diff ON COMMIT DROP AS
SELECT *,
       CASE WHEN s = 'due' THEN t - h - d ELSE -d END AS due_delta,
       CASE WHEN s = 'held' THEN t - h ELSE 0 END AS held_delta,
       s = 'due' AND h_rows > 0 AS release,
       s IS NULL AND h_rows > 0 AS drop_held
FROM (
    SELECT coalesce(t.line_id, b.line_id) AS line_id, coalesce(t.payer, b.payer) AS payer,
           coalesce(t.amount, 0) AS t, t.status AS s,
           coalesce(b.h, 0) AS h, coalesce(b.h_rows, 0) AS h_rows, coalesce(b.d, 0) AS d,
           b.line_id IS NOT NULL AS booked
    FROM levy_target t
    FULL JOIN levy_booked b ON b.line_id = t.line_id AND b.payer = t.payer
) x
WHERE NOT (coalesce(s, '') = 'due' AND h_rows = 0 AND t = d)
  AND NOT (coalesce(s, '') = 'held' AND t = h AND d = 0)
  AND NOT (s IS NULL AND h_rows = 0 AND d = 0)
"""

SETTLE_SQL = """
UPDATE levies_levycharge c
SET status = %(to)s, settled_by_run_id = %(run)s
FROM levy_diff x
WHERE c.period_start = %(ps)s AND c.period_end = %(pe)s
  AND c.payroll_line_id = x.line_id AND c.payer = x.payer AND c.status = 'held'
  AND {condition}
"""

INSERT_SQL = """
INSERT INTO levies_levycharge (
    run_id, payroll_line_id, period_start, period_end, sector_id, person_id, organisation_id,
    site_id, cao_phase, payer, payer_organisation_id, kind, status, amount)
SELECT %(run)s, x.line_id, %(ps)s, %(pe)s, l.sector_id, l.person_id, l.organisation_id,
       l.site_id, l.cao_phase, x.payer,
       CASE x.payer WHEN 'agency' THEN l.organisation_id WHEN 'hirer' THEN l.hirer_id END,
       CASE WHEN x.booked THEN 'adjustment' ELSE 'charge' END, n.status, n.amount
FROM levy_diff x
JOIN enrolment_payrollline l ON l.id = x.line_id
CROSS JOIN LATERAL (VALUES ('due', x.due_delta), ('held', x.held_delta)) n(status, amount)
WHERE n.amount <> 0
"""

# Nothing booked for the period yet: every target amount is a new charge.
INSERT_NEW_SQL = """
INSERT INTO levies_levycharge (
    run_id, payroll_line_id, period_start, period_end, sector_id, person_id, organisation_id,
    site_id, cao_phase, payer, payer_organisation_id, kind, status, amount)
SELECT %(run)s, line_id, %(ps)s, %(pe)s, sector_id, person_id, organisation_id, site_id,
       cao_phase, payer, payer_organisation_id, 'charge', status, amount
FROM levy_target
"""

MOVEMENTS_NEW_SQL = """
SELECT payer, payer_organisation_id,
       coalesce(sum(amount) FILTER (WHERE status = 'due'), 0),
       coalesce(sum(amount) FILTER (WHERE status = 'held'), 0), 0, 0
FROM levy_target GROUP BY 1, 2
"""

# The movements of this run per payer, for the ledger.
MOVEMENTS_SQL = """
SELECT x.payer,
       CASE x.payer WHEN 'agency' THEN l.organisation_id WHEN 'hirer' THEN l.hirer_id END,
       sum(x.due_delta), sum(x.held_delta),
       coalesce(sum(x.h) FILTER (WHERE x.release), 0),
       coalesce(sum(x.h) FILTER (WHERE x.drop_held), 0)
FROM levy_diff x JOIN enrolment_payrollline l ON l.id = x.line_id
GROUP BY 1, 2
"""


def levy_amounts_compute(cur: Any) -> None:
    """Step 2 on its own: levy_lines (already filled) -> levy_line_amounts."""
    cur.execute("DROP TABLE IF EXISTS levy_line_amounts")
    cur.execute(AMOUNTS_SQL)


def levies_assess(
    *,
    period_start: dt.date,
    period_end: dt.date,
    today: dt.date | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Assess one pay period and book the difference. Safe to run any number of times.

    ``today`` decides which opt-out windows are still open (held charges). ``force`` recomputes
    even when nothing the period depends on has changed since the last run (the result is the
    same; it only costs time). Returns the period summary of the --json output, plus "run"
    (the run id) and "counts".
    """
    if period_end < period_start:
        raise Invalid(
            "period_invalid",
            "The period ends before it starts.",
            {"period_start": period_start.isoformat(), "period_end": period_end.isoformat()},
        )
    as_of = today or timezone.localdate()
    p: dict[str, Any] = {"ps": period_start, "pe": period_end, "as_of": as_of}
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)",
            [LOCK_NAMESPACE, (period_start - dt.date(2000, 1, 1)).days],
        )
        cur.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        # The signature is read before the inputs: a roster that commits in between makes the
        # stored signature stale, which costs the next run a recomputation, never a miss.
        cur.execute(SIGNATURE_SQL, p)
        signature = "/".join(str(part) for part in cur.fetchone())
        previous = (
            LevyAssessmentRun.objects.filter(period_start=period_start, period_end=period_end)
            .order_by("-id")
            .first()
        )
        run = LevyAssessmentRun.objects.create(
            period_start=period_start, period_end=period_end, as_of=as_of, signature=signature
        )
        p["run"] = run.pk
        if previous is not None and previous.signature == signature and not force:
            run.unchanged = True
            run.counts = {"lines": previous.counts.get("lines", 0), "booked_rows": 0}
            run.summary = previous.summary
        else:
            run.counts = _compute_and_book(cur, p, run)
            run.summary = period_summary(
                period_start=period_start, period_end=period_end, from_target=True
            )
        run.finished_at = timezone.now()
        run.save(update_fields=["unchanged", "counts", "summary", "finished_at"])
    logger.info(
        "levies assessed for %s..%s: run %s, unchanged %s, counts %s",
        period_start,
        period_end,
        run.pk,
        run.unchanged,
        run.counts,
    )
    return {**run.summary, "run": run.pk, "unchanged": run.unchanged, "counts": run.counts}


def _compute_and_book(cur: Any, p: dict[str, Any], run: LevyAssessmentRun) -> dict[str, int]:
    counts: dict[str, int] = {}
    cur.execute(DROP_TEMP_TABLES)
    cur.execute(PERIOD_BASES_SQL, p)
    cur.execute(lines_sql({base for (base,) in cur.fetchall()}), p)
    counts["lines"] = cur.rowcount
    cur.execute("ANALYZE levy_lines")
    cur.execute(AMOUNTS_SQL)
    cur.execute(TARGET_SQL)
    cur.execute(BOOKED_SQL, p)
    booked = cur.rowcount
    if booked == 0:
        # The first run of a period: no comparison needed, every amount is a new charge.
        cur.execute(INSERT_NEW_SQL, p)
        counts.update(differences=cur.rowcount, released=0, dropped=0, booked_rows=cur.rowcount)
        cur.execute(MOVEMENTS_NEW_SQL)
    else:
        cur.execute("ANALYZE levy_target")
        cur.execute("ANALYZE levy_booked")
        cur.execute(DIFF_SQL)
        counts["differences"] = cur.rowcount
        if not counts["differences"]:
            counts.update(released=0, dropped=0, booked_rows=0)
            return counts
        cur.execute("ANALYZE levy_diff")
        cur.execute(SETTLE_SQL.format(condition="x.release"), {**p, "to": "due"})
        counts["released"] = cur.rowcount
        cur.execute(SETTLE_SQL.format(condition="x.drop_held"), {**p, "to": "dropped"})
        counts["dropped"] = cur.rowcount
        cur.execute(INSERT_SQL, p)
        counts["booked_rows"] = cur.rowcount
        cur.execute(MOVEMENTS_SQL)
    movements = [
        {
            "payer": payer,
            "organisation_id": org,
            "due": Decimal(due),
            "held": Decimal(held),
            "released": Decimal(released),
            "dropped": Decimal(dropped),
        }
        for payer, org, due, held, released, dropped in cur.fetchall()
    ]
    assessment_post(run=run, movements=movements)
    return counts


def levies_assess_held_periods(*, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Assess again every period that still has held charges, so that charges whose opt-out
    window has closed are released and those of in-window opt-outs dropped (daily, by beat).

    One period per transaction: a failure in one leaves the others assessed.
    """
    return [
        levies_assess(period_start=start, period_end=end, today=today)
        for start, end in periods_with_held_charges()
    ]
