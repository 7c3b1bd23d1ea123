from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from enrolment.models import PersonAccess
from enrolment.selectors import membership_describe
from enrolment.services import person_access_record
from enrolment.services.access import command_line_reader
from unionroll.exceptions import Refused

from ._membership_lookup import add_lookup_arguments, find_membership


class Command(BaseCommand):
    help = (
        "Show a worker's membership and its history (for union staff answering the phone). "
        "Each use is recorded in the person's access log, as --staff or the operating-system "
        "account."
    )

    def add_arguments(self, parser):
        add_lookup_arguments(parser)
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--staff",
            metavar="USERNAME",
            help="the union staff member reading it, as in the admin (default: the account "
            "running this command)",
        )

    def handle(self, *args, **options):
        try:
            staff, account = command_line_reader(options.get("staff"))
        except Refused as exc:
            raise CommandError(exc.message) from None
        membership = find_membership(options)
        with transaction.atomic():
            description = membership_describe(membership)
            # Who read what (docs/enrolment.md): a command line has no logged-in user.
            person_access_record(
                user=staff,
                username=account,
                person_ids=[membership.person_id],
                through=PersonAccess.Through.MEMBERSHIP_SHOW,
                detail=f"membership {membership.pk}",
            )
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
