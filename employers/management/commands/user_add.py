from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError

from employers.selectors import organisation_by_kvk
from employers.services import user_add
from unionroll.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Add a login: staff of an agency or hirer (--organisation KVK) or union staff "
        "(--union-admin). The password comes from --password or is asked for."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        role = parser.add_mutually_exclusive_group(required=True)
        role.add_argument("--organisation", metavar="KVK")
        role.add_argument("--union-admin", action="store_true")
        parser.add_argument(
            "--password",
            help="for scripted set-up; otherwise you are asked (the shell history keeps it)",
        )

    def handle(self, *args, **options):
        organisation = None
        if options["organisation"]:
            organisation = organisation_by_kvk(options["organisation"])
            if organisation is None:
                raise CommandError(f"No organisation with KvK number {options['organisation']}.")
        password = options["password"]
        if password is None:
            password = self._ask_password()
        try:
            user = user_add(
                username=options["username"],
                email=options["email"],
                password=password,
                organisation=organisation,
                union_admin=options["union_admin"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        where = f"staff of {organisation.name}" if organisation else "union admin"
        self.stdout.write(f"Added user {user.username} ({where}).")

    def _ask_password(self) -> str:
        try:
            password = getpass.getpass("Password: ")
            again = getpass.getpass("Password (again): ")
        except (EOFError, KeyboardInterrupt) as exc:
            raise CommandError("No password given.") from exc
        if password != again:
            raise CommandError("The passwords do not match.")
        return password
