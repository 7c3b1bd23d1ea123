from __future__ import annotations

import datetime as dt
import re

import pytest

from enrolment.models import Membership, MembershipEvent, Person
from enrolment.selectors import membership_state_from_events
from enrolment.services import membership_opt_in, membership_opt_out, memberships_advance
from tests.employers.factories import SectorFactory, UnionAdminFactory
from unionroll.exceptions import ApplicationError

pytestmark = pytest.mark.django_db


@pytest.fixture
def membership():
    person = Person.objects.create(
        first_name="Ioana",
        last_name="Popescu",
        first_name_key="ioana",
        last_name_key="popescu",
        date_of_birth=dt.date(1991, 3, 4),
    )
    m = Membership.objects.create(
        person=person,
        sector=SectorFactory(),
        status="enrolled",
        covered_from=dt.date(2026, 11, 2),
        enrolled_on=dt.date(2026, 11, 20),
        window_ends=dt.date(2026, 12, 20),
        last_seen_period_end=dt.date(2026, 11, 8),
    )
    MembershipEvent.objects.create(
        membership=m, from_status=None, to_status="enrolled", actor="upload", reason="test"
    )
    return m


def test_opt_out_inside_the_window_voids_the_membership_from_the_start(membership):
    membership_opt_out(
        membership=membership, actor="member", reason="portal", today=dt.date(2026, 12, 20)
    )

    membership.refresh_from_db()
    assert membership.status == "opted_out"
    assert membership.void is True
    assert membership.ended_on == membership.covered_from
    event = membership.events.last()
    receipt = event.data.pop("receipt")  # a member's own leave: a number for the screen
    assert re.fullmatch(r"L-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", receipt)
    assert event.data == {"void": True, "ended_on": "2026-11-02", "spell": 1}


def test_opt_out_after_the_window_ends_the_membership_that_day(membership):
    memberships_advance(today=dt.date(2026, 12, 21))
    membership.refresh_from_db()
    assert membership.status == "active"

    membership_opt_out(
        membership=membership, actor="admin", reason="phoned", today=dt.date(2027, 1, 5)
    )

    membership.refresh_from_db()
    assert membership.void is False
    assert membership.ended_on == dt.date(2027, 1, 5)


def test_opting_out_twice_is_refused_and_writes_nothing(membership):
    membership_opt_out(membership=membership, actor="member", reason="portal")
    events = MembershipEvent.objects.count()

    with pytest.raises(ApplicationError) as exc:
        membership_opt_out(membership=membership, actor="member", reason="portal")

    assert exc.value.code == "membership_not_active"
    assert MembershipEvent.objects.count() == events


def test_opt_in_returns_without_a_window_and_becomes_active(membership):
    admin = UnionAdminFactory()
    membership_opt_out(membership=membership, actor="member", reason="portal")

    membership_opt_in(membership=membership, actor="admin", reason="phoned", user=admin)
    membership.refresh_from_db()
    assert membership.status == "opted_in"
    assert membership.window_ends is None
    assert membership.events.last().actor_user == admin

    memberships_advance()
    membership.refresh_from_db()
    assert membership.status == "active"
    assert membership_state_from_events(membership) == "active"


def test_window_stays_open_through_its_last_day(membership):
    result = memberships_advance(today=dt.date(2026, 12, 20))

    membership.refresh_from_db()
    assert membership.status == "enrolled"
    assert result["windows_closed"] == 0


def test_membership_lapses_after_thirteen_weeks_without_payroll(membership):
    memberships_advance(today=dt.date(2027, 2, 7))  # 13 weeks after 8 Nov, to the day
    membership.refresh_from_db()
    assert membership.status == "active"

    result = memberships_advance(today=dt.date(2027, 2, 8))

    membership.refresh_from_db()
    assert membership.status == "lapsed"
    assert result["lapsed"] == 1
    assert membership.events.last().reason == "no_recent_payroll"


def test_advancing_twice_changes_nothing_the_second_time(membership):
    memberships_advance(today=dt.date(2026, 12, 21))
    events = MembershipEvent.objects.count()

    result = memberships_advance(today=dt.date(2026, 12, 21))

    assert result == {"windows_closed": 0, "opt_ins_activated": 0, "lapsed": 0}
    assert MembershipEvent.objects.count() == events
