"""Payments (docs/payments.md): Stripe customers and webhook events, the payments of invoices
and state claims from every source, and write-offs."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from employers.models import Organisation
from levies.models.billing import Invoice, StateClaim
from levies.models.fields import MONEY
from levies.models.ledger import LedgerTransaction


class StripeCustomer(models.Model):
    """The Stripe customer of a paying organisation: created once, reused for every invoice."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="stripe_customer"
    )
    customer_id = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The SEPA Direct Debit payment method (pm_…) the payer saved under a mandate, and the
    # Stripe time of the setup_intent.succeeded event that reported it: later invoices are
    # debited with it off-session. A later mandate replaces an earlier one; an older event
    # arriving late does not (docs/payments.md, "SEPA Direct Debit mandate"). NULL, not "",
    # while there is none, like the time beside it.
    sepa_payment_method_id = models.CharField(  # noqa: DJ001
        max_length=255, null=True, blank=True
    )
    sepa_mandate_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.customer_id


class Payment(models.Model):
    """Money for one invoice or state claim, from one source: a Stripe PaymentIntent, a bank
    statement entry, or a manual record.

    ``(source, external_reference)`` is unique in the database (the PaymentIntent id, the bank
    entry's key), so the same money cannot become two payments. What is booked is never stored
    here: it is the sum of the ledger postings of the transactions that name this payment. The
    Stripe fields record what Stripe reported (amounts cumulative as Stripe reports them); the
    services book the difference between what those say is kept and what is booked.
    """

    class Source(models.TextChoices):
        STRIPE = "stripe", "Stripe"
        BANK = "bank", "Bank transfer"
        MANUAL = "manual", "Manual"

    class Status(models.TextChoices):
        REQUIRES_ACTION = "requires_action", "Waiting for the payer"
        PROCESSING = "processing", "Processing"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"

    source = models.CharField(max_length=6, choices=Source.choices)
    # The PaymentIntent id (pi_…) or the bank entry's unique key.
    external_reference = models.CharField(max_length=255)
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    state_claim = models.ForeignKey(
        StateClaim, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    payer_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    # sepa_debit, ideal, card for Stripe; bank_transfer; manual.
    method = models.CharField(max_length=20, blank=True, default="")
    # What was asked for (Stripe) or received (bank).
    amount = models.DecimalField(**MONEY)
    status = models.CharField(max_length=15, choices=Status.choices)
    # The Stripe ``created`` time of the event that set ``status``: an older event arriving
    # late does not move the status back.
    status_at = models.DateTimeField(null=True, blank=True)
    charge_id = models.CharField(max_length=255, blank=True, default="")
    amount_received = models.DecimalField(**MONEY, default=0)
    # The charge's running total refunded, as Stripe reports it (never decreases here).
    amount_refunded = models.DecimalField(**MONEY, default=0)
    # The amount of an open or lost dispute (chargeback); zero when none or won.
    amount_disputed = models.DecimalField(**MONEY, default=0)
    dispute_id = models.CharField(max_length=255, blank=True, default="")
    dispute_status = models.CharField(max_length=30, blank=True, default="")
    # Stripe attempt number for the invoice: the idempotency key is derived from it.
    attempt = models.PositiveSmallIntegerField(default=0)
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_reference"], name="payment_external_once"
            ),
            models.CheckConstraint(
                condition=Q(invoice__isnull=True) | Q(state_claim__isnull=True),
                name="payment_one_document",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["invoice", "status"], name="payment_invoice_status")]

    def __str__(self) -> str:
        return f"Payment #{self.pk} ({self.source})"


class StripeEvent(models.Model):
    """Each Stripe webhook event, stored once: the unique event id makes a replay a no-op.

    Only the handler's view of the event (ids, type, amounts, status) is kept, not the raw
    payload, which can carry the payer's name, e-mail and IBAN digits."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    created = models.DateTimeField()
    livemode = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now_add=True)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="stripe_events"
    )
    # processed | ignored | stale | unknown_payment | unhandled
    result = models.CharField(max_length=20)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class InvoiceWriteOff(models.Model):
    """An admin's decision to write off what is left of an invoice, with the reason; the
    ledger transaction it posted is linked."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="write_offs")
    amount = models.DecimalField(**MONEY)
    reason = models.TextField()
    user = models.ForeignKey(
        "employers.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ledger_transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="write_off_amount_positive")
        ]

    def __str__(self) -> str:
        return f"Write-off of {self.amount} on invoice #{self.invoice_id}"
