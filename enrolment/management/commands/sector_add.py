from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from enrolment.services import sector_add
from unionroll.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Add a sector and its enrolment policy (covered unless --not-covered)."

    def add_arguments(self, parser):
        parser.add_argument("--code", required=True, help="short code, e.g. meat")
        parser.add_argument("--name", required=True)
        parser.add_argument("--collective-agreement", default="", help="name of the sector CAO")
        parser.add_argument(
            "--not-covered",
            action="store_true",
            help="register the sector without default membership",
        )

    def handle(self, *args, **options):
        try:
            sector = sector_add(
                code=options["code"],
                name=options["name"],
                collective_agreement=options["collective_agreement"],
                covered=not options["not_covered"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        covered = "covered" if not options["not_covered"] else "not covered"
        self.stdout.write(f"Added sector {sector.code} ({sector.name}), {covered}.")
