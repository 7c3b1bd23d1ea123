"""The ledger: balanced transactions, append-only postings, balances as queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError

from levies.models import Account, LedgerPosting, LedgerTransaction
from levies.selectors import account_balance, ledger_balance_total, payer_balance
from levies.services import ledger_post
from tests.employers.factories import OrganisationFactory
from unionroll.exceptions import ApplicationError

pytestmark = pytest.mark.django_db
D = Decimal


def _charge(org, amount: str) -> LedgerTransaction:
    return ledger_post(
        kind="charged",
        legs=[(Account.RECEIVABLE, org.pk, D(amount)), (Account.LEVY_INCOME, None, -D(amount))],
    )


def test_balanced_transaction_is_posted_and_balances_are_sums_of_postings():
    agency = OrganisationFactory()

    _charge(agency, "12.34")
    _charge(agency, "-2.34")

    assert payer_balance(payer=agency) == D("10.00")
    assert account_balance(account=Account.LEVY_INCOME) == D("-10.00")
    assert ledger_balance_total() == 0


def test_legs_on_one_account_are_netted_and_nothing_left_posts_nothing():
    agency = OrganisationFactory()

    entry = ledger_post(
        kind="charged",
        legs=[
            (Account.RECEIVABLE, agency.pk, D("5.00")),
            (Account.RECEIVABLE, agency.pk, D("-5.00")),
        ],
    )

    assert entry is None
    assert not LedgerPosting.objects.exists()


def test_unbalanced_transaction_is_refused_by_the_service():
    agency = OrganisationFactory()

    with pytest.raises(ApplicationError) as exc:
        ledger_post(
            kind="charged",
            legs=[
                (Account.RECEIVABLE, agency.pk, D("5.00")),
                (Account.LEVY_INCOME, None, D("-4.99")),
            ],
        )

    assert exc.value.code == "ledger_unbalanced"
    assert not LedgerTransaction.objects.exists()


def test_payer_account_without_its_organisation_is_refused():
    with pytest.raises(ApplicationError) as exc:
        ledger_post(
            kind="charged",
            legs=[(Account.RECEIVABLE, None, D("1.00")), (Account.LEVY_INCOME, None, D("-1.00"))],
        )

    assert exc.value.code == "ledger_account_party"


def test_database_refuses_to_commit_an_unbalanced_transaction():
    entry = LedgerTransaction.objects.create(kind="charged")

    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        LedgerPosting.objects.create(transaction=entry, account=Account.LEVY_INCOME, amount=1)
        with connection.cursor() as cur:
            # What COMMIT does: run the deferred balance check.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_database_accepts_legs_inserted_one_by_one_when_they_balance_at_commit():
    entry = LedgerTransaction.objects.create(kind="charged")
    agency = OrganisationFactory()

    with transaction.atomic():
        LedgerPosting.objects.create(
            transaction=entry, account=Account.RECEIVABLE, organisation=agency, amount=3
        )
        LedgerPosting.objects.create(transaction=entry, account=Account.LEVY_INCOME, amount=-3)
        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")

    assert ledger_balance_total() == 0


@pytest.mark.parametrize("statement", ["UPDATE {} SET amount = 0", "DELETE FROM {}"])
def test_postings_are_never_updated_or_deleted(statement):
    _charge(OrganisationFactory(), "1.00")

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(statement.format("levies_ledgerposting"))


@pytest.mark.parametrize("statement", ["UPDATE {} SET memo = 'x'", "DELETE FROM {}"])
def test_transactions_are_never_updated_or_deleted(statement):
    _charge(OrganisationFactory(), "1.00")

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(statement.format("levies_ledgertransaction"))


def test_ledger_check_of_the_suite_catches_an_unbalanced_ledger(request):
    from tests.levies.conftest import assert_ledger_balances

    entry = LedgerTransaction.objects.create(kind="charged")
    with transaction.atomic():
        LedgerPosting.objects.create(transaction=entry, account=Account.LEVY_INCOME, amount=1)
        with pytest.raises(AssertionError):
            # The deferred check raises inside the savepoint; roll it back afterwards.
            try:
                assert_ledger_balances()
            except IntegrityError as exc:
                raise AssertionError(str(exc)) from exc
        transaction.set_rollback(True)
