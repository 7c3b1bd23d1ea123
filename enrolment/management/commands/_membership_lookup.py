"""What membership_show, membership_opt_out and membership_opt_in share: finding the membership."""

from __future__ import annotations

from django.core.management.base import CommandError, CommandParser

from employers.selectors import organisation_by_kvk
from enrolment.models import Membership
from enrolment.selectors import membership_find


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
