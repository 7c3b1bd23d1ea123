"""Fixtures of the levies tests, and the check that the ledger balances after each of them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import TestCase

from enrolment.services import roster_import_path
from levies.models import LevyScheme, LevySchemeVersion
from levies.selectors import ledger_balance_total, ledger_unbalanced_transactions
from tests.employers.factories import HirerFactory, OrganisationFactory, SiteFactory
from tests.enrolment.rosters import worker, write_roster

PS = dt.date(2026, 11, 2)
PE = dt.date(2026, 11, 8)


def assert_ledger_balances() -> None:
    """Every transaction and the whole ledger sum to zero, and the database's deferred balance
    check passes now (tests never commit, so it is forced to run here)."""
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
    assert ledger_unbalanced_transactions() == []
    assert ledger_balance_total() == 0


@pytest.fixture(autouse=True)
def _ledger_balances_after_each_test(request):
    marker = request.node.get_closest_marker("django_db")
    uses_db = marker is not None or {"db", "transactional_db"} & set(request.fixturenames)
    if not uses_db:
        yield
        return
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    )
    # Requested here so the database is still there when the check runs after the test.
    request.getfixturevalue("transactional_db" if transactional else "db")
    yield
    if not getattr(request.node, "_ledger_check_skipped", False):
        assert_ledger_balances()


@pytest.fixture
def agency(meat):
    return OrganisationFactory(name="Flexkracht B.V.", sectors=[meat])


@pytest.fixture
def other_agency(meat):
    return OrganisationFactory(name="Brabant Personeel B.V.", sectors=[meat])


@pytest.fixture
def hirer(meat):
    return HirerFactory(name="Vlees Oost B.V.", sectors=[meat])


@pytest.fixture
def site(hirer, meat):
    return SiteFactory(hirer=hirer, code="OSS", sector=meat)


def make_scheme(sector, **terms: Any) -> LevySchemeVersion:
    """A scheme for ``sector`` with one open version; keyword arguments override the terms."""
    scheme, _ = LevyScheme.objects.get_or_create(sector=sector, defaults={"code": sector.code})
    values = {
        "valid_from": dt.date(2026, 1, 1),
        "basis": "percent_of_gross",
        "rate": "0.50",
        "min_per_period": None,
        "max_per_period": None,
        "funding_agency": 10,
        "funding_hirer": 0,
        "funding_state": 90,
        "collect_during_window": False,
        **terms,
    }
    version = LevySchemeVersion.objects.create(scheme=scheme, **values)
    version.refresh_from_db()
    return version


def import_roster(tmp_path: Path, organisation, rows: list[dict], name: str = "roster.csv"):
    path = write_roster(tmp_path / name, rows)
    with TestCase.captureOnCommitCallbacks(execute=True):
        upload = roster_import_path(organisation=organisation, path=path)
    assert upload.status == "applied", upload.errors
    return upload


__all__ = ["PE", "PS", "import_roster", "make_scheme", "worker"]
