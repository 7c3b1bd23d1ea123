"""A sector is added with its enrolment policy by enrolment; employers adds only the sector."""

from __future__ import annotations

import pytest

from employers import services as employers_services
from employers.models import Sector
from enrolment import services as enrolment_services
from enrolment.models import EnrolmentPolicy
from unionroll.exceptions import ApplicationError

pytestmark = pytest.mark.django_db


def test_employers_adds_the_sector_alone():
    sector = employers_services.sector_add(code="meat", name="Meat processing")

    assert Sector.objects.get(code="meat") == sector
    assert not EnrolmentPolicy.objects.exists()


def test_enrolment_adds_the_sector_and_its_policy_in_one_transaction(monkeypatch):
    def policy_refused(**kwargs):
        raise RuntimeError("the policy could not be saved")

    monkeypatch.setattr(EnrolmentPolicy.objects, "create", policy_refused)

    with pytest.raises(RuntimeError):
        enrolment_services.sector_add(code="meat", name="Meat processing")

    # No sector without a policy.
    assert not Sector.objects.exists()


def test_enrolment_passes_on_the_refusals_of_employers():
    enrolment_services.sector_add(code="meat", name="Meat processing", covered=False)

    with pytest.raises(ApplicationError) as error:
        enrolment_services.sector_add(code="meat", name="Other")

    assert error.value.code == "sector_exists"
    assert EnrolmentPolicy.objects.get().covered is False
