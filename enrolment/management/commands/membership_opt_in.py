from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from enrolment.models import MembershipEvent
from enrolment.services import membership_opt_in
from unionroll.exceptions import ApplicationError

from ._membership_lookup import add_lookup_arguments, find_membership


class Command(BaseCommand):
    help = "Take a worker back into membership on their behalf (they phoned the union)."

    def add_arguments(self, parser):
        add_lookup_arguments(parser)
        parser.add_argument("--reason", required=True, help="why, as the member said it")

    def handle(self, *args, **options):
        reason = options["reason"].strip()
        if not reason:
            raise CommandError("Give a reason.")
        membership = find_membership(options)
        try:
            # Union staff on the phone act for the member; there is no logged-in user here.
            membership = membership_opt_in(
                membership=membership, actor=MembershipEvent.Actor.ADMIN, reason=reason
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Membership #{membership.pk} is now {membership.get_status_display().lower()}."
        )
