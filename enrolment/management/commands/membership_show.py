from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from enrolment.selectors import membership_describe

from ._membership_lookup import add_lookup_arguments, find_membership


class Command(BaseCommand):
    help = "Show a worker's membership and its history (for union staff answering the phone)."

    def add_arguments(self, parser):
        add_lookup_arguments(parser)
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options):
        membership = find_membership(options)
        description = membership_describe(membership)
        if options["json"]:
            self.stdout.write(json.dumps(description, default=_jsonable, ensure_ascii=False))
            return
        self._write_summary(membership.pk, description)

    def _write_summary(self, membership_id: int, d: dict[str, Any]) -> None:
        self.stdout.write(f"Membership #{membership_id}")
        labels = [
            ("status", "Status"),
            ("sector", "Sector"),
            ("covered_from", "Covered from"),
            ("enrolled_on", "Enrolled on"),
            ("window_ends", "Opt-out window ends"),
            ("opted_out_on", "Opted out on"),
            ("ended_on", "Ended on"),
            ("void", "Void (never a member)"),
        ]
        for key, label in labels:
            if key in d:
                self.stdout.write(f"  {label + ':':<24}{_plain(d[key])}")
        events = d.get("events") or []
        self.stdout.write(f"History ({len(events)} events):")
        for event in events:
            line = (
                f"  {_when(event.get('occurred_at'))}  "
                f"{event.get('from_status') or '-'} -> {event.get('to_status')}  "
                f"by {event.get('actor')}  ({event.get('reason') or ''})"
            )
            if event.get("note"):
                line += f": {event['note']}"
            self.stdout.write(line)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _when(value: Any) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else value
    if isinstance(moment, dt.datetime):
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return f"{moment:%Y-%m-%d %H:%M}"
    return _plain(value)


def _plain(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
