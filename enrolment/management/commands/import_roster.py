"""python manage.py import_roster --organisation KVK [--json] FILE

Exit status: 0 applied or duplicate, 1 rejected, 2 wrong usage (argparse, unknown organisation,
missing file).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from employers.models import Organisation
from enrolment.models import RosterUpload
from enrolment.selectors import roster_upload_summary
from enrolment.services import roster_import_path
from unionroll.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Validate a payroll roster (CSV or XLSX) and apply it for an organisation."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--organisation", required=True, metavar="KVK")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        as_json: bool = options["json"]
        organisation = Organisation.objects.filter(kvk=options["organisation"]).first()
        if organisation is None:
            raise CommandError(
                f"No organisation with KvK number {options['organisation']}.", returncode=2
            )
        if not path.is_file():
            raise CommandError(f"No such file: {path}", returncode=2)

        bar = None
        progress = None
        if not as_json and sys.stderr.isatty():
            from tqdm import tqdm

            bar = tqdm(unit=" rows", desc="validating", file=sys.stderr)

            def progress(phase: str, rows: int) -> None:
                bar.set_description(phase)
                bar.update(rows - bar.n)

        try:
            upload = roster_import_path(organisation=organisation, path=path, progress=progress)
        except ApplicationError as exc:
            raise CommandError(exc.message, returncode=1) from exc
        finally:
            if bar is not None:
                bar.close()

        summary = roster_upload_summary(upload)
        if as_json:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            self._print_summary(summary)
        if upload.status == RosterUpload.Status.REJECTED:
            sys.exit(1)

    def _print_summary(self, s: dict[str, Any]) -> None:
        out = self.stdout
        status = s["status"]
        period = f"{s['period_start']} to {s['period_end']}" if s["period_start"] else "unknown"
        out.write(f"Upload {s['upload_id']}: {status.upper()} (period {period}, {s['rows']} rows)")
        if status == "duplicate":
            out.write(
                f"This exact file was applied before (upload {s['duplicate_of']}); nothing changed."
            )
        elif status == "applied":
            out.write(
                f"  persons: {s['persons_created']} new, {s['persons_matched']} matched\n"
                f"  memberships: {s['memberships_enrolled']} enrolled, "
                f"{s['memberships_reactivated']} back from lapsed, "
                f"{s['opt_outs_respected']} opt-outs respected\n"
                f"  possible duplicates for review: {s['possible_duplicates']}"
            )
            if s["replaces"]:
                c = s["changes"]
                out.write(
                    f"  replaces upload {s['replaces']}: {c.get('workers_added', 0)} workers "
                    f"added, {c.get('workers_removed', 0)} removed, "
                    f"{c.get('workers_changed', 0)} changed"
                )
        for w in s["warnings"]:
            out.write(self.style.WARNING(f"  warning: {w['message']}"))
        if status == "rejected":
            out.write(
                self.style.ERROR(f"Nothing was applied: {s['error_count']} error(s) in the file.")
            )
            for e in s["errors"]:
                where = f"row {e['row']}" if e["row"] else "file"
                column = f", column {e['column']}" if e["column"] else ""
                value = f" (value: {e['value']})" if e.get("value") not in (None, "") else ""
                out.write(f"  {where}{column}: {e['message']}{value}")
            if s["error_count"] > len(s["errors"]):
                out.write(f"  … and {s['error_count'] - len(s['errors'])} more.")
