from __future__ import annotations

from employers.models import User
from enrolment.models import PossibleDuplicate


def possible_duplicate_confirm(*, duplicate: PossibleDuplicate, user: User) -> PossibleDuplicate:
    """Merge the newer person into the older: worker numbers, payroll lines, memberships."""
    raise NotImplementedError


def possible_duplicate_dismiss(*, duplicate: PossibleDuplicate, user: User) -> PossibleDuplicate:
    raise NotImplementedError
