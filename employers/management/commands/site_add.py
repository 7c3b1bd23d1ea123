from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from employers.services import site_add
from unionroll.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Add a workplace (site) of a hirer."

    def add_arguments(self, parser):
        parser.add_argument("--hirer", required=True, metavar="KVK", help="the hirer's KvK number")
        parser.add_argument("--code", required=True, help="the hirer's own code for the site")
        parser.add_argument("--name", required=True)
        parser.add_argument("--sector", required=True, metavar="CODE")
        parser.add_argument("--address", default="")

    def handle(self, *args, **options):
        try:
            site = site_add(
                hirer_kvk=options["hirer"],
                code=options["code"],
                name=options["name"],
                sector_code=options["sector"],
                address=options["address"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Added site {site.code} ({site.name}) of {site.hirer.name}, sector {site.sector.code}."
        )
