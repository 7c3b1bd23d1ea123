"""The levy scheme endpoints: the published terms, readable by payers and union staff."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from levies.services import levy_scheme_apply, levy_scheme_parse
from tests.employers.factories import UserFactory

from .test_rosters_api import key_client, session_client

pytestmark = pytest.mark.django_db


SCHEME = """
code: meat-default-membership
sector: meat
versions:
  - valid_from: 2026-01-01
    basis: percent_of_gross
    rate: "0.50"
    min_per_period: "2.00"
    max_per_period: "12.00"
    funding: {state: 90, agency: 10, hirer: 0}
  - valid_from: 2027-01-01
    basis: percent_of_gross
    rate: "0.55"
    funding: {state: 80, agency: 10, hirer: 10}
    collect_during_window: true
"""


@pytest.fixture
def meat_scheme(meat):
    levy_scheme_apply(spec=levy_scheme_parse(text=SCHEME, filename="meat.yaml"))


def test_an_agencys_api_key_reads_every_scheme_with_its_versions(flexwerk, meat_scheme):
    response = key_client(flexwerk).get("/api/v1/levy-schemes/")

    assert response.status_code == 200
    (scheme,) = response.json()
    assert scheme["code"] == "meat-default-membership"
    assert scheme["sector"] == "meat"
    first, second = scheme["versions"]
    assert first["valid_from"] == "2026-01-01"
    assert first["valid_to"] == "2026-12-31"  # ended by the next version
    assert first["rate"] == "0.5000"
    assert (first["min_per_period"], first["max_per_period"]) == ("2.00", "12.00")
    assert first["funding"] == {"agency": "10.00", "hirer": "0.00", "state": "90.00"}
    assert first["collect_during_window"] is False
    assert second["valid_to"] is None
    assert second["collect_during_window"] is True
    assert sum(Decimal(v) for v in second["funding"].values()) == 100


def test_one_scheme_by_code_and_404_for_an_unknown_code(flexwerk, meat_scheme):
    client = key_client(flexwerk)

    found = client.get("/api/v1/levy-schemes/meat-default-membership/")
    missing = client.get("/api/v1/levy-schemes/no-such-scheme/")

    assert found.status_code == 200
    assert len(found.json()["versions"]) == 2
    assert missing.status_code == 404


def test_union_staff_read_schemes_with_a_session(ula, meat_scheme):
    assert session_client(ula).get("/api/v1/levy-schemes/").status_code == 200


def test_anonymous_callers_and_users_of_no_organisation_are_refused(meat_scheme):
    anonymous = APIClient().get("/api/v1/levy-schemes/")
    nobody = session_client(UserFactory(organisation=None)).get("/api/v1/levy-schemes/")

    assert anonymous.status_code == 401
    assert nobody.status_code == 403
