"""Levy assessment benchmark: ``python bench/levies.py --lines 1000000``.

Builds N levy-bearing payroll lines for one new weekly period directly in SQL (persons,
memberships whose opt-out windows have closed, lines; about a fifth of the members on the
payroll of a second agency too, so the caps work across agencies; half the lines with a hirer),
loads a percent-of-gross scheme with caps (0.50%, min 2.00, max 12.00, state 90 / agency 10),
then times:

- the first assessment of the period (every charge new);
- the same assessment again with nothing changed;
- a forced full recomputation that finds nothing to book.

It runs on the database Django is configured for (``UNIONROLL_DB_NAME`` / ``DATABASE_URL``) and
only adds rows: each run takes the next free week in its own sector ``levybench``, so it can be
repeated on the same database. ``bench_assessment()`` is the entry point for bench/run.py (in a
child process with Django set up), ``main()`` for the command line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import Step, peak_mb, steps_print  # noqa: E402

SECTOR = "levybench"
FIRST_PERIOD = dt.date(2025, 1, 6)  # a Monday, long enough ago that every window has closed
SECOND_LINE_SHARE = 0.2
BASE = os.environ.get("UNIONROLL_BENCH_LEVY_BASE", "members")


def _setup() -> dict:
    from employers.models import Organisation, Sector, Site
    from enrolment.models import EnrolmentPolicy, RosterUpload
    from levies.models import LevyScheme, LevySchemeVersion

    sector, _ = Sector.objects.get_or_create(code=SECTOR, defaults={"name": "Levy benchmark"})
    EnrolmentPolicy.objects.get_or_create(sector=sector)
    agencies = []
    for kvk, name in (("91000001", "Bench Levy Agency A"), ("91000002", "Bench Levy Agency B")):
        org, _ = Organisation.objects.get_or_create(
            kvk=kvk, defaults={"name": name, "kind": Organisation.Kind.AGENCY}
        )
        agencies.append(org)
    hirer, _ = Organisation.objects.get_or_create(
        kvk="91000101", defaults={"name": "Bench Levy Hirer", "kind": Organisation.Kind.HIRER}
    )
    site, _ = Site.objects.get_or_create(
        hirer=hirer, code="BENCH", defaults={"name": "Bench plant", "sector": sector}
    )
    scheme, _ = LevyScheme.objects.get_or_create(sector=sector, defaults={"code": SECTOR})
    if not scheme.versions.exists():
        LevySchemeVersion.objects.create(
            scheme=scheme,
            valid_from=dt.date(2024, 1, 1),
            basis="percent_of_gross",
            rate="0.50",
            min_per_period="2.00",
            max_per_period="12.00",
            funding_agency=10,
            funding_hirer=0,
            funding_state=90,
            # UNIONROLL_BENCH_LEVY_BASE=covered_workers times the other base (docs/levies.md).
            base=BASE,
            collect_during_window=BASE == "covered_workers",
        )
    last = RosterUpload.objects.filter(organisation=agencies[0]).order_by("-period_start").first()
    start = FIRST_PERIOD if last is None else last.period_start + dt.timedelta(days=7)
    end = start + dt.timedelta(days=6)
    uploads = []
    for org in agencies:
        key = uuid.uuid4().hex
        uploads.append(
            RosterUpload.objects.create(
                organisation=org,
                source="cli",
                original_filename="levy-bench.csv",
                storage_key=key,
                sha256=key * 2,
                status="applied",
                period_start=start,
                period_end=end,
            )
        )
    return {
        "sector": sector.pk,
        "agencies": [a.pk for a in agencies],
        "uploads": [u.pk for u in uploads],
        "hirer": hirer.pk,
        "site": site.pk,
        "ps": start,
        "pe": end,
    }


GENERATE_SQL = """
CREATE TEMP TABLE bench_persons ON COMMIT DROP AS
WITH ins AS (
    INSERT INTO enrolment_person (
        first_name, last_name, first_name_key, last_name_key, date_of_birth, language,
        email_set_by_member, phone_set_by_member, language_set_by_member, created_at, updated_at)
    SELECT 'Bench', 'Levy' || i, 'bench', 'levy' || i, date '1990-01-01' + (i %% 9000), 'pl',
           false, false, false, now(), now()
    FROM generate_series(1, %(persons)s) i
    RETURNING id
)
SELECT row_number() OVER (ORDER BY id) AS n, id FROM ins;

INSERT INTO enrolment_membership (
    person_id, sector_id, status, covered_from, spell, enrolled_on, window_ends, void,
    last_seen_period_end, created_at, updated_at)
SELECT id, %(sector)s, 'active', %(ps)s, 1, %(ps)s::date + 8,
       (%(ps)s::date + 8 + interval '1 month')::date, false, %(pe)s, now(), now()
FROM bench_persons;

INSERT INTO enrolment_payrollline (
    upload_id, organisation_id, person_id, sector_id, hirer_id, site_id, row_number,
    worker_number, period_start, period_end, cao_phase, hours_worked, gross_wages)
SELECT CASE WHEN j <= %(persons)s THEN %(upload_a)s ELSE %(upload_b)s END,
       CASE WHEN j <= %(persons)s THEN %(agency_a)s ELSE %(agency_b)s END,
       p.id, %(sector)s,
       CASE WHEN j %% 2 = 0 THEN %(hirer)s END, CASE WHEN j %% 2 = 0 THEN %(site)s END,
       j + 1, lpad(j::text, 8, '0'), %(ps)s, %(pe)s, (ARRAY['A', 'B', 'C'])[j %% 3 + 1],
       20 + (j %% 20), 150 + ((j::bigint * 7919) %% 250000) / 100.0
FROM generate_series(1, %(lines)s) j
JOIN bench_persons p
  ON p.n = CASE WHEN j <= %(persons)s THEN j ELSE j - %(persons)s END;
"""


def _generate(lines: int, ctx: dict) -> None:
    from django.db import connection, transaction

    persons = max(1, min(lines, round(lines / (1 + SECOND_LINE_SHARE))))
    params = {
        **ctx,
        "lines": lines,
        "persons": persons,
        "agency_a": ctx["agencies"][0],
        "agency_b": ctx["agencies"][1],
        "upload_a": ctx["uploads"][0],
        "upload_b": ctx["uploads"][1],
    }
    with transaction.atomic(), connection.cursor() as cur:
        for statement in GENERATE_SQL.split(";\n\n"):
            cur.execute(statement, params)
    with connection.cursor() as cur:
        for table in ("enrolment_person", "enrolment_membership", "enrolment_payrollline"):
            cur.execute(f"ANALYZE {table}")


def bench_assessment(lines: int = 1_000_000, *, verbose: bool = True) -> list[Step]:
    """Build ``lines`` payroll lines and time the assessments. Django must be set up."""
    from levies.services import levies_assess

    steps: list[Step] = []

    def timed(name: str, fn) -> object:
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
        steps.append((name, seconds, peak_mb()))
        if verbose:
            print(f"  {name}: {seconds:.2f} s (peak {peak_mb():.0f} MB)", flush=True)
        return result

    ctx = _setup()
    timed(f"generate {lines:,} payroll lines (SQL)", lambda: _generate(lines, ctx))
    period = {"period_start": ctx["ps"], "period_end": ctx["pe"]}
    first = timed("assessment, first run", lambda: levies_assess(**period))
    timed("assessment again, nothing changed", lambda: levies_assess(**period))
    timed("assessment forced, nothing to book", lambda: levies_assess(**period, force=True))
    if verbose:
        print(
            f"  period {ctx['ps']}..{ctx['pe']}: {first['counts'].get('lines', 0):,} levy-bearing "
            f"lines, {first['counts'].get('booked_rows', 0):,} charge rows, total EUR "
            f"{first['total']}",
            flush=True,
        )
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    return steps_print(
        f"Levy assessment benchmark, {args.lines:,} lines",
        lambda: bench_assessment(args.lines),
        "Goals (2 cores): first assessment of 1,000,000 lines < 20 s; re-run < 3 s.",
    )


if __name__ == "__main__":
    sys.exit(main())
