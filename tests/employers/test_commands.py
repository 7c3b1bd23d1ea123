"""The union staff's command-line tools: thin over the services, plain messages, exit codes."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from employers.models import ApiKey, Organisation, Sector, Site, User
from employers.selectors import api_key_authenticate
from employers.services import api_key_create
from enrolment.models import Membership, MembershipEvent
from tests.employers.factories import HirerFactory, OrganisationFactory, SectorFactory
from tests.enrolment.factories import MembershipFactory, WorkerNumberFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase 7"


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def refused(*args: str) -> CommandError:
    with pytest.raises(CommandError) as exc:
        run(*args)
    return exc.value


def usage_exit_code(*argv: str) -> int:
    # As from a shell: argparse reports wrong usage itself and exits 2.
    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["manage.py", *argv])
    return exc.value.code


# sector_add


def test_sector_add_command_creates_a_covered_sector():
    out = run(
        "sector_add",
        "--code",
        "meat",
        "--name",
        "Meat processing",
        "--collective-agreement",
        "CAO Vleessector",
    )

    sector = Sector.objects.get(code="meat")
    assert sector.collective_agreement == "CAO Vleessector"
    assert sector.policy.covered is True
    assert "Added sector meat" in out


def test_sector_add_command_not_covered():
    run("sector_add", "--code", "retail", "--name", "Retail", "--not-covered")

    assert Sector.objects.get(code="retail").policy.covered is False


def test_sector_add_command_refuses_an_existing_code_with_exit_code_1():
    run("sector_add", "--code", "meat", "--name", "Meat processing")

    error = refused("sector_add", "--code", "meat", "--name", "Other")

    assert str(error) == "A sector with code meat already exists."
    assert error.returncode == 1


def test_sector_add_command_without_a_name_is_wrong_usage(capsys):
    assert usage_exit_code("sector_add", "--code", "meat") == 2
    assert "--name" in capsys.readouterr().err
    assert not Sector.objects.exists()


# organisation_add


def test_organisation_add_command_takes_repeated_sectors():
    SectorFactory(code="meat")
    SectorFactory(code="dc", name="Distribution centres")

    out = run(
        "organisation_add",
        "--kvk",
        "12345678",
        "--name",
        "Flexwerk B.V.",
        "--kind",
        "agency",
        "--sector",
        "meat",
        "--sector",
        "dc",
        "--address",
        "Stationsplein 1",
    )

    organisation = Organisation.objects.get(kvk="12345678")
    assert organisation.kind == "agency"
    assert set(organisation.sectors.values_list("code", flat=True)) == {"meat", "dc"}
    assert organisation.address == "Stationsplein 1"
    assert "Flexwerk B.V." in out and "12345678" in out


def test_organisation_add_command_refuses_a_bad_kvk_number():
    SectorFactory(code="meat")

    error = refused(
        "organisation_add", "--kvk", "1234", "--name", "X", "--kind", "agency", "--sector", "meat"
    )

    assert str(error) == "A KvK number has exactly 8 digits."
    assert error.returncode == 1
    assert not Organisation.objects.exists()


def test_organisation_add_command_refuses_an_unknown_sector():
    error = refused(
        "organisation_add",
        "--kvk",
        "12345678",
        "--name",
        "X",
        "--kind",
        "hirer",
        "--sector",
        "fishing",
    )

    assert "fishing" in str(error)


def test_organisation_add_command_refuses_an_unknown_kind_as_wrong_usage():
    SectorFactory(code="meat")

    code = usage_exit_code(
        "organisation_add",
        "--kvk",
        "12345678",
        "--name",
        "X",
        "--kind",
        "union",
        "--sector",
        "meat",
    )

    assert code == 2
    assert not Organisation.objects.exists()


# site_add


def test_site_add_command_adds_a_site_to_a_hirer():
    HirerFactory(kvk="87654321", name="Vleesverwerking Oost B.V.")
    SectorFactory(code="meat")

    out = run(
        "site_add",
        "--hirer",
        "87654321",
        "--code",
        "BOX1",
        "--name",
        "Boxtel plant",
        "--sector",
        "meat",
        "--address",
        "Industrieweg 1",
    )

    site = Site.objects.get(code="BOX1")
    assert site.hirer.kvk == "87654321"
    assert site.address == "Industrieweg 1"
    assert "Boxtel plant" in out and "Vleesverwerking Oost B.V." in out


def test_site_add_command_refuses_an_agency():
    OrganisationFactory(kvk="12345678", name="Flexwerk B.V.")
    SectorFactory(code="meat")

    error = refused(
        "site_add", "--hirer", "12345678", "--code", "BOX1", "--name", "Boxtel", "--sector", "meat"
    )

    assert "not registered as a hirer" in str(error)
    assert not Site.objects.exists()


# api_key_create / api_key_revoke


def test_api_key_create_command_prints_a_working_key_once():
    agency = OrganisationFactory(kvk="12345678")

    out = run("api_key_create", "--organisation", "12345678", "--name", "payroll system")

    api_key = ApiKey.objects.get(organisation=agency)
    raw_key = next(line for line in out.splitlines() if line.startswith("ur_"))
    assert api_key_authenticate(raw_key) == api_key
    assert "not shown again" in out
    assert api_key.name == "payroll system"


def test_api_key_create_command_refuses_an_unknown_organisation():
    error = refused("api_key_create", "--organisation", "99999999", "--name", "x")

    assert str(error) == "No organisation with KvK number 99999999."
    assert not ApiKey.objects.exists()


def test_api_key_revoke_command_revokes_the_key():
    api_key, raw_key = api_key_create(organisation=OrganisationFactory(), name="payroll")

    out = run("api_key_revoke", "--prefix", api_key.prefix)

    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert api_key_authenticate(raw_key) is None
    assert f"Revoked API key {api_key.prefix}" in out


def test_api_key_revoke_command_says_when_a_key_was_already_revoked():
    api_key, _ = api_key_create(organisation=OrganisationFactory(), name="payroll")
    run("api_key_revoke", "--prefix", api_key.prefix)

    out = run("api_key_revoke", "--prefix", api_key.prefix)

    assert "already revoked" in out


def test_api_key_revoke_command_refuses_an_unknown_prefix():
    error = refused("api_key_revoke", "--prefix", "deadbeef")

    assert str(error) == "No API key with prefix deadbeef."


# user_add


def test_user_add_command_creates_agency_staff_with_the_given_password():
    agency = OrganisationFactory(kvk="12345678")

    out = run(
        "user_add",
        "--username",
        "payroll",
        "--email",
        "payroll@flexwerk.nl",
        "--organisation",
        "12345678",
        "--password",
        PASSWORD,
    )

    user = User.objects.get(username="payroll")
    assert user.organisation == agency
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    assert "Added user payroll" in out


def test_user_add_command_asks_for_the_password_when_not_given(monkeypatch):
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))

    run("user_add", "--username", "anna", "--email", "anna@union.nl", "--union-admin")

    user = User.objects.get(username="anna")
    assert user.is_union_admin
    assert user.check_password(PASSWORD)


def test_user_add_command_refuses_passwords_that_do_not_match(monkeypatch):
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))

    error = refused("user_add", "--username", "anna", "--email", "a@union.nl", "--union-admin")

    assert str(error) == "The passwords do not match."
    assert not User.objects.exists()


def test_user_add_command_refuses_a_weak_password():
    error = refused(
        "user_add",
        "--username",
        "anna",
        "--email",
        "a@union.nl",
        "--union-admin",
        "--password",
        "password",
    )

    assert "too common" in str(error)
    assert not User.objects.exists()


def test_user_add_command_needs_an_organisation_or_union_admin():
    assert (
        usage_exit_code("user_add", "--username", "a", "--email", "a@x.nl", "--password", PASSWORD)
        == 2
    )
    assert (
        usage_exit_code(
            "user_add",
            "--username",
            "a",
            "--email",
            "a@x.nl",
            "--union-admin",
            "--organisation",
            "12345678",
        )
        == 2
    )
    assert not User.objects.exists()


# membership_show / membership_opt_out / membership_opt_in


@pytest.fixture
def agency():
    return OrganisationFactory(kvk="12345678", name="Flexwerk B.V.", sectors=[SectorFactory()])


@pytest.fixture
def membership(agency):
    membership = MembershipFactory(sector=agency.sectors.get(), window_ends=dt.date(2026, 12, 10))
    WorkerNumberFactory(organisation=agency, worker_number="0042", person=membership.person)
    return membership


def test_membership_show_json_has_status_window_and_events(membership):
    out = run("membership_show", "--organisation", "12345678", "--worker-number", "0042", "--json")

    shown = json.loads(out)
    assert shown["status"] == "enrolled"
    assert shown["window_ends"] == "2026-12-10"
    assert len(shown["events"]) == 1
    event = shown["events"][0]
    assert {"from_status", "to_status", "occurred_at", "actor", "reason"} <= set(event)
    assert event["from_status"] is None
    assert event["to_status"] == "enrolled"
    assert dt.datetime.fromisoformat(event["occurred_at"])


def test_membership_show_prints_a_readable_summary(membership):
    out = run("membership_show", "--organisation", "12345678", "--worker-number", "0042")

    assert f"Membership #{membership.pk}" in out
    assert "Status:" in out and "enrolled" in out
    assert "Opt-out window ends:" in out and "2026-12-10" in out
    assert "- -> enrolled" in out


def test_membership_show_refuses_an_unknown_organisation(membership):
    error = refused("membership_show", "--organisation", "99999999", "--worker-number", "0042")

    assert str(error) == "No organisation with KvK number 99999999."
    assert error.returncode == 1


def test_membership_show_for_an_unknown_worker_number_does_not_repeat_it(agency, membership):
    error = refused("membership_show", "--organisation", "12345678", "--worker-number", "77123")

    assert "Flexwerk B.V. has no worker with that worker number" in str(error)
    assert "77123" not in str(error)
    assert error.returncode == 1


def test_membership_show_does_not_look_across_organisations(membership):
    OrganisationFactory(kvk="23456789")

    error = refused("membership_show", "--organisation", "23456789", "--worker-number", "0042")

    assert "no worker with that worker number" in str(error)


def test_membership_opt_out_command_opts_out_as_admin_and_records_the_reason(membership):
    out = run(
        "membership_opt_out",
        "--organisation",
        "12345678",
        "--worker-number",
        "0042",
        "--reason",
        "phoned: does not want to be a member",
    )

    membership.refresh_from_db()
    assert membership.status == Membership.Status.OPTED_OUT
    event = membership.events.order_by("id").last()
    assert event.actor == MembershipEvent.Actor.ADMIN
    assert event.actor_user is None
    assert "phoned: does not want to be a member" in (event.reason, event.note)
    assert "opted out" in out


def test_membership_opt_out_command_twice_is_refused_with_exit_code_1(membership):
    args = (
        "membership_opt_out",
        "--organisation",
        "12345678",
        "--worker-number",
        "0042",
        "--reason",
        "phoned",
    )
    run(*args)
    events = MembershipEvent.objects.count()

    error = refused(*args)

    assert error.returncode == 1
    assert "already ended" in str(error)
    assert MembershipEvent.objects.count() == events


def test_membership_opt_in_command_brings_an_opted_out_member_back(membership):
    run(
        "membership_opt_out",
        "--organisation",
        "12345678",
        "--worker-number",
        "0042",
        "--reason",
        "phoned",
    )

    out = run(
        "membership_opt_in",
        "--organisation",
        "12345678",
        "--worker-number",
        "0042",
        "--reason",
        "changed their mind",
    )

    membership.refresh_from_db()
    assert membership.status == Membership.Status.OPTED_IN
    event = membership.events.order_by("id").last()
    assert (event.from_status, event.to_status) == ("opted_out", "opted_in")
    assert event.actor == MembershipEvent.Actor.ADMIN
    assert "opted back in" in out


def test_membership_opt_out_command_needs_a_reason(membership):
    code = usage_exit_code(
        "membership_opt_out", "--organisation", "12345678", "--worker-number", "0042"
    )

    assert code == 2
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ENROLLED
