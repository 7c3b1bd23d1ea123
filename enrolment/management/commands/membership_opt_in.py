from __future__ import annotations

from enrolment.services import membership_opt_in

from ._membership_lookup import MembershipChangeCommand


class Command(MembershipChangeCommand):
    help = "Take a worker back into membership on their behalf (they phoned the union)."
    change = staticmethod(membership_opt_in)
