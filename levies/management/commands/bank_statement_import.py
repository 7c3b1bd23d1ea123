"""python manage.py bank_statement_import FILE [--json]

Imports a CAMT.053 or MT940 statement: new entries are matched to invoices and state claims,
the rest go to the unmatched queue; the same file (or an overlapping one) again imports only
what is new. A malformed file changes nothing and exits with status 1. --json prints
{"entries", "matched", "unmatched", "duplicates", "total_matched", ...}.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from levies.bank.services import bank_statement_import
from unionroll.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Import a bank statement (CAMT.053 or MT940) and match its credits to invoices."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="the statement file")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}", returncode=1) from exc
        try:
            result = bank_statement_import(data=data, filename=path.name)
        except ApplicationError as exc:
            raise CommandError(exc.message, returncode=1) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        if result["duplicate_file"]:
            self.stdout.write(f"{path.name} was imported before: nothing changed.")
        self.stdout.write(
            f"{result['entries']} entries: {result['matched']} matched "
            f"(EUR {result['total_matched']}), {result['unmatched']} unmatched, "
            f"{result['duplicates']} already imported, {result['ignored']} debits ignored"
            + (f", {result['parked']} parked (not in euros)" if result["parked"] else "")
        )
