"""The people and files the roster page, API and browser tests share.

Named people for permission tests: Anna (payroll clerk at Flexwerk), Bogdan (payroll clerk at
Oost Uitzend, another agency) and Ula (union admin). Loaded as a pytest plugin from
tests/conftest.py; a test module may still define its own fixture of the same name.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.employers.factories import (
    OrganisationFactory,
    SectorFactory,
    UnionAdminFactory,
    UserFactory,
)

HEADER = (
    "worker_number,first_name,last_name,date_of_birth,period_start,period_end,"
    "hours_worked,gross_wages\n"
)
VALID_ROSTER = HEADER + (
    "004211,Łukasz,Wróbel,1990-05-17,2026-11-02,2026-11-08,38.00,558.98\n"
    "004212,Ioana,Popescu,1995-02-03,2026-11-02,2026-11-08,40.00,588.40\n"
)
# Row 2: a date of birth that is no date; row 3: negative hours.
ROSTER_WITH_ERRORS = HEADER + (
    "004211,Łukasz,Wróbel,1990-13-45,2026-11-02,2026-11-08,38.00,558.98\n"
    "004212,Ioana,Popescu,1995-02-03,2026-11-02,2026-11-08,-4,588.40\n"
)


def roster_file(content: str, name: str = "loonrun-week-45.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode(), content_type="text/csv")


@pytest.fixture
def meat():
    """The meat sector with its enrolment policy, as sector_add makes it."""
    from enrolment.models import EnrolmentPolicy

    sector = SectorFactory(code="meat")
    EnrolmentPolicy.objects.get_or_create(sector=sector)
    return sector


@pytest.fixture
def flexwerk(meat):
    return OrganisationFactory(name="Flexwerk B.V.", sectors=[meat])


@pytest.fixture
def oost_uitzend(meat):
    """Another agency: its key and its users must never reach Flexwerk's rosters."""
    return OrganisationFactory(name="Oost Uitzend B.V.", sectors=[meat])


@pytest.fixture
def anna(flexwerk):
    """Payroll clerk at Flexwerk."""
    return UserFactory(username="anna", organisation=flexwerk)


@pytest.fixture
def bogdan(oost_uitzend):
    """Payroll clerk at Oost Uitzend, another agency."""
    return UserFactory(username="bogdan", organisation=oost_uitzend)


@pytest.fixture
def ula():
    """Union admin."""
    return UnionAdminFactory(username="ula")
