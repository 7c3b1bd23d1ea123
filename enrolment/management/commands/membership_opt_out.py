from __future__ import annotations

from enrolment.services import membership_opt_out

from ._membership_lookup import MembershipChangeCommand


class Command(MembershipChangeCommand):
    help = "Opt a worker out of membership on their behalf (they phoned the union)."
    change = staticmethod(membership_opt_out)
