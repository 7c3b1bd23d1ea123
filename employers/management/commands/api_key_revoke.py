from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from employers.selectors import api_key_by_prefix
from employers.services import api_key_revoke
from unionroll.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Revoke an API key, identified by its prefix (the 8 characters after 'ur_')."

    def add_arguments(self, parser):
        parser.add_argument("--prefix", required=True)

    def handle(self, *args, **options):
        api_key = api_key_by_prefix(options["prefix"])
        if api_key is None:
            raise CommandError(f"No API key with prefix {options['prefix']}.")
        if api_key.revoked_at is not None:
            revoked = f"{api_key.revoked_at:%Y-%m-%d %H:%M}"
            self.stdout.write(f"API key {api_key.prefix} was already revoked at {revoked}.")
            return
        try:
            api_key = api_key_revoke(api_key=api_key)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Revoked API key {api_key.prefix} ({api_key.name}) of {api_key.organisation.name}."
        )
