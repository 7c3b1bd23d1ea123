"""Ingest and levy benchmark: ``make bench`` (or ``python bench/run.py --sizes 50000``).

For each size it generates a synthetic roster (fixed seed) under ``bench/out/`` and measures, in
one run on one database server:

- a bare ``COPY`` of the file into an empty table of text columns: the floor no importer beats;
- the import of that file through ``roster_import_path`` with every worker new;
- the same file again (answered as a duplicate);
- the same rows with CRLF line endings: a different file with the same content, so a
  replacement that changes nothing.

Then it times a levy assessment of ``--levy-lines`` payroll lines (bench/levies.py: lines built
in SQL, a percent scheme with caps; the first run and a re-run with nothing changed), and the
fan-out of a workplace visit at a site with ``--visit-workers`` recent workers (bench/visits.py:
scheduling it until every member's notice is recorded, then the dispatcher handing them all to
delivery tasks), and sign-in link requests for known and unknown phone numbers
(bench/signin.py: ``--signin-requests`` of each through the test client, the median answer of
each and their difference, with the lookup queued as deployed and run in the request).

Each import runs in a fresh Python process, whose peak resident memory is read from the kernel
when it exits (``wait4``), so one measurement's memory never hides in another's.

The benchmark uses its own database, ``unionroll_bench`` (or ``UNIONROLL_BENCH_DB_NAME``), dropped
and migrated again for each size so that "every worker new" holds; demo and test data are never
touched. With ``DATABASE_URL`` set it uses that server (under the bench database name), otherwise
the embedded one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DB_NAME = os.environ.get("UNIONROLL_BENCH_DB_NAME", "unionroll_bench")
SEED = 20260101
DEFAULT_SIZES = (50_000, 1_000_000)
# One ISO week; the roster's period does not change the cost of an import.
PERIOD_START = dt.date(2026, 11, 2)
PERIOD_END = dt.date(2026, 11, 8)
AGENCY_KVK = "90000001"
HIRERS = (("90000101", "OSS"), ("90000101", "TIL"), ("90000102", "BOX"))

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass
class Result:
    size: int
    step: str
    status: str
    seconds: float
    rows: int
    peak_mb: float | None

    @property
    def rows_per_second(self) -> float | None:
        if not self.rows or self.seconds <= 0:
            return None
        return self.rows / self.seconds


def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "").replace(",", "")
    factor = 1
    if text.endswith("k"):
        factor, text = 1_000, text[:-1]
    elif text.endswith("m"):
        factor, text = 1_000_000, text[:-1]
    return int(float(text) * factor)


def bench_environment() -> dict[str, str]:
    """The environment of every process of the run: the bench database, eager tasks, quiet logs."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "unionroll.settings"
    env["UNIONROLL_DB_NAME"] = DB_NAME
    env.setdefault("LOG_LEVEL", "WARNING")
    # Imports run in-process; nothing may go to a broker another process is listening to.
    env.pop("CELERY_BROKER_URL", None)
    if env.get("DATABASE_URL"):
        parts = urlsplit(env["DATABASE_URL"])
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{DB_NAME}"))
    return env


def server_connection_kwargs() -> dict[str, str]:
    """Connection parameters for the bench database, as Django's settings resolve them.

    Importing the settings starts the embedded server when there is no ``DATABASE_URL``; this
    process keeps its handle on the server for the whole run, so the children find it running.
    """
    os.environ.update(bench_environment())
    from unionroll import settings

    db = settings.DATABASES["default"]
    kwargs = {"dbname": db["NAME"], "user": db.get("USER") or "postgres"}
    for key, name in (("HOST", "host"), ("PORT", "port"), ("PASSWORD", "password")):
        if db.get(key):
            kwargs[name] = str(db[key])
    return kwargs


def recreate_database(conn_kwargs: dict[str, str]) -> None:
    import psycopg

    admin = dict(conn_kwargs, dbname="postgres")
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=bench_environment(),
        check=True,
    )


def roster_files(size: int) -> tuple[Path, Path]:
    """The roster of ``size`` rows and its CRLF twin, generated once and reused by later runs."""
    from unionroll.synthetic import write_roster_csv

    OUT.mkdir(parents=True, exist_ok=True)
    # A change to the generator changes the files: name them after its source too.
    generator = hashlib.sha256((ROOT / "unionroll" / "synthetic.py").read_bytes()).hexdigest()[:8]
    for stale in OUT.glob(f"roster-{size}-*.csv"):
        if f"-{generator}" not in stale.name:
            stale.unlink()
    files = []
    for suffix, ending in (("", "\n"), ("-crlf", "\r\n")):
        path = OUT / f"roster-{size}-seed{SEED}-{generator}{suffix}.csv"
        if not path.exists():
            started = time.perf_counter()
            partial = path.with_suffix(".partial")
            write_roster_csv(
                partial,
                rows=size,
                seed=SEED + size,
                period_start=PERIOD_START,
                period_end=PERIOD_END,
                hirer_kvks_and_sites=HIRERS,
                line_ending=ending,
            )
            partial.rename(path)
            took = time.perf_counter() - started
            print(f"  generated {path.relative_to(ROOT)} in {took:.1f} s", flush=True)
        files.append(path)
    return files[0], files[1]


def copy_floor(conn_kwargs: dict[str, str], path: Path, size: int) -> Result:
    import psycopg
    from psycopg import sql

    from unionroll.synthetic import HEADER

    columns = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in HEADER)
    with psycopg.connect(**conn_kwargs) as conn:
        with conn.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_copy_floor")
            cur.execute(sql.SQL("CREATE TABLE bench_copy_floor ({})").format(columns))
        conn.commit()
        started = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy("COPY bench_copy_floor FROM STDIN (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as fh,
        ):
            while chunk := fh.read(1024 * 1024):
                copy.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - started
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM bench_copy_floor")
            copied = cur.fetchone()[0]
            cur.execute("DROP TABLE bench_copy_floor")
        conn.commit()
    return Result(size, "COPY into text table (floor)", "copied", seconds, copied, None)


def measured_import(path: Path, size: int, step: str) -> Result:
    """Import ``path`` in a fresh process; time it there, read its peak memory from the kernel."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child-import", str(path)]
    proc = subprocess.Popen(command, cwd=ROOT, env=bench_environment(), stdout=subprocess.PIPE)
    output = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in kilobytes on Linux.
    peak_mb = usage.ru_maxrss / 1024
    if proc.returncode != 0:
        # Its traceback is on stderr above; the other measurements still run.
        return Result(size, step, f"FAILED (exit {proc.returncode})", 0.0, 0, peak_mb)
    report = json.loads(output.decode().strip().splitlines()[-1])
    if report["status"] == "rejected":
        # A generated roster should never be rejected: show why, it is a bug somewhere.
        print(f"  rejected with {report['error_count']} errors, first: {report['errors']}")
    rows = report["rows"] if report["status"] == "applied" else 0
    results = [Result(size, step, report["status"], report["seconds"], rows, peak_mb)]
    if report.get("notices"):
        results.append(
            Result(
                size,
                "  then: welcome notices (task after commit)",
                f"{report['notices']:,} due",
                report["notices_seconds"],
                report["notices"],
                None,
            )
        )
    if "phase_seconds" in report:
        results.append(
            Result(
                size,
                "  then: phase-change notices (task after commit)",
                f"{report['phase_notices']:,} due",
                report["phase_seconds"],
                0,
                None,
            )
        )
    return results


def child_import(path: Path) -> None:
    """Runs in the measured process: set the organisations up, then time one import."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionroll.settings")
    django.setup()
    from django.db import connection

    from employers.models import Organisation, Sector, Site
    from enrolment.models import EnrolmentPolicy
    from enrolment.services import roster_import_path

    sector, _ = Sector.objects.get_or_create(
        code="meat", defaults={"name": "Vleessector", "collective_agreement": "CAO Vleessector"}
    )
    EnrolmentPolicy.objects.get_or_create(sector=sector)
    agency, created = Organisation.objects.get_or_create(
        kvk=AGENCY_KVK,
        defaults={"name": "Bench Uitzendbureau B.V.", "kind": Organisation.Kind.AGENCY},
    )
    if created:
        agency.sectors.add(sector)
    for kvk, site_code in HIRERS:
        hirer, _ = Organisation.objects.get_or_create(
            kvk=kvk, defaults={"name": f"Bench Inlener {kvk} B.V.", "kind": "hirer"}
        )
        hirer.sectors.add(sector)
        Site.objects.get_or_create(
            hirer=hirer, code=site_code, defaults={"name": site_code, "sector": sector}
        )
    connection.close()

    # In production the welcome-notice task runs in a worker once the import has committed; the
    # upload is applied (and shown so) before it starts. Time the two apart: tasks are sent to
    # the in-memory broker during the import, and the notice task is then run here on its own.
    from notifications.services import phase_change_notices_record, welcome_notices_record
    from unionroll.celery import app

    app.conf.task_always_eager = False
    started = time.perf_counter()
    upload = roster_import_path(organisation=agency, path=path, source="cli")
    seconds = time.perf_counter() - started
    report = {
        "status": upload.status,
        "seconds": seconds,
        "rows": upload.rows,
        "error_count": upload.error_count,
        "errors": upload.errors[:5],
    }
    if upload.status == "applied":
        started = time.perf_counter()
        report["notices"] = welcome_notices_record(upload_id=upload.pk)
        report["notices_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        report["phase_notices"] = phase_change_notices_record(upload_id=upload.pk)
        report["phase_seconds"] = time.perf_counter() - started
    print(json.dumps(report, default=str), flush=True)


# The step benchmarks, each run in a fresh child process so its peak memory is its own.
STEP_BENCHMARKS = {
    # flag: (module, function, what a step's count is)
    "levies": ("bench.levies", "bench_assessment", "levy assessment"),
    "visits": ("bench.visits", "bench_visit_fanout", "visit fan-out"),
    "signin": ("bench.signin", "bench_signin_timing", "sign-in requests"),
}


def child_steps(kind: str, count: int) -> None:
    """Runs in the measured process: one step benchmark, its steps printed as JSON."""
    import importlib

    from bench.common import django_setup

    django_setup()
    module, function, _ = STEP_BENCHMARKS[kind]
    steps = getattr(importlib.import_module(module), function)(count, verbose=False)
    print(json.dumps([{"step": n, "seconds": s} for n, s, _ in steps]), flush=True)


def measured_steps(kind: str, count: int) -> list[Result]:
    """A step benchmark (bench/levies.py, bench/visits.py) of ``count`` rows, in a fresh process."""
    command = [sys.executable, str(Path(__file__).resolve()), f"--child-{kind}", str(count)]
    proc = subprocess.Popen(command, cwd=ROOT, env=bench_environment(), stdout=subprocess.PIPE)
    output = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    peak_mb = usage.ru_maxrss / 1024
    if os.waitstatus_to_exitcode(status) != 0:
        return [Result(count, STEP_BENCHMARKS[kind][2], "FAILED", 0.0, 0, peak_mb)]
    steps = json.loads(output.decode().strip().splitlines()[-1])
    # A sign-in step is the median of one request: no rows per second.
    rows = 0 if kind == "signin" else count
    return [Result(count, step["step"], "done", step["seconds"], rows, peak_mb) for step in steps]


def server_version(conn_kwargs: dict[str, str]) -> str:
    import psycopg

    with psycopg.connect(**conn_kwargs) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def print_table(results: list[Result]) -> None:
    headers = ("rows", "step", "status", "seconds", "rows/s", "peak MB")
    lines = []
    for r in results:
        rate = r.rows_per_second
        lines.append(
            (
                f"{r.size:,}",
                r.step,
                r.status,
                f"{r.seconds:.2f}" if abs(r.seconds) >= 0.1 else f"{r.seconds:.5f}",
                f"{rate:,.0f}" if rate else "-",
                f"{r.peak_mb:.0f}" if r.peak_mb is not None else "-",
            )
        )
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]
    right = {0, 3, 4, 5}

    def fmt(cells: tuple[str, ...]) -> str:
        return " | ".join(
            c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(cells)
        )

    print()
    print("| " + fmt(headers) + " |")
    print(
        "|"
        + "|".join(
            ("-" * (w + 1) + ":") if i in right else "-" * (w + 2) for i, w in enumerate(widths)
        )
        + "|"
    )
    for line in lines:
        print("| " + fmt(line) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        nargs="+",
        default=[str(s) for s in DEFAULT_SIZES],
        help="roster sizes in rows, e.g. 50000 1m (default: 50000 1000000)",
    )
    parser.add_argument(
        "--copy-only", action="store_true", help="measure only the COPY floor, no imports"
    )
    parser.add_argument(
        "--levy-lines",
        default="1m",
        help="payroll lines for the levy assessment benchmark (default 1m; 0 skips it)",
    )
    parser.add_argument(
        "--visit-workers",
        default="20000",
        help="recent workers at the site of the visit fan-out benchmark (default 20000; 0 skips)",
    )
    parser.add_argument(
        "--signin-requests",
        default="300",
        help="sign-in link requests for known and as many for unknown numbers (default 300; 0 "
        "skips)",
    )
    parser.add_argument("--child-import", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-levies", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-visits", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-signin", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child_import:
        child_import(args.child_import)
        return 0
    for kind in STEP_BENCHMARKS:
        if count := getattr(args, f"child_{kind}"):
            child_steps(kind, count)
            return 0

    sizes = [parse_size(part) for item in args.sizes for part in item.split(",") if part.strip()]
    # "--sizes 0" skips the imports (the levy and visit benchmarks still run).
    sizes = [size for size in sizes if size > 0]
    conn_kwargs = server_connection_kwargs()
    print("Unionroll roster ingest benchmark")
    print(
        f"  machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; database {DB_NAME} on "
        f"{'DATABASE_URL' if os.environ.get('DATABASE_URL') else 'the embedded server'}",
        flush=True,
    )
    results: list[Result] = []
    for size in sizes:
        print(f"\n{size:,} rows", flush=True)
        original, crlf = roster_files(size)
        recreate_database(conn_kwargs)
        if size == sizes[0]:
            print(f"  PostgreSQL {server_version(conn_kwargs)}", flush=True)
        results.append(copy_floor(conn_kwargs, original, size))
        print(f"  COPY floor: {results[-1].seconds:.2f} s", flush=True)
        if args.copy_only:
            continue
        for step, path in (
            ("import, every worker new", original),
            ("same file again", original),
            ("same rows, CRLF line ends", crlf),
        ):
            result, *after = measured_import(path, size, step)
            results.extend([result, *after])
            print(
                f"  {step}: {result.status} in {result.seconds:.2f} s, "
                f"peak {result.peak_mb:.0f} MB",
                flush=True,
            )
            for extra in after:
                print(f"  {extra.step.strip()}: {extra.seconds:.2f} s", flush=True)
    levy_lines = parse_size(args.levy_lines)
    visit_workers = parse_size(args.visit_workers)
    signin_requests = parse_size(args.signin_requests)
    if not sizes and (levy_lines or visit_workers or signin_requests) and not args.copy_only:
        recreate_database(conn_kwargs)
    if levy_lines and not args.copy_only:
        print(f"\nLevy assessment, {levy_lines:,} payroll lines", flush=True)
        for result in measured_steps("levies", levy_lines):
            results.append(result)
            print(f"  {result.step}: {result.seconds:.2f} s", flush=True)
        print(f"  peak {results[-1].peak_mb:.0f} MB", flush=True)
    if visit_workers and not args.copy_only:
        # A fresh database: the imports above leave a million welcome notices due, which the
        # dispatcher timed here would otherwise hand over too.
        if sizes or levy_lines:
            recreate_database(conn_kwargs)
        print(f"\nWorkplace visit fan-out, {visit_workers:,} recent workers", flush=True)
        for result in measured_steps("visits", visit_workers):
            results.append(result)
            print(f"  {result.step}: {result.seconds:.2f} s", flush=True)
    if signin_requests and not args.copy_only:
        # It only adds its own members: it runs on whatever the steps above left.
        print(
            f"\nSign-in link requests, {signin_requests:,} known and as many unknown numbers",
            flush=True,
        )
        for result in measured_steps("signin", signin_requests):
            results.append(result)
            print(f"  {result.step}: {result.seconds * 1000:.2f} ms", flush=True)
    print_table(results)
    print(
        "\nGoals (2 cores): 50,000 rows < 3 s; 1,000,000 new < 30 s and < 400 MB peak; "
        "unchanged re-upload < 1 s; levy assessment of 1,000,000 lines < 20 s, "
        "re-run with nothing changed < 3 s; a visit at a site with 20,000 recent workers "
        "queued < 5 s; a sign-in link request answered in the same time for a known and an "
        "unknown number (queued: medians within noise)."
    )
    return 1 if any(r.status.startswith("FAILED") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
