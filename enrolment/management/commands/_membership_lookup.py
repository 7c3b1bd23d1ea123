"""What membership_show, membership_opt_out and membership_opt_in share: finding the membership."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from employers.selectors import organisation_by_kvk
from enrolment.models import Membership, MembershipEvent
from enrolment.selectors import membership_find
from unionroll.exceptions import ApplicationError


def add_lookup_arguments(parser: CommandParser) -> None:
    parser.add_argument("--organisation", required=True, metavar="KVK")
    parser.add_argument(
        "--worker-number", required=True, metavar="N", help="the organisation's own number"
    )


def find_membership(options: dict) -> Membership:
    organisation = organisation_by_kvk(options["organisation"])
    if organisation is None:
        raise CommandError(f"No organisation with KvK number {options['organisation']}.")
    membership = membership_find(
        organisation_kvk=organisation.kvk, worker_number=options["worker_number"].strip()
    )
    if membership is None:
        # The worker number stays out of the message: error texts end up in logs.
        raise CommandError(
            f"{organisation.name} has no worker with that worker number, "
            "or the worker has no membership."
        )
    return membership


class MembershipChangeCommand(BaseCommand):
    """A change made by union staff on a member's behalf (they phoned the union)."""

    @staticmethod
    def change(**kwargs):  # the service, set by each command
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        add_lookup_arguments(parser)
        parser.add_argument("--reason", required=True, help="why, as the member said it")

    def handle(self, *args, **options) -> None:
        reason = options["reason"].strip()
        if not reason:
            raise CommandError("Give a reason.")
        membership = find_membership(options)
        try:
            # Union staff on the phone act for the member; there is no logged-in user here.
            membership = self.change(
                membership=membership, actor=MembershipEvent.Actor.ADMIN, reason=reason
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Membership #{membership.pk} is now {membership.get_status_display().lower()}."
        )
