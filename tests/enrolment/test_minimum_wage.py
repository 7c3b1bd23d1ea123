"""The statutory minimum wage members are shown: a dated table union admins extend."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from enrolment.models import MinimumWageRate
from enrolment.selectors import minimum_hourly_wage
from tests.employers.factories import UnionAdminFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(
    ("on", "hourly"),
    [
        (dt.date(2024, 1, 1), "13.27"),
        (dt.date(2024, 6, 30), "13.27"),
        (dt.date(2024, 7, 1), "13.68"),
        (dt.date(2025, 1, 1), "14.06"),
        (dt.date(2025, 7, 1), "14.40"),
        (dt.date(2026, 11, 29), "14.71"),
    ],
)
def test_the_adult_rate_is_the_one_valid_on_the_day(on, hourly):
    assert minimum_hourly_wage(age=35, on=on) == D(hourly)
    assert minimum_hourly_wage(age=21, on=on) == D(hourly)


@pytest.mark.parametrize(
    ("age", "hourly"),
    # 14.71 x 80 / 60 / 50 / 39.5 / 34.5 / 30 %, each rounded half-up once.
    [(20, "11.77"), (19, "8.83"), (18, "7.36"), (17, "5.81"), (16, "5.07"), (15, "4.41")],
)
def test_younger_workers_get_their_age_share_rounded_to_the_cent(age, hourly):
    assert minimum_hourly_wage(age=age, on=dt.date(2026, 3, 1)) == D(hourly)


def test_no_rate_before_the_first_one_or_below_the_youngest_age():
    assert minimum_hourly_wage(age=30, on=dt.date(2023, 12, 31)) is None
    assert minimum_hourly_wage(age=14, on=dt.date(2026, 3, 1)) is None


def test_a_rate_a_union_admin_adds_applies_from_its_date(client):
    client.force_login(UnionAdminFactory())

    response = client.post(
        reverse("admin:enrolment_minimumwagerate_add"),
        {"valid_from": "2026-07-01", "hourly": "15.05"},
    )

    assert response.status_code == 302
    assert minimum_hourly_wage(age=40, on=dt.date(2026, 6, 30)) == D("14.71")
    assert minimum_hourly_wage(age=40, on=dt.date(2026, 7, 1)) == D("15.05")
    assert minimum_hourly_wage(age=18, on=dt.date(2026, 7, 1)) == D("7.53")  # 7.525 half-up
    assert MinimumWageRate.objects.count() == 6
