"""What the step benchmarks (bench/levies.py, bench/visits.py) share: a step is (name, seconds,
peak MB of this process), and each file runs alone from the command line or in a child process
of bench/run.py."""

from __future__ import annotations

import os
import resource
from collections.abc import Callable

Step = tuple[str, float, float]


def peak_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionroll.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def steps_print(title: str, run: Callable[[], list[Step]], goal: str) -> int:
    """A stand-alone run: set Django up, run the benchmark, print its steps as a table."""
    django_setup()
    print(title, flush=True)
    steps = run()
    print()
    print("| step | seconds | peak MB |")
    print("|---|---:|---:|")
    for name, seconds, peak in steps:
        print(f"| {name} | {seconds:.2f} | {peak:.0f} |")
    print(f"\n{goal}")
    return 0
