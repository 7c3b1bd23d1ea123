"""Invoices, credit notes and state claims with their gap-free numbering, and the payment
reminders of overdue invoices."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from employers.models import Organisation, Sector
from levies.models.fields import MONEY


class DocumentCounter(models.Model):
    """The last number issued in one numbering series and year.

    The issuing transaction locks this row (SELECT ... FOR UPDATE), takes the next number and
    writes it back, so numbers are consecutive: a transaction that rolls back rolls its number
    back too, and two issuers of the same year wait for each other instead of both taking one.
    A database sequence would be faster but burns numbers on rollback, and Dutch invoice law
    wants an unbroken series.
    """

    class Series(models.TextChoices):
        INVOICE = "invoice", "Invoices and credit notes"
        STATE_CLAIM = "state_claim", "State claims"

    series = models.CharField(max_length=12, choices=Series.choices)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="document_counter_once")
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last_number}"


class Invoice(models.Model):
    """An invoice (a payer owes the union) or a credit note (the union owes the payer) for one
    payer organisation's due charges of one pay period that were not billed before.

    Invoices and credit notes share one gap-free series per year (``2027-000123``): one series
    is what an auditor checks for gaps, and a payer's documents read in issue order. Written
    once by ``invoices_issue``; nothing here is edited afterwards (payments, issue 4, move only
    ``status``).
    """

    class Kind(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        CREDIT_NOTE = "credit_note", "Credit note"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PARTIALLY_PAID = "partially_paid", "Partially paid"
        PAID = "paid", "Paid"
        OVERPAID = "overpaid", "Overpaid (credit kept for the payer)"
        WRITTEN_OFF = "written_off", "Written off"

    kind = models.CharField(max_length=11, choices=Kind.choices)
    number = models.CharField(max_length=11, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    payer_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="invoices"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    issue_date = models.DateField()
    # None for a credit note: nobody pays it.
    due_date = models.DateField(null=True, blank=True)
    total = models.DecimalField(**MONEY)
    # The betalingskenmerk; invoices only. Unique: a transfer quoting it names one invoice.
    payment_reference = models.CharField(max_length=16, null=True, blank=True, unique=True)
    # Derived from the ledger postings that reference this invoice and recomputed in the same
    # transaction whenever money moves (levies.payments.services.invoice_state_refresh); stored
    # so lists can filter on it.
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.OPEN)
    # A Stripe payment (a SEPA debit, up to 14 business days) is on its way: not paid yet, but
    # no reminder should go out for it.
    payment_pending = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-sequence"]
        indexes = [
            models.Index(fields=["payer_organisation", "-issue_date"], name="invoice_payer"),
            models.Index(fields=["period_start", "period_end"], name="invoice_period"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="invoice_sequence_once"),
            models.CheckConstraint(
                condition=Q(
                    kind="invoice",
                    total__gt=0,
                    due_date__isnull=False,
                    payment_reference__isnull=False,
                )
                | Q(kind="credit_note", total__lt=0, due_date__isnull=True),
                name="invoice_kind_terms",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE


class InvoiceLine(models.Model):
    """The payer's charges at one site in one CAO phase: members (distinct persons with a
    non-zero amount) and their sum. The site's name is copied: a renamed site must not change
    an issued invoice.

    Sites and phases with fewer persons than ``UNIONROLL_MIN_GROUP_SIZE`` are merged into one
    ``grouped`` line (no site, no phase), so that no line describes one person; ``members``
    then counts the distinct persons of the merged line. Pages, the API and the PDF show a count
    below the minimum group size as "fewer than N" (levies.invoice_lines)."""

    class Counted(models.TextChoices):
        MEMBERS = "members", "Members"
        WORKERS = "workers", "Workers"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    site = models.ForeignKey(
        "employers.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    site_name = models.CharField(max_length=250, blank=True, default="")
    cao_phase = models.CharField(max_length=10, blank=True, default="")
    members = models.PositiveIntegerField()
    # What ``members`` counts: members (a per-member scheme) or covered workers (a scheme with
    # base covered_workers: every line's person, whatever their union status).
    counted = models.CharField(max_length=7, choices=Counted.choices, default=Counted.MEMBERS)
    grouped = models.BooleanField(default=False)
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["invoice_id", "id"]

    def __str__(self) -> str:
        return f"{self.site_name or '-'} {self.cao_phase} {self.amount}"


class StateClaim(models.Model):
    """The union's claim on the state funder for the state's due share of one period that was
    not claimed before (a later run claims only the difference, negative for a correction).
    Counts and amounts per sector and agency only: no personal data."""

    reference = models.CharField(max_length=14, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    period_start = models.DateField()
    period_end = models.DateField()
    issue_date = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    total = models.DecimalField(**MONEY)
    payment_reference = models.CharField(max_length=16, unique=True)
    # Derived from the postings, like Invoice.status (no write-off for the state).
    status = models.CharField(
        max_length=14, choices=Invoice.Status.choices, default=Invoice.Status.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="state_claim_sequence_once")
        ]

    def __str__(self) -> str:
        return f"State claim {self.reference}"


class StateClaimRow(models.Model):
    """One sector and one agency (on whose payroll the lines are) in a claim; names copied."""

    claim = models.ForeignKey(StateClaim, on_delete=models.PROTECT, related_name="rows")
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="+")
    sector_name = models.CharField(max_length=200)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    organisation_name = models.CharField(max_length=200)
    organisation_kvk = models.CharField(max_length=8)
    members = models.PositiveIntegerField()
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["claim_id", "id"]

    def __str__(self) -> str:
        return f"{self.sector_name} {self.organisation_kvk} {self.amount}"


# --- Arrears (docs/payments.md, *Arrears and reminders*) ------------------------------------


class InvoiceReminder(models.Model):
    """A payment reminder for one invoice at one step (the n-th of UNIONROLL_REMINDER_DAYS).

    ``(invoice, step)`` is unique in the database: the daily task can run twice, or two workers
    at once, and the payer still gets each reminder once. The row is written before the mail
    goes out (``sending``) and moved on by a conditional update, so a crash between the two
    leaves a ``sending`` row that is never sent twice by accident; ``failed`` ones are retried.
    """

    class Status(models.TextChoices):
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (retried next run)"
        # The payer has no billing e-mail: recorded so the desk can chase it another way.
        NO_CONTACT = "no_contact", "No billing e-mail"
        # A later step was due when this one would have gone (the task did not run for a
        # while): one reminder, the latest, instead of several at once.
        SKIPPED = "skipped", "Skipped (a later reminder went instead)"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="reminders")
    step = models.PositiveSmallIntegerField()
    # Days after the due date this step is for (copied: the setting may change later).
    days_after_due = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices)
    # The payer's billing address at the time (an organisation's, never a worker's).
    recipient = models.EmailField(blank=True, default="")
    # What was open when the reminder was written.
    amount_open = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["invoice_id", "step"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "step"], name="invoice_reminder_once")
        ]

    def __str__(self) -> str:
        return f"Reminder {self.step} for invoice #{self.invoice_id} ({self.status})"
