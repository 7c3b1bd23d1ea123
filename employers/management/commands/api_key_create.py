from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from employers.selectors import organisation_by_kvk
from employers.services import api_key_create
from unionroll.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Create an API key for an organisation. The key is printed once and never again."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, metavar="KVK")
        parser.add_argument("--name", required=True, help="what the key is for, e.g. 'payroll'")

    def handle(self, *args, **options):
        organisation = organisation_by_kvk(options["organisation"])
        if organisation is None:
            raise CommandError(f"No organisation with KvK number {options['organisation']}.")
        try:
            api_key, raw_key = api_key_create(organisation=organisation, name=options["name"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Created API key {api_key.prefix} ({api_key.name}) for {organisation.name}."
        )
        self.stdout.write(raw_key)
        self.stdout.write(
            "Store this key now: it is not shown again. Revoke it with "
            f"`manage.py api_key_revoke --prefix {api_key.prefix}`."
        )
