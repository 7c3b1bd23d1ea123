"""python manage.py levies_assess --period-start YYYY-MM-DD --period-end YYYY-MM-DD [--json]

Assesses the levies of one pay period and books the difference against what is already booked:
safe to run again at any time. --json prints {"period_start", "period_end", "total", "payers"}.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from levies.assessment.services import levies_assess
from unionroll.exceptions import ApplicationError

JSON_KEYS = ("period_start", "period_end", "total", "payers")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {text}", returncode=2) from None


class Command(BaseCommand):
    help = "Assess the levies of one pay period (idempotent; books only differences)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--period-start", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--period-end", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--force", action="store_true", help="recompute even if no input has changed"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        start, end = _date(options["period_start"]), _date(options["period_end"])
        try:
            result = levies_assess(period_start=start, period_end=end, force=options["force"])
        except ApplicationError as exc:
            raise CommandError(exc.message, returncode=1) from exc
        if options["json"]:
            self.stdout.write(json.dumps({key: result[key] for key in JSON_KEYS}))
            return
        state = "nothing changed" if result["unchanged"] else f"{result['counts']}"
        self.stdout.write(
            f"Levies {result['period_start']} to {result['period_end']}: total "
            f"EUR {result['total']} (run {result['run']}, {state})"
        )
        for p in result["payers"]:
            self.stdout.write(
                f"  {p['payer']:>8}  members {p['members']:>7}  due {p['due']:>12}  "
                f"held {p['held']:>12}"
            )
