from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from employers.models import ApiKey, Organisation, Sector, Site, User
from employers.selectors import api_key_authenticate, organisation_by_kvk
from employers.services import (
    api_key_create,
    api_key_revoke,
    organisation_add,
    site_add,
    user_add,
)
from enrolment.models import EnrolmentPolicy
from enrolment.services import sector_add
from tests.employers.factories import (
    HirerFactory,
    OrganisationFactory,
    SectorFactory,
    UnionAdminFactory,
)
from unionroll.exceptions import ApplicationError

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase 7"


def error_code(call, **kwargs) -> str:
    with pytest.raises(ApplicationError) as exc:
        call(**kwargs)
    return exc.value.code


# Sectors


def test_sector_add_creates_the_sector_with_a_default_policy():
    sector = sector_add(code="meat", name="Meat processing", collective_agreement="CAO Vlees")

    policy = EnrolmentPolicy.objects.get(sector=sector)
    assert sector.collective_agreement == "CAO Vlees"
    assert policy.covered is True
    assert policy.minimum_age == 16
    assert policy.opt_out_window_months == 1
    assert policy.reenrol_after_days is None


def test_sector_add_can_register_a_sector_without_default_membership():
    sector = sector_add(code="retail", name="Retail", covered=False)

    assert sector.policy.covered is False


def test_sector_add_refuses_an_existing_code_and_leaves_it_unchanged():
    sector_add(code="meat", name="Meat processing")

    assert error_code(sector_add, code="meat", name="Something else") == "sector_exists"
    assert EnrolmentPolicy.objects.count() == 1
    assert Sector.objects.get(code="meat").name == "Meat processing"


def test_sector_add_refuses_a_code_with_spaces():
    assert error_code(sector_add, code="meat plants", name="Meat") == "invalid_sector_code"


# Organisations


def test_organisation_add_registers_an_agency_in_its_sectors():
    meat = SectorFactory(code="meat")
    dc = SectorFactory(code="dc", name="Distribution centres")

    agency = organisation_add(
        kvk="12345678",
        name="Flexwerk B.V.",
        kind="agency",
        sector_codes=["meat", "dc"],
        address="Stationsplein 1, Tilburg",
    )

    assert agency.kind == Organisation.Kind.AGENCY
    assert set(agency.sectors.all()) == {meat, dc}
    assert agency.address == "Stationsplein 1, Tilburg"
    assert organisation_by_kvk("12345678") == agency


@pytest.mark.parametrize("kvk", ["1234567", "123456789", "1234567a", "", "12 345 678"])
def test_organisation_add_refuses_a_kvk_number_that_is_not_8_digits(kvk):
    SectorFactory(code="meat")

    code = error_code(organisation_add, kvk=kvk, name="X", kind="agency", sector_codes=["meat"])

    assert code == "invalid_kvk"
    assert not Organisation.objects.exists()


def test_organisation_add_refuses_an_unknown_sector_and_names_it():
    SectorFactory(code="meat")

    with pytest.raises(ApplicationError) as exc:
        organisation_add(kvk="12345678", name="X", kind="agency", sector_codes=["meat", "fishing"])

    assert exc.value.code == "unknown_sector"
    assert exc.value.detail == {"sectors": ["fishing"]}
    assert not Organisation.objects.exists()


def test_organisation_add_refuses_a_kvk_number_that_is_already_registered():
    SectorFactory(code="meat")
    OrganisationFactory(kvk="12345678")

    code = error_code(
        organisation_add, kvk="12345678", name="Y", kind="hirer", sector_codes=["meat"]
    )

    assert code == "organisation_exists"
    assert Organisation.objects.count() == 1


def test_organisation_add_refuses_an_unknown_kind():
    SectorFactory(code="meat")

    code = error_code(
        organisation_add, kvk="12345678", name="Y", kind="union", sector_codes=["meat"]
    )

    assert code == "invalid_kind"


def test_organisation_by_kvk_is_none_for_an_unknown_number():
    assert organisation_by_kvk("99999999") is None


# Sites


def test_site_add_adds_a_workplace_to_a_hirer():
    hirer = HirerFactory(kvk="87654321")
    SectorFactory(code="meat")

    site = site_add(
        hirer_kvk="87654321", code="BOX1", name="Boxtel plant", sector_code="meat", address="A 1"
    )

    assert site.hirer == hirer
    assert site.sector.code == "meat"
    assert site.address == "A 1"


def test_site_add_refuses_an_unknown_hirer():
    SectorFactory(code="meat")

    code = error_code(
        site_add, hirer_kvk="87654321", code="BOX1", name="Boxtel", sector_code="meat"
    )

    assert code == "unknown_hirer"


def test_site_add_refuses_an_agency_as_hirer():
    OrganisationFactory(kvk="12345678", kind=Organisation.Kind.AGENCY)
    SectorFactory(code="meat")

    code = error_code(
        site_add, hirer_kvk="12345678", code="BOX1", name="Boxtel", sector_code="meat"
    )

    assert code == "not_a_hirer"
    assert not Site.objects.exists()


def test_site_add_refuses_a_code_the_hirer_already_uses_but_another_hirer_may_use_it():
    HirerFactory(kvk="87654321")
    HirerFactory(kvk="87654322")
    SectorFactory(code="meat")
    site_add(hirer_kvk="87654321", code="BOX1", name="Boxtel", sector_code="meat")

    code = error_code(
        site_add, hirer_kvk="87654321", code="BOX1", name="Boxtel 2", sector_code="meat"
    )
    other = site_add(hirer_kvk="87654322", code="BOX1", name="Other", sector_code="meat")

    assert code == "site_exists"
    assert other.code == "BOX1"
    assert Site.objects.count() == 2


def test_site_add_refuses_an_unknown_sector():
    HirerFactory(kvk="87654321")

    code = error_code(
        site_add, hirer_kvk="87654321", code="BOX1", name="Boxtel", sector_code="nope"
    )

    assert code == "unknown_sector"


# Users


def test_user_add_creates_organisation_staff_without_admin_access():
    agency = OrganisationFactory()

    user = user_add(
        username="payroll", email="payroll@flexwerk.nl", password=PASSWORD, organisation=agency
    )

    assert user.organisation == agency
    assert user.is_staff is False
    assert user.is_union_admin is False
    assert user.check_password(PASSWORD)


def test_user_add_creates_a_union_admin_as_superuser_without_organisation():
    user = user_add(username="anna", email="anna@union.nl", password=PASSWORD, union_admin=True)

    assert user.is_union_admin is True
    assert user.is_superuser is True


def test_user_add_needs_exactly_one_of_organisation_and_union_admin():
    agency = OrganisationFactory()

    neither = error_code(user_add, username="a", email="a@x.nl", password=PASSWORD)
    both = error_code(
        user_add,
        username="a",
        email="a@x.nl",
        password=PASSWORD,
        organisation=agency,
        union_admin=True,
    )

    assert neither == both == "invalid_user_role"
    assert not User.objects.exists()


def test_user_add_refuses_a_weak_password_and_a_taken_username():
    user_add(username="anna", email="anna@union.nl", password=PASSWORD, union_admin=True)

    weak = error_code(
        user_add, username="bob", email="b@union.nl", password="12345", union_admin=True
    )
    taken = error_code(
        user_add, username="anna", email="c@union.nl", password=PASSWORD, union_admin=True
    )

    assert weak == "weak_password"
    assert taken == "user_exists"
    assert User.objects.count() == 1


# API keys


def test_api_key_create_returns_the_key_once_and_stores_only_its_hash():
    agency = OrganisationFactory()
    admin = UnionAdminFactory()

    api_key, raw_key = api_key_create(organisation=agency, name="payroll", created_by=admin)

    assert raw_key.startswith(f"ur_{api_key.prefix}_")
    assert len(api_key.prefix) == 8
    assert len(raw_key) > 40
    assert api_key.key_hash == hashlib.sha256(raw_key.encode()).hexdigest()
    stored = ApiKey.objects.get(pk=api_key.pk)
    assert raw_key not in {stored.prefix, stored.key_hash, stored.name}
    assert stored.created_by == admin


def test_api_keys_are_different_each_time():
    agency = OrganisationFactory()

    keys = {api_key_create(organisation=agency, name=f"k{i}")[1] for i in range(5)}

    assert len(keys) == 5


def test_api_key_authenticate_finds_the_live_key_and_records_its_use():
    agency = OrganisationFactory()
    api_key, raw_key = api_key_create(organisation=agency, name="payroll")

    found = api_key_authenticate(raw_key)

    assert found == api_key
    assert found.organisation == agency
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


def test_api_key_authenticate_does_not_write_on_every_request():
    api_key, raw_key = api_key_create(organisation=OrganisationFactory(), name="payroll")
    recent = timezone.now() - dt.timedelta(seconds=10)
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=recent)

    api_key_authenticate(raw_key)

    api_key.refresh_from_db()
    assert api_key.last_used_at == recent


@pytest.mark.parametrize(
    "mangle",
    [
        lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"),  # right prefix, wrong secret
        lambda k: "ur_00000000_" + k[12:],  # unknown prefix
        lambda k: k[3:],  # no marker
        lambda k: "",
        lambda k: "ur_",
    ],
)
def test_api_key_authenticate_refuses_a_wrong_or_malformed_key(mangle):
    _, raw_key = api_key_create(organisation=OrganisationFactory(), name="payroll")

    assert api_key_authenticate(mangle(raw_key)) is None


def test_a_revoked_key_no_longer_authenticates():
    api_key, raw_key = api_key_create(organisation=OrganisationFactory(), name="payroll")

    api_key_revoke(api_key=api_key)

    assert api_key.revoked_at is not None
    assert api_key_authenticate(raw_key) is None


def test_revoking_twice_keeps_the_first_revocation_time():
    api_key, _ = api_key_create(organisation=OrganisationFactory(), name="payroll")
    api_key_revoke(api_key=api_key)
    first = api_key.revoked_at

    api_key_revoke(api_key=api_key)

    assert api_key.revoked_at == first
