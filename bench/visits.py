"""Workplace visit fan-out benchmark: ``python bench/visits.py --workers 20000``.

Builds, directly in SQL, a site where N members worked last week (persons, live memberships,
one current payroll line each at the site), then times:

- scheduling a visit two days ahead through ``notifications.services.visit_schedule``, including
  its on-commit task that records every member's notice (one INSERT … SELECT) and the access
  notices: the notices are then due, in the dispatcher's hands;
- the dispatcher handing all of them to delivery tasks, in its two parts:
  ``notices_dispatch_batch`` claiming them in batches of 1000, and one ``notices_deliver_task``
  message published per 100 notices (to the in-memory broker here; nothing is sent to anyone).

It runs on the database Django is configured for and only adds rows (its own sector, a new site
per run), so it can be repeated. ``bench_visit_fanout()`` is the entry point for bench/run.py (in
a child process with Django set up), ``main()`` for the command line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import Step, peak_mb, steps_print  # noqa: E402

SECTOR = "visitbench"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _setup() -> dict:
    from employers.models import Organisation, Sector, Site
    from enrolment.models import EnrolmentPolicy, RosterUpload

    sector, _ = Sector.objects.get_or_create(code=SECTOR, defaults={"name": "Visit benchmark"})
    EnrolmentPolicy.objects.get_or_create(sector=sector)
    agency, _ = Organisation.objects.get_or_create(
        kvk="92000001",
        defaults={
            "name": "Bench Visit Agency",
            "kind": Organisation.Kind.AGENCY,
            "billing_email": "payroll@agency.invalid",
        },
    )
    hirer, _ = Organisation.objects.get_or_create(
        kvk="92000101",
        defaults={
            "name": "Bench Visit Hirer",
            "kind": Organisation.Kind.HIRER,
            "contact_email": "reception@hirer.invalid",
        },
    )
    code = uuid.uuid4().hex[:12]
    site = Site.objects.create(
        hirer=hirer, code=code, name=f"Bench plant {code}", sector=sector, address="Benchweg 1"
    )
    today = dt.date.today()
    start = today - dt.timedelta(days=today.weekday() + 7)  # last week's Monday
    end = start + dt.timedelta(days=6)
    key = uuid.uuid4().hex
    upload = RosterUpload.objects.create(
        organisation=agency,
        source="cli",
        original_filename="visit-bench.csv",
        storage_key=key,
        sha256=key * 2,
        status="applied",
        period_start=start,
        period_end=end,
    )
    return {
        "sector": sector.pk,
        "agency": agency.pk,
        "hirer": hirer.pk,
        "site": site.pk,
        "upload": upload.pk,
        "ps": start,
        "pe": end,
    }


GENERATE_SQL = """
CREATE TEMP TABLE bench_visit_persons ON COMMIT DROP AS
WITH ins AS (
    INSERT INTO enrolment_person (
        first_name, last_name, first_name_key, last_name_key, date_of_birth, phone, language,
        email_set_by_member, phone_set_by_member, language_set_by_member, created_at, updated_at)
    SELECT 'Bench', 'Visit' || i, 'bench', 'visit' || i, date '1990-01-01' + (i %% 9000),
           '+4860' || lpad(i::text, 7, '0'),
           (ARRAY['pl', 'ro', 'bg', 'uk', 'nl', 'en'])[i %% 6 + 1],
           false, false, false, now(), now()
    FROM generate_series(1, %(workers)s) i
    RETURNING id
)
SELECT row_number() OVER (ORDER BY id) AS n, id FROM ins;

INSERT INTO enrolment_membership (
    person_id, sector_id, status, covered_from, spell, enrolled_on, window_ends, void,
    last_seen_period_end, created_at, updated_at)
SELECT id, %(sector)s, 'active', %(ps)s, 1, %(ps)s, %(ps)s, false, %(pe)s, now(), now()
FROM bench_visit_persons;

INSERT INTO enrolment_payrollline (
    upload_id, organisation_id, person_id, sector_id, hirer_id, site_id, row_number,
    worker_number, period_start, period_end, cao_phase, hours_worked, gross_wages)
SELECT %(upload)s, %(agency)s, p.id, %(sector)s, %(hirer)s, %(site)s, p.n + 1,
       'V' || lpad(p.n::text, 8, '0'), %(ps)s, %(pe)s, 'A', 38, 560
FROM bench_visit_persons p;
"""


def _generate(workers: int, ctx: dict) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        for statement in GENERATE_SQL.split(";\n\n"):
            cur.execute(statement, {**ctx, "workers": workers})
    with connection.cursor() as cur:
        for table in ("enrolment_person", "enrolment_membership", "enrolment_payrollline"):
            cur.execute(f"ANALYZE {table}")


def bench_visit_fanout(workers: int = 20_000, *, verbose: bool = True) -> list[Step]:
    """Build a site with ``workers`` recent members and time the fan-out. Django must be set up."""
    from django.conf import settings
    from django.utils import timezone

    from employers.models import Site
    from notifications import tasks
    from notifications.models import Notice, OrganisationNotice
    from notifications.services import notices_dispatch_batch, visit_schedule
    from unionroll.celery import app

    # Nothing leaves the machine: access notices to memory, delivery tasks to the memory broker.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
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
    timed(f"generate {workers:,} recent workers (SQL)", lambda: _generate(workers, ctx))
    site = Site.objects.get(pk=ctx["site"])
    starts = (timezone.now() + dt.timedelta(days=2)).replace(microsecond=0)

    def schedule():
        # The notice recording runs as the on-commit task, eagerly, inside this timing.
        app.conf.task_always_eager = True
        return visit_schedule(
            site=site,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            place="Canteen",
            languages=["pl", "ro"],
            note="Bench",
        )

    visit = timed("schedule visit + record all notices (on commit)", schedule)
    subject = f"visit:{visit.pk}:v{visit.version}"
    recorded = Notice.objects.filter(kind="visit", subject=subject).count()
    # The dispatcher at 10:00 tomorrow (Dutch time): outside the quiet hours, notices due.
    tomorrow = timezone.localtime(timezone.now(), AMSTERDAM).date() + dt.timedelta(days=1)
    dispatch_at = dt.datetime.combine(tomorrow, dt.time(10, 0), tzinfo=AMSTERDAM)

    # The dispatcher's loop (notices_dispatch_task), timed in its two parts: claiming the due
    # notices in SQL, and publishing the delivery task messages (one per DELIVERY_CHUNK ids).
    app.conf.task_always_eager = False
    claim_seconds = publish_seconds = 0.0
    handed = 0
    while True:
        started = time.perf_counter()
        ids = notices_dispatch_batch(now=dispatch_at)
        claim_seconds += time.perf_counter() - started
        if not ids:
            break
        started = time.perf_counter()
        for start in range(0, len(ids), tasks.DELIVERY_CHUNK):
            tasks.notices_deliver_task.delay(ids[start : start + tasks.DELIVERY_CHUNK])
        publish_seconds += time.perf_counter() - started
        handed += len(ids)
    for name, seconds in (
        ("dispatcher: claim all due notices (SQL, batches of 1000)", claim_seconds),
        (
            f"dispatcher: hand {handed:,} notices to delivery tasks of "
            f"{tasks.DELIVERY_CHUNK} (memory broker)",
            publish_seconds,
        ),
    ):
        steps.append((name, seconds, peak_mb()))
        if verbose:
            print(f"  {name}: {seconds:.2f} s", flush=True)
    if verbose:
        access = OrganisationNotice.objects.filter(subject=subject).count()
        print(
            f"  visit {visit.pk}: {recorded:,} member notices recorded, {handed:,} handed to "
            f"delivery tasks, {access} access notices",
            flush=True,
        )
    if recorded != workers:
        raise RuntimeError(f"expected {workers} notices, recorded {recorded}")
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=20_000)
    args = parser.parse_args(argv)
    return steps_print(
        f"Workplace visit fan-out benchmark, {args.workers:,} workers",
        lambda: bench_visit_fanout(args.workers),
        "Goal: a visit at a site with 20,000 recent workers queued in under 5 s.",
    )


if __name__ == "__main__":
    sys.exit(main())
