"""Imported bank statements (docs/bank-statements.md): the files, their entries, how an entry
was allocated to invoices or claims, and what the desk did with it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from levies.models.billing import Invoice, StateClaim
from levies.models.fields import MONEY
from levies.models.payments import Payment


class BankStatementFile(models.Model):
    """An imported statement file. The same bytes twice are one file (sha256 unique)."""

    sha256 = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=255, blank=True, default="")
    format = models.CharField(max_length=20, blank=True, default="")
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        "employers.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # entries, new, duplicates, matched, unmatched, ignored, parked, total_matched
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Bank statement {self.filename or self.sha256[:12]}"


class BankEntry(models.Model):
    """One booked line of a bank statement.

    ``unique_key`` (account, booking date, bank reference, amount, ...) is unique in the
    database: an entry that a second or overlapping statement repeats is not imported again.
    A credit gets a Payment and is booked at import: to the matched invoices or claims, or to
    suspense (the unmatched queue) until the desk allocates or parks it. Debits are kept and
    ignored.
    """

    class Direction(models.TextChoices):
        CREDIT = "credit", "Credit (money in)"
        DEBIT = "debit", "Debit (money out)"

    class Status(models.TextChoices):
        MATCHED = "matched", "Matched"
        UNMATCHED = "unmatched", "Unmatched"
        IGNORED = "ignored", "Ignored (debit)"
        PARKED = "parked", "Parked"
        REFUNDED = "refunded", "Refunded"

    statement_file = models.ForeignKey(
        BankStatementFile, on_delete=models.PROTECT, related_name="entries"
    )
    unique_key = models.CharField(max_length=255, unique=True)
    account_iban = models.CharField(max_length=34, blank=True, default="")
    statement_id = models.CharField(max_length=100, blank=True, default="")
    booking_date = models.DateField()
    value_date = models.DateField(null=True, blank=True)
    amount = models.DecimalField(**MONEY)
    direction = models.CharField(max_length=6, choices=Direction.choices)
    currency = models.CharField(max_length=3, default="EUR")
    bank_reference = models.CharField(max_length=100, blank=True, default="")
    end_to_end_id = models.CharField(max_length=100, blank=True, default="")
    creditor_reference = models.CharField(max_length=100, blank=True, default="")
    remittance_text = models.TextField(blank=True, default="")
    counterparty_name = models.CharField(max_length=200, blank=True, default="")
    counterparty_iban = models.CharField(max_length=34, blank=True, default="")
    status = models.CharField(max_length=9, choices=Status.choices)
    # How it was matched: structured_reference, text_reference, text_invoice_number, desk.
    matched_by = models.CharField(max_length=30, blank=True, default="")
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="bank_entry"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-booking_date", "-id"]
        indexes = [models.Index(fields=["status", "booking_date"], name="bank_entry_status")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="bank_entry_amount_positive")
        ]

    def __str__(self) -> str:
        return f"Bank entry #{self.pk} {self.booking_date} {self.amount}"


class BankAllocation(models.Model):
    """Part of a bank entry applied to one invoice or state claim (automatically at import,
    or by a union admin at the desk, with who and why)."""

    entry = models.ForeignKey(BankEntry, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="bank_allocations"
    )
    state_claim = models.ForeignKey(
        StateClaim,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bank_allocations",
    )
    amount = models.DecimalField(**MONEY)
    allocated_by = models.ForeignKey(
        "employers.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(invoice__isnull=False) & Q(state_claim__isnull=True))
                | (Q(invoice__isnull=True) & Q(state_claim__isnull=False)),
                name="allocation_one_document",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} of bank entry #{self.entry_id}"


class BankEntryAction(models.Model):
    """Append-only record of what happened to a bank entry at the desk: who, what, why."""

    class Action(models.TextChoices):
        ALLOCATED = "allocated", "Allocated"
        PARKED = "parked", "Parked"

    entry = models.ForeignKey(BankEntry, on_delete=models.PROTECT, related_name="actions")
    action = models.CharField(max_length=10, choices=Action.choices)
    user = models.ForeignKey(
        "employers.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField()
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry_id", "id"]

    def __str__(self) -> str:
        return f"{self.action} bank entry #{self.entry_id}"
