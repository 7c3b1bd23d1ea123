"""The double-entry ledger: accounts, balanced transactions and their postings (append-only;
see docs/levies.md for the accounts)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from employers.models import Organisation
from levies.models.assessment import LevyAssessmentRun
from levies.models.fields import MONEY


class Account(models.TextChoices):
    """Ledger accounts. Debits are positive amounts, credits negative."""

    RECEIVABLE = "receivable", "Receivable from a payer (due, not yet invoiced)"
    INVOICED = "invoiced", "Invoiced to a payer (open invoices less credit notes)"
    HELD_RECEIVABLE = "held_receivable", "Held charges of a payer (window open)"
    STATE_RECEIVABLE = "state_receivable", "State grant receivable (due, not yet claimed)"
    STATE_CLAIMED = "state_claimed", "State grant claimed (claim statements issued)"
    STATE_HELD_RECEIVABLE = "state_held", "State grant held (window open)"
    DEFERRED_INCOME = "deferred_income", "Deferred levy income (held charges)"
    LEVY_INCOME = "levy_income", "Levy income"
    BANK = "bank", "Cash at bank"
    # A payer's credit: what it paid beyond its invoices (an overpayment), kept, not lost. Per
    # payer organisation; without an organisation it is the state funder's credit.
    UNAPPLIED_PAYMENTS = "unapplied", "Unapplied payments (payer credit)"
    # Money in the bank that no invoice or claim could be matched to yet (the unmatched queue).
    SUSPENSE = "suspense", "Unmatched receipts (suspense)"
    WRITE_OFF = "write_off", "Bad debts written off (expense)"


# Accounts kept per payer organisation; the others carry no organisation.
ORGANISATION_ACCOUNTS = (
    Account.RECEIVABLE,
    Account.INVOICED,
    Account.HELD_RECEIVABLE,
    Account.UNAPPLIED_PAYMENTS,
)


class LedgerTransaction(models.Model):
    """A balanced group of postings. Append-only: database triggers refuse UPDATE and DELETE,
    and a deferred constraint trigger refuses a commit that leaves it unbalanced."""

    class Kind(models.TextChoices):
        CHARGED = "charged", "Levy charged (due)"
        HELD = "held", "Levy held (window open)"
        RELEASED = "released", "Held levy released (window closed)"
        DROPPED = "dropped", "Held levy dropped"
        INVOICED = "invoiced", "Invoice issued"
        CREDITED = "credited", "Credit note issued"
        CLAIMED = "claimed", "State claim issued"
        PAYMENT = "payment", "Payment received"
        PAYMENT_REVERSED = "payment_reversed", "Payment reversed (failed, refunded, charged back)"
        ALLOCATED = "allocated", "Unmatched receipt allocated"
        WRITTEN_OFF = "written_off", "Written off"

    kind = models.CharField(max_length=20)
    memo = models.CharField(max_length=200, blank=True, default="")
    run = models.ForeignKey(
        LevyAssessmentRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    # The payment whose money this transaction moves (receipts, reversals, allocations).
    payment = models.ForeignKey(
        "levies.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_transactions",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Ledger transaction #{self.pk} ({self.kind})"


class LedgerPosting(models.Model):
    """One leg of a transaction: positive is a debit, negative a credit."""

    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="postings"
    )
    account = models.CharField(max_length=20, choices=Account.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amount = models.DecimalField(**MONEY)
    # The invoice or state claim this leg settles (payments, reversals, write-offs, and the
    # payer credit an overpayment of it created): an invoice's state is read from these.
    invoice = models.ForeignKey(
        "levies.Invoice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="postings",
    )
    state_claim = models.ForeignKey(
        "levies.StateClaim",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="postings",
    )

    class Meta:
        ordering = ["transaction_id", "id"]
        indexes = [models.Index(fields=["organisation", "account"], name="posting_org_account")]
        constraints = [
            models.CheckConstraint(
                condition=Q(invoice__isnull=True) | Q(state_claim__isnull=True),
                name="posting_one_document",
            ),
            models.CheckConstraint(
                condition=Q(account__in=[a.value for a in ORGANISATION_ACCOUNTS])
                | Q(organisation__isnull=True),
                name="posting_organisation_only_on_payer_accounts",
            ),
            models.CheckConstraint(
                condition=~Q(
                    account__in=[Account.RECEIVABLE, Account.INVOICED, Account.HELD_RECEIVABLE]
                )
                | Q(organisation__isnull=False),
                name="posting_payer_account_has_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount}"
