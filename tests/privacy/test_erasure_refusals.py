"""When an erasure is refused and from when it is possible; the command's output; the admin action,
refused to staff without the permission and to agency users."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.urls import reverse

from enrolment.models import Membership, Person
from enrolment.services import membership_opt_out
from levies.services import levies_assess, period_billing_issue
from privacy.erasure import erasure_refusal
from privacy.models import Erasure
from tests.employers.factories import UserFactory
from tests.levies.conftest import PE, PS, import_roster, make_scheme, worker

pytestmark = pytest.mark.django_db

IMPORTED = dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)
OPTED_OUT = dt.date(2026, 11, 11)


@pytest.fixture
def person(tmp_path, meat, flexwerk):
    make_scheme(meat, base="covered_workers")
    with time_machine.travel(IMPORTED, tick=False):
        import_roster(tmp_path, flexwerk, [worker(1), worker(2)])
    return Person.objects.order_by("pk").first()


def _leave(person):
    membership = Membership.objects.get(person=person)
    membership_opt_out(membership=membership, actor="member", reason="", today=OPTED_OUT)


def test_a_running_membership_is_refused_with_the_lapse_date(person, meat):
    refusal = erasure_refusal(person.pk, dt.date(2026, 11, 12))
    assert f"membership in {meat.name} is still running" in refusal
    # Last pay period ended 2026-11-08; 13 weeks later and a day.
    assert "at the earliest on 2027-02-08" in refusal


def test_a_period_not_assessed_is_refused_until_the_day_after(person):
    _leave(person)
    refusal = erasure_refusal(person.pk, dt.date(2026, 11, 12))
    assert refusal == (
        "Their pay period 2026-11-02 to 2026-11-08 is not billed yet; erasure is possible "
        "once it is, normally from 2026-11-13."
    )


def test_assessed_but_not_billed_is_refused(person):
    _leave(person)
    levies_assess(period_start=PS, period_end=PE, today=dt.date(2026, 11, 12))
    refusal = erasure_refusal(person.pk, dt.date(2026, 11, 12))
    assert "pay period 2026-11-02 to 2026-11-08 is not billed yet" in refusal
    period_billing_issue(period_start=PS, period_end=PE, issue_date=dt.date(2026, 11, 12))
    assert erasure_refusal(person.pk, dt.date(2026, 11, 12)) is None


def test_held_charges_wait_for_the_window(tmp_path, meat, flexwerk):
    make_scheme(meat)  # per member, held during the window
    with time_machine.travel(IMPORTED, tick=False):
        import_roster(tmp_path, flexwerk, [worker(1)])
    person = Person.objects.get()
    levies_assess(period_start=PS, period_end=PE, today=dt.date(2026, 11, 12))
    # Still inside the window: the membership runs and the charge is held.
    refusal = erasure_refusal(person.pk, dt.date(2026, 11, 12))
    assert "still running" in refusal
    assert "levy for the pay period 2026-11-02 to 2026-11-08 is held" in refusal


def test_the_command_prints_the_refusal_without_a_traceback(person):
    with pytest.raises(CommandError) as refused:
        call_command("person_erase", person=person.pk, reason="request by the member")
    assert "is still running" in str(refused.value)
    assert not Erasure.objects.exists()


def test_the_command_erases_and_prints_counts(person):
    _leave(person)
    levies_assess(period_start=PS, period_end=PE, today=dt.date(2026, 11, 12))
    period_billing_issue(period_start=PS, period_end=PE, issue_date=dt.date(2026, 11, 12))
    out = StringIO()
    call_command("person_erase", person=person.pk, reason="request", dry_run=True, stdout=out)
    assert out.getvalue().startswith(f"Dry run: erasing person #{person.pk} would change:")
    assert not Erasure.objects.exists()
    out = StringIO()
    call_command("person_erase", person=person.pk, reason="request", stdout=out)
    erasure = Erasure.objects.get()
    assert f"Person #{person.pk} erased (erasure #{erasure.pk}):" in out.getvalue()
    assert "  worker_numbers: 1" in out.getvalue()
    assert erasure.by_name and erasure.via == "command"
    person.refresh_from_db()
    assert person.erased_at is not None


def test_an_unknown_person(db):
    with pytest.raises(CommandError, match="no person"):
        call_command("person_erase", person=999999, reason="x")


# --- The admin action -------------------------------------------------------------------------


def _post(client, person, **extra):
    return client.post(
        reverse("admin:enrolment_person_changelist"),
        {"action": "erase_person", "_selected_action": [person.pk], **extra},
    )


def _billed(person):
    _leave(person)
    levies_assess(period_start=PS, period_end=PE, today=dt.date(2026, 11, 12))
    period_billing_issue(period_start=PS, period_end=PE, issue_date=dt.date(2026, 11, 12))


def _staff(with_permission: bool):
    user = UserFactory(organisation=None, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_person"))
    if with_permission:
        user.user_permissions.add(Permission.objects.get(codename="erase_person"))
    return user


def test_admin_confirmation_then_erasure(client, person):
    _billed(person)
    user = _staff(True)
    client.force_login(user)
    page = _post(client, person)
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Erase person #{person.pk}" in html and 'name="reason"' in html
    assert (
        "<script" not in html.split('id="content"')[1]
        and "style=" not in html.split('id="content"')[1]
    )
    assert not Erasure.objects.exists()
    done = _post(client, person, confirm="1", reason="request by the member")
    assert done.status_code == 302
    erasure = Erasure.objects.get()
    assert erasure.via == "admin" and erasure.by_user == user


def test_admin_without_a_reason_erases_nothing(client, person):
    _billed(person)
    client.force_login(_staff(True))
    page = _post(client, person, confirm="1", reason="  ")
    assert page.status_code == 200 and not Erasure.objects.exists()


def test_admin_shows_the_refusal(client, person):
    client.force_login(_staff(True))
    page = _post(client, person, confirm="1", reason="request")
    assert "Not possible yet." in page.content.decode()
    assert "still running" in page.content.decode()
    assert not Erasure.objects.exists()


def test_admin_action_refused_without_the_permission(client, person):
    _billed(person)
    client.force_login(_staff(False))
    page = client.get(reverse("admin:enrolment_person_changelist"))
    assert "erase_person" not in page.content.decode()
    _post(client, person, confirm="1", reason="request")
    assert not Erasure.objects.exists()


def test_admin_action_refused_to_agency_users(client, person, flexwerk):
    _billed(person)
    agency_user = UserFactory(organisation=flexwerk, is_staff=True)
    agency_user.user_permissions.add(Permission.objects.get(codename="erase_person"))
    client.force_login(agency_user)
    _post(client, person, confirm="1", reason="request")
    assert not Erasure.objects.exists()
    person.refresh_from_db()
    assert person.erased_at is None


def test_erasures_are_read_only_in_the_admin(client, person, ula):
    _billed(person)
    client.force_login(ula)
    _post(client, person, confirm="1", reason="request by the member")
    erasure = Erasure.objects.get()
    page = client.get(reverse("admin:privacy_erasure_change", args=[erasure.pk]))
    assert page.status_code == 200
    assert client.get(reverse("admin:privacy_erasure_add")).status_code == 403
