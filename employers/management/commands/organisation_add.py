from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from employers.models import Organisation
from employers.services import organisation_add
from unionroll.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Register an agency (employer) or a hirer (inlener) with the sectors it works in."

    def add_arguments(self, parser):
        parser.add_argument("--kvk", required=True, help="KvK number (8 digits)")
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", required=True, choices=Organisation.Kind.values)
        parser.add_argument(
            "--sector",
            dest="sectors",
            action="append",
            required=True,
            metavar="CODE",
            help="sector code; repeat for each sector",
        )
        parser.add_argument("--address", default="")
        parser.add_argument(
            "--billing-email", default="", help="where payment reminders for its invoices go"
        )

    def handle(self, *args, **options):
        try:
            organisation = organisation_add(
                kvk=options["kvk"],
                name=options["name"],
                kind=options["kind"],
                sector_codes=options["sectors"],
                address=options["address"],
                billing_email=options["billing_email"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        sectors = ", ".join(organisation.sectors.values_list("code", flat=True))
        self.stdout.write(
            f"Added {organisation.get_kind_display().lower()} {organisation.name} "
            f"(KvK {organisation.kvk}), sectors: {sectors}."
        )
