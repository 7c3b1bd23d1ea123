"""Sign-in link requests in equal time: ``python bench/signin.py --requests 300``.

Builds, directly in SQL, ``--population`` members with a phone number (so that a lookup costs
what it costs on a full table), then posts the link form ``--requests`` times for a known and as
often for an unknown number, interleaved (known, unknown, unknown, known, ...: neither gets the
warmer turn), through Django's test client and the whole middleware stack, against the real
database, and prints the median answer time of each and the difference.

Two ways, each timed:

- **queued** (as deployed, with a broker): the request counts the limits, stores the request and
  publishes the task's message (to the in-memory broker here); the lookup, the link and the SMS
  are the task's, in a worker, after the answer;
- **in the request** (tasks run eagerly, as without a broker in development): the same task
  runs inside the request once it commits, with the lookup, the link and its SMS (to a file
  outbox in a temporary directory) — the difference a lookup in the request makes.

The rate limits are lifted for the run (every request counts; none is refused). It only adds
rows (its own sector, persons with numbers of its own), so it can be repeated.
``bench_signin_timing()`` is the entry point for bench/run.py (in a child process with Django
set up), ``main()`` for the command line.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import Step, peak_mb, steps_print  # noqa: E402

SECTOR = "signinbench"
POPULATION = 20_000

GENERATE_SQL = """
WITH ins AS (
    INSERT INTO enrolment_person (
        first_name, last_name, first_name_key, last_name_key, date_of_birth, phone, language,
        email_set_by_member, phone_set_by_member, language_set_by_member, created_at, updated_at)
    SELECT 'Bench', 'Signin' || i, 'bench', 'signin' || i, date '1990-01-01' + (i %% 9000),
           %(prefix)s || lpad(i::text, 6, '0'),
           (ARRAY['pl', 'ro', 'bg', 'uk', 'nl', 'en'])[i %% 6 + 1],
           false, false, false, now(), now()
    FROM generate_series(1, %(population)s) i
    RETURNING id
)
INSERT INTO enrolment_membership (
    person_id, sector_id, status, covered_from, spell, enrolled_on, window_ends, void,
    last_seen_period_end, created_at, updated_at)
SELECT id, %(sector)s, 'active', current_date - 60, 1, current_date - 60, current_date - 30,
       false, current_date - 7, now(), now()
FROM ins
"""


def _generate(population: int) -> str:
    """``population`` members with numbers +48 6XX nnnnnn of a prefix of this run; returns it."""
    from django.db import connection, transaction

    from employers.models import Sector
    from enrolment.models import EnrolmentPolicy

    sector, _ = Sector.objects.get_or_create(code=SECTOR, defaults={"name": "Sign-in benchmark"})
    EnrolmentPolicy.objects.get_or_create(sector=sector)
    # A prefix per run: the numbers of earlier runs stay known, those of this one are new.
    prefix = f"+486{uuid.uuid4().int % 90 + 10:02d}"
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(GENERATE_SQL, {"prefix": prefix, "population": population, "sector": sector.pk})
    with connection.cursor() as cur:
        for table in ("enrolment_person", "enrolment_membership"):
            cur.execute(f"ANALYZE {table}")
    return prefix


def _national(e164: str) -> str:
    """As a member types it: "+48 6xx xxx xxx"."""
    return f"{e164[:3]} {e164[3:6]} {e164[6:9]} {e164[9:]}"


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bench_signin_timing(requests: int = 300, *, verbose: bool = True) -> list[Step]:
    """Time ``requests`` link requests for known and as many for unknown numbers, queued and in
    the request. Django must be set up. The steps' seconds are medians of one request."""
    from django.conf import settings
    from django.test import Client

    from enrolment.models import SignInLink
    from unionroll.celery import app

    population = max(POPULATION, requests)
    prefix = _generate(population)
    outbox = tempfile.TemporaryDirectory(prefix="signin-bench-")
    settings.UNIONROLL_SMS_BACKEND = "notifications.channels.sms.FileSmsBackend"
    settings.UNIONROLL_SMS_FILE_PATH = Path(outbox.name)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.UNIONROLL_SIGNIN_LIMIT_PER_CONTACT = 10**9
    settings.UNIONROLL_SIGNIN_LIMIT_PER_CLIENT = 10**9
    client = Client(REMOTE_ADDR="198.51.100.7")
    # Known: spread over the table. Unknown: the same prefix, past the last member's number.
    step = population // requests
    known = [_national(f"{prefix}{n * step + 1:06d}") for n in range(requests)]
    unknown = [_national(f"{prefix}{population + n + 1:06d}") for n in range(requests)]

    def ask(number: str) -> float:
        started = time.perf_counter()
        response = client.post("/my/sign-in/", {"form": "link", "phone": number})
        took = time.perf_counter() - started
        if response.status_code != 302:
            raise RuntimeError(f"link request answered {response.status_code}")
        return took

    steps: list[Step] = []
    eager_before = app.conf.task_always_eager
    for mode, eager in (("queued", False), ("in the request", True)):
        app.conf.task_always_eager = eager
        links_before = SignInLink.objects.count()
        # A few of each first, so that neither pays for a cold cache or connection.
        for number in known[:5] + unknown[:5]:
            ask(number)
        times: dict[str, list[float]] = {"known": [], "unknown": []}
        for n in range(requests):
            order = ("known", "unknown") if n % 2 == 0 else ("unknown", "known")
            for which in order:
                times[which].append(ask((known if which == "known" else unknown)[n]))
        issued = SignInLink.objects.count() - links_before
        known_ms, unknown_ms = _median_ms(times["known"]), _median_ms(times["unknown"])
        for name, ms in (
            (f"{mode}: known number, median of {requests}", known_ms),
            (f"{mode}: unknown number, median of {requests}", unknown_ms),
            (f"{mode}: known minus unknown", known_ms - unknown_ms),
        ):
            steps.append((name, ms / 1000, peak_mb()))
        if verbose:
            print(
                f"  {mode}: known {known_ms:.2f} ms, unknown {unknown_ms:.2f} ms (medians), "
                f"difference {known_ms - unknown_ms:+.2f} ms; links issued during the answer: "
                f"{issued}",
                flush=True,
            )
    app.conf.task_always_eager = eager_before
    outbox.cleanup()
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args(argv)
    return steps_print(
        f"Sign-in link requests, {args.requests} known and {args.requests} unknown numbers",
        lambda: bench_signin_timing(args.requests),
        "Goal: queued, a known and an unknown number answer in the same time (the difference "
        "of the medians within noise, well under 1 ms).",
    )


if __name__ == "__main__":
    sys.exit(main())
