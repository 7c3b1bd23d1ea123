"""python manage.py invoices_issue --period-start YYYY-MM-DD --period-end YYYY-MM-DD [--json]

Issues the invoices and credit notes of one pay period (one per payer organisation for what no
earlier document billed) and the state claim: safe to run again at any time. --json prints
{"period_start", "period_end", "invoices": [{"number", "kind", "payer", "total", ...}],
"state_claim": {...} or null}.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from levies.billing.services import period_billing_issue
from levies.management.commands.levies_assess import _date
from unionroll.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Issue a pay period's invoices, credit notes and state claim (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--period-start", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--period-end", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        start, end = _date(options["period_start"]), _date(options["period_end"])
        try:
            result = period_billing_issue(period_start=start, period_end=end)
        except ApplicationError as exc:
            raise CommandError(exc.message, returncode=1) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        invoices = result["invoices"]
        self.stdout.write(
            f"Invoices {result['period_start']} to {result['period_end']}: "
            f"{len(invoices) or 'nothing'} issued"
        )
        for i in invoices:
            kind = "credit note" if i["kind"] == "credit_note" else "invoice"
            self.stdout.write(
                f"  {i['number']}  {kind:<11}  payer {i['payer']}  EUR {i['total']:>12}"
            )
        claim = result["state_claim"]
        if claim:
            self.stdout.write(f"  state claim {claim['reference']}  EUR {claim['total']:>12}")
        else:
            self.stdout.write("  state claim: nothing new to claim")
