from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from employers.models import Organisation, Sector, Site, User
from enrolment.management.commands.demo_load import PASSWORDS, last_complete_iso_week
from enrolment.models import Membership, PayrollLine, Person, RosterUpload
from levies.models import Invoice, LevyCharge, StateClaim
from levies.selectors import ledger_balance_total

MODELS = (
    Sector,
    Organisation,
    Site,
    User,
    Person,
    Membership,
    PayrollLine,
    LevyCharge,
    Invoice,
    StateClaim,
)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_last_complete_iso_week_runs_monday_to_sunday_before_this_week():
    assert last_complete_iso_week(dt.date(2026, 11, 28)) == (
        dt.date(2026, 11, 16),
        dt.date(2026, 11, 22),
    )
    assert last_complete_iso_week(dt.date(2026, 11, 23)) == (
        dt.date(2026, 11, 16),
        dt.date(2026, 11, 22),
    )


# transaction=True: the command runs in autocommit, as from the shell, each import committing.
@pytest.mark.django_db(transaction=True)
def test_demo_load_twice_creates_everything_once_and_the_second_import_is_a_duplicate(
    settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    first = StringIO()

    call_command("demo_load", stdout=first)
    after_first = _counts()
    second = StringIO()
    call_command("demo_load", stdout=second)

    assert _counts() == after_first
    assert 900 <= after_first["Person"] <= 1100
    assert after_first["Membership"] == after_first["Person"]
    assert after_first["Organisation"] == 3
    statuses = sorted(RosterUpload.objects.values_list("status", flat=True))
    assert statuses == ["applied", "applied", "duplicate", "duplicate"]
    assert len(list((tmp_path / "demo").glob("roster-*.csv"))) == 2
    admin = User.objects.get(username="admin")
    assert admin.is_union_admin
    assert admin.check_password(PASSWORDS["admin"])
    assert User.objects.get(username="agency1").organisation.kvk == "61234565"
    text = first.getvalue()
    assert f"admin / {PASSWORDS['admin']}" in text
    assert "http://127.0.0.1:8000/admin/" in text
    assert "nothing changed" in second.getvalue()
    # The period is assessed and billed once: an invoice per agency and the state's claim.
    invoices = Invoice.objects.select_related("payer_organisation")
    assert sorted(i.payer_organisation.kvk for i in invoices) == ["61234565", "73518204"]
    assert all(i.kind == "invoice" and i.total > 0 for i in invoices)
    assert StateClaim.objects.count() == 1
    assert not LevyCharge.objects.filter(status="due", invoice__isnull=True, payer="agency")
    assert ledger_balance_total() == 0
    for invoice in invoices:
        assert invoice.number in text
    assert "http://127.0.0.1:8000/invoices/" in text
    assert "invoices_issue --period-start" in text
    assert "nothing new to invoice" in second.getvalue()


@pytest.mark.django_db(transaction=True)
def test_workers_of_both_demo_agencies_are_matched_to_one_person(settings, tmp_path):
    settings.DATA_DIR = tmp_path

    call_command("demo_load", stdout=StringIO())

    shared = Person.objects.filter(worker_numbers__organisation__kvk="73518204").filter(
        worker_numbers__organisation__kvk="61234565"
    )
    # The second agency's workers are the first agency's first workers; those with a phone or an
    # e-mail address are linked to the same person without a BSN.
    assert shared.count() > 50


@pytest.mark.django_db
def test_demo_load_refuses_to_run_in_production(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        call_command("demo_load", stdout=StringIO())

    assert User.objects.count() == 0
