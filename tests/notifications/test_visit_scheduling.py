"""Scheduling, moving and cancelling workplace visits: the services and the admin pages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from employers.models import Organisation
from employers.services import organisation_add
from enrolment.models import Membership
from notifications.models import Notice, OrganisationNotice, WorkplaceVisit
from notifications.selectors import visit_notice_counts
from notifications.services import (
    notice_deliver,
    notices_dispatch_batch,
    visit_cancel,
    visit_reschedule,
    visit_schedule,
)
from tests.employers.factories import (
    HirerFactory,
    OrganisationFactory,
    SectorFactory,
    SiteFactory,
    UnionAdminFactory,
    UserFactory,
)
from tests.enrolment.factories import MembershipFactory, PersonFactory
from tests.notifications.factories import WorkplaceVisitFactory, recent_line
from unionroll.exceptions import ApplicationError

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
STARTS = dt.datetime(2026, 12, 3, 11, 0, tzinfo=dt.UTC)
ENDS = dt.datetime(2026, 12, 3, 13, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def site():
    return SiteFactory(
        hirer=HirerFactory(contact_email="receptie@vlees.example"),
        sector=SectorFactory(code="meat"),
    )


def worker_at(site, **person):
    membership = MembershipFactory(
        person=PersonFactory(**person), sector=site.sector, status=Membership.Status.ACTIVE
    )
    recent_line(person=membership.person, site=site)
    return membership


# --- Services -----------------------------------------------------------------------------------


def test_scheduling_stores_the_visit_at_version_one_with_the_default_notice_days(
    site, settings, django_capture_on_commit_callbacks
):
    settings.UNIONROLL_VISIT_NOTICE_DAYS = 5
    with django_capture_on_commit_callbacks() as callbacks:
        visit = visit_schedule(
            site=site, starts_at=STARTS, ends_at=ENDS, place=" Kantine ", languages=["pl", "pl"]
        )

    assert (visit.version, visit.status, visit.place) == (1, "scheduled", "Kantine")
    assert visit.languages == ["pl"]
    assert visit.notify_days_ahead == 5
    # The notices are recorded by a task queued on commit, not inside the transaction.
    assert len(callbacks) == 1
    assert not Notice.objects.exists()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"starts_at": NOW - dt.timedelta(hours=1)}, "visit_in_past"),
        ({"ends_at": STARTS}, "invalid_visit_time"),
        ({"place": "  "}, "invalid_visit_place"),
        ({"languages": ["pl", "xx"]}, "unknown_language"),
        ({"starts_at": dt.datetime(2026, 12, 3, 12, 0)}, "invalid_visit_time"),
    ],
)
def test_a_visit_that_cannot_be_held_as_given_is_refused(site, changes, code):
    arguments = {"site": site, "starts_at": STARTS, "ends_at": ENDS, "place": "Kantine"}

    with pytest.raises(ApplicationError) as error:
        visit_schedule(**arguments | changes)

    assert error.value.code == code
    assert not WorkplaceVisit.objects.exists()


def test_rescheduling_raises_the_version_and_a_change_to_nothing_does_not(site):
    visit = WorkplaceVisitFactory(site=site)

    same = visit_reschedule(visit_id=visit.pk, place=visit.place)
    moved = visit_reschedule(visit_id=visit.pk, starts_at=STARTS + dt.timedelta(hours=1))

    assert same.version == 1
    assert moved.version == 2
    assert moved.starts_at == STARTS + dt.timedelta(hours=1)


def test_a_change_on_top_of_someone_elses_change_is_refused(site):
    visit = WorkplaceVisitFactory(site=site)
    visit_reschedule(visit_id=visit.pk, place="Poort 3")

    with pytest.raises(ApplicationError) as error:
        visit_reschedule(visit_id=visit.pk, place="Poort 4", expected_version=1)

    assert error.value.code == "visit_changed"


def test_a_cancelled_visit_stays_cancelled_and_cannot_be_moved(site):
    visit = WorkplaceVisitFactory(site=site)

    first = visit_cancel(visit_id=visit.pk)
    second = visit_cancel(visit_id=visit.pk)

    assert (first.status, first.version, second.version) == ("cancelled", 2, 2)
    with pytest.raises(ApplicationError) as error:
        visit_reschedule(visit_id=visit.pk, place="Poort 3")
    assert error.value.code == "visit_cancelled"


def test_an_organisation_can_be_added_with_a_contact_address_for_visits():
    SectorFactory(code="meat")

    hirer = organisation_add(
        kvk="12345678",
        name="Vleesfabriek Oss B.V.",
        kind="hirer",
        sector_codes=["meat"],
        contact_email="receptie@vlees.example",
    )

    assert hirer.contact_email == "receptie@vlees.example"
    with pytest.raises(ApplicationError) as error:
        organisation_add(
            kvk="12345679", name="X", kind="hirer", sector_codes=["meat"], contact_email="nope"
        )
    assert error.value.code == "invalid_contact_email"


def test_notice_counts_are_per_channel_and_status_for_the_current_version(
    site, django_capture_on_commit_callbacks
):
    worker_at(site)
    worker_at(site, phone=None)
    worker_at(site, phone=None, email=None)
    worker_at(site)
    with django_capture_on_commit_callbacks(execute=True):
        visit = visit_schedule(site=site, starts_at=STARTS, ends_at=ENDS, place="Kantine")
    waiting = visit_notice_counts(visit=visit)
    notice_day = STARTS - dt.timedelta(days=2)
    with time_machine.travel(notice_day, tick=False):
        for notice_id in notices_dispatch_batch(now=notice_day)[:3]:
            notice_deliver(notice_id=notice_id, now=notice_day)

    counts = visit_notice_counts(visit=visit)

    assert waiting.by_group()["waiting"] == 4
    assert counts.total == 4
    assert counts.by_channel["sms"]["sent"] == 1
    assert counts.by_channel["email"]["sent"] == 1
    assert counts.by_channel["letter"]["queued_for_print"] == 1
    assert counts.by_channel["not yet chosen"]["waiting"] == 1


# --- Admin ----------------------------------------------------------------------------------------


def url(view: str, *args) -> str:
    return reverse(f"admin:notifications_workplacevisit_{view}", args=args)


@pytest.fixture
def ula(client):
    client.force_login(UnionAdminFactory(username="ula"))
    return client


def visit_form(site, **changes) -> dict:
    data = {
        "site": site.pk,
        "starts_at_0": "2026-12-03",
        "starts_at_1": "12:00:00",
        "ends_at_0": "2026-12-03",
        "ends_at_1": "14:00:00",
        "place": "Kantine, gebouw B",
        "languages": ["pl", "ro"],
        "note": "Koffie staat klaar.",
        "notify_days_ahead": "3",
    }
    return data | changes


def test_a_union_admin_schedules_a_visit_with_the_add_form_and_members_are_recorded(
    ula, site, django_capture_on_commit_callbacks
):
    membership = worker_at(site)

    with django_capture_on_commit_callbacks(execute=True):
        response = ula.post(url("add"), visit_form(site))

    assert response.status_code == 302
    visit = WorkplaceVisit.objects.get()
    assert visit.starts_at == STARTS
    assert visit.languages == ["pl", "ro"]
    assert visit.created_by.username == "ula"
    notice = Notice.objects.get(kind="visit")
    assert notice.membership_id == membership.pk
    # The hirer, and the agency on whose payroll the worker was there.
    agency_id = membership.person.payroll_lines.get().organisation_id
    assert set(OrganisationNotice.objects.values_list("organisation_id", flat=True)) == {
        site.hirer_id,
        agency_id,
    }


def test_the_add_form_shows_why_a_visit_cannot_be_held(ula, site):
    response = ula.post(
        url("add"), visit_form(site, starts_at_0="2026-11-01", ends_at_0="2026-11-01")
    )

    assert response.status_code == 200
    assert "A visit cannot start in the past." in response.content.decode()
    assert not WorkplaceVisit.objects.exists()


def test_changing_the_place_in_the_admin_reschedules_the_visit(
    ula, site, django_capture_on_commit_callbacks
):
    worker_at(site)
    with django_capture_on_commit_callbacks(execute=True):
        visit = visit_schedule(site=site, starts_at=STARTS, ends_at=ENDS, place="Kantine")

    with django_capture_on_commit_callbacks(execute=True):
        response = ula.post(url("change", visit.pk), visit_form(site, place="Poort 3"))

    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.place, visit.version) == ("Poort 3", 2)
    # Nobody had been told yet: the waiting v1 notice is replaced by one for v2.
    assert Notice.objects.get(subject=f"visit:{visit.pk}:v1").status == "cancelled"
    assert Notice.objects.get(subject=f"visit:{visit.pk}:v2").data["visit"]["place"] == "Poort 3"


def test_a_change_saved_on_an_outdated_form_is_refused_and_changes_nothing(
    ula, site, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        visit = visit_schedule(site=site, starts_at=STARTS, ends_at=ENDS, place="Kantine")
    opened = ula.get(url("change", visit.pk)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        ula.post(url("change", visit.pk), visit_form(site, place="Poort 3", seen_version="1"))

    response = ula.post(url("change", visit.pk), visit_form(site, place="Hal 2", seen_version="1"))

    assert 'name="seen_version" value="1"' in opened
    assert response.status_code == 200
    assert "Someone changed this visit after you opened it" in response.content.decode()
    visit.refresh_from_db()
    assert (visit.place, visit.version) == ("Poort 3", 2)


def test_the_cancel_action_cancels_the_visits_and_tells_the_organisations(
    ula, site, django_capture_on_commit_callbacks
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        visit = visit_schedule(site=site, starts_at=STARTS, ends_at=ENDS, place="Kantine")

    with django_capture_on_commit_callbacks(execute=True):
        response = ula.post(
            url("changelist"), {"action": "cancel_visits", "_selected_action": [visit.pk]}
        )

    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == "cancelled"
    assert "gaat niet door" in mail.outbox[-1].subject


def test_the_change_page_and_list_show_notice_counts_without_member_names(
    ula, site, django_capture_on_commit_callbacks
):
    membership = worker_at(site, first_name="Ioana", last_name="Popescu")
    with django_capture_on_commit_callbacks(execute=True):
        visit = visit_schedule(site=site, starts_at=STARTS, ends_at=ENDS, place="Kantine")

    change = ula.get(url("change", visit.pk)).content.decode()
    changelist = ula.get(url("changelist")).content.decode()

    assert "member notices by channel" in change.lower()
    assert "<th>not yet chosen</th><td>1</td>" in change
    assert site.hirer.name in change
    assert "1 waiting" in changelist
    # The agency of the worker's line has no address: its notice failed.
    assert "1 of 2 sent" in changelist
    for page in (change, changelist):
        assert membership.person.last_name not in page


@pytest.mark.parametrize("who", ["agency_user", "staff_of_an_organisation", "anonymous"])
def test_only_union_admins_reach_the_visit_admin(client, site, who):
    visit = WorkplaceVisitFactory(site=site)
    if who == "agency_user":
        client.force_login(UserFactory(organisation=OrganisationFactory()))
    elif who == "staff_of_an_organisation":
        client.force_login(
            UserFactory(organisation=OrganisationFactory(), is_staff=True, is_superuser=True)
        )

    responses = [
        client.get(url("changelist")),
        client.get(url("change", visit.pk)),
        client.post(url("add"), visit_form(site)),
    ]

    for response in responses:
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "/login/" in response["Location"]
    assert WorkplaceVisit.objects.count() == 1


def test_the_organisation_admin_edits_the_visit_contact_address(ula):
    hirer = HirerFactory(contact_email="")

    response = ula.get(reverse("admin:employers_organisation_change", args=[hirer.pk]))

    assert response.status_code == 200
    assert 'name="contact_email"' in response.content.decode()
    assert Organisation.objects.get(pk=hirer.pk).contact_email == ""


def test_a_union_admin_can_open_the_access_notice_pages(
    ula, site, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        visit_schedule(site=site, starts_at=STARTS, ends_at=ENDS, place="Kantine")
    notice = OrganisationNotice.objects.get()

    changelist = ula.get(reverse("admin:notifications_organisationnotice_changelist"))
    change = ula.get(reverse("admin:notifications_organisationnotice_change", args=[notice.pk]))

    assert changelist.status_code == change.status_code == 200
    assert site.hirer.name in changelist.content.decode()
