"""manage.py person_erase --person ID --reason TEXT [--dry-run]: erase a person's data (GDPR
art. 17) as docs/data-protection.md, "Erasure", describes; prints what it changed, in counts, or
why it is not possible yet (exit status 1)."""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError, CommandParser

from privacy.erasure import person_erase
from privacy.models import Erasure
from unionroll.exceptions import ApplicationError


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


class Command(BaseCommand):
    help = "Erase a person's personal data (pseudonymise); refused while billing still needs them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--person", required=True, type=int, metavar="ID")
        parser.add_argument(
            "--reason",
            required=True,
            help="why, e.g. 'request by the member, letter of 2027-03-02' (do not name them)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would change, change nothing"
        )

    def handle(self, *args, **options) -> None:
        try:
            erasure = person_erase(
                options["person"],
                options["reason"],
                by_name=_os_user(),
                via=Erasure.Via.COMMAND,
                dry_run=options["dry_run"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        persons = ", ".join(f"#{p}" for p in erasure.persons)
        if options["dry_run"]:
            self.stdout.write(f"Dry run: erasing person #{options['person']} would change:")
        else:
            self.stdout.write(f"Person #{options['person']} erased (erasure #{erasure.pk}):")
        self.stdout.write(f"  records: {persons}")
        for key, count in erasure.counts.items():
            self.stdout.write(f"  {key}: {count}")
