"""Who read what: the access log of staff reads of one person's data (docs/enrolment.md, "Who
read what").

Every staff page and command that shows one person's data calls ``person_access_record`` once
per read, with the ids of the persons shown. The rows are append-only (a database trigger) and
hold ids, the staff member's name, the way in and a short non-personal ``detail``: never the
data read, never a search term.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from typing import Any

from employers.models import User
from enrolment.models import PERSON_ACCESS_COMMAND_LINE, PersonAccess
from unionroll.exceptions import Refused

DETAIL_MAX = PersonAccess._meta.get_field("detail").max_length
USERNAME_MAX = PersonAccess._meta.get_field("username").max_length


def person_access_record(
    *,
    user: Any | None,
    person_ids: Iterable[int | None],
    through: str,
    detail: str = "",
    username: str = "",
) -> list[PersonAccess]:
    """Record that ``user`` read the data of ``person_ids`` through ``through``, in one insert.

    One row per person, all with the same ``at`` (the transaction's time). A search that showed
    nobody still leaves a trace: one row without a person. ``user`` is None only on a command
    line (``PERSON_ACCESS_COMMAND_LINE``), where ``username`` says who ran it. Raises
    ValueError for a call the code should never make (an unknown ``through``, no "who").
    """
    if through not in PersonAccess.Through.values:
        raise ValueError(f"unknown access path {through!r}")
    if user is None:
        if through not in PERSON_ACCESS_COMMAND_LINE or not username:
            raise ValueError("a read without a logged-in user must be a command line's, named")
    else:
        username = user.get_username()
    # Once each, in the order shown: a page that names a person twice is one read of them.
    ids = list(dict.fromkeys(pk for pk in person_ids if pk is not None))
    if not ids:
        if through != PersonAccess.Through.SEARCH:
            return []
        ids = [None]
    rows = [
        PersonAccess(
            user=user,
            username=username[:USERNAME_MAX],
            person_id=pk,
            through=through,
            detail=detail[:DETAIL_MAX],
        )
        for pk in ids
    ]
    return PersonAccess.objects.bulk_create(rows)


def command_line_reader(staff: str | None) -> tuple[User | None, str]:
    """Who reads a person's data on a command line: the union staff user named by ``--staff``,
    else the operating-system account running it (``user`` None, ``username`` that account).
    Raises Refused if ``staff`` is not an active union staff user: agency and hirer users never
    read a member's data, here or anywhere."""
    if staff is None:
        try:
            return None, getpass.getuser()
        except (KeyError, OSError):
            # A container user without a name in /etc/passwd.
            return None, "unknown account"
    user = User.objects.filter(username=staff, is_active=True).first()
    if user is None or not user.is_union_admin:
        raise Refused("not_union_staff", "--staff must name an active union staff user.")
    return user, ""
