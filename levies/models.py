"""Levy schemes, assessment runs, charges and the double-entry ledger.

The rules live in ``levies/services/``; these models only hold what the services write. See
docs/levies.md for the vocabulary (held / due / dropped, the ledger accounts).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from employers.models import Organisation, Sector
from unionroll.db import unchecked_reference

MONEY = {"max_digits": 14, "decimal_places": 2}


class LevyScheme(models.Model):
    """A sector's levy. Its terms live in versions; one scheme per sector, so a line's sector
    names exactly one set of terms on any day."""

    code = models.SlugField(max_length=60, unique=True)
    sector = models.OneToOneField(Sector, on_delete=models.PROTECT, related_name="levy_scheme")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class LevySchemeVersion(models.Model):
    class Basis(models.TextChoices):
        PERCENT_OF_GROSS = "percent_of_gross", "Percent of gross wages"
        PER_HOUR = "per_hour", "EUR per hour worked"
        FLAT_PER_PERIOD = "flat_per_period", "EUR per member per pay period"

    class Base(models.TextChoices):
        # Who is charged for: the members (the default, so older scheme files keep their
        # meaning) or every covered worker on the roster whatever their union status, so that
        # an invoice says nothing about anyone's membership (docs/levies.md, "Base").
        MEMBERS = "members", "Per member"
        COVERED_WORKERS = "covered_workers", "Per covered worker, whatever their membership"

    scheme = models.ForeignKey(LevyScheme, on_delete=models.PROTECT, related_name="versions")
    valid_from = models.DateField()
    # The last day this version applies; NULL while it is the open-ended current version.
    valid_to = models.DateField(null=True, blank=True)
    basis = models.CharField(max_length=20, choices=Basis.choices)
    base = models.CharField(max_length=16, choices=Base.choices, default=Base.MEMBERS)
    # Percent for percent_of_gross, EUR for the others. Four places: "0.4750" percent exists.
    rate = models.DecimalField(max_digits=12, decimal_places=4)
    min_per_period = models.DecimalField(**MONEY, null=True, blank=True)
    max_per_period = models.DecimalField(**MONEY, null=True, blank=True)
    funding_agency = models.DecimalField(max_digits=5, decimal_places=2)
    funding_hirer = models.DecimalField(max_digits=5, decimal_places=2)
    funding_state = models.DecimalField(max_digits=5, decimal_places=2)
    collect_during_window = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scheme_id", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "valid_from"], name="levy_version_once"),
            models.CheckConstraint(
                condition=Q(funding_agency__gte=0)
                & Q(funding_hirer__gte=0)
                & Q(funding_state__gte=0),
                name="levy_funding_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(funding_agency=100 - F("funding_hirer") - F("funding_state")),
                name="levy_funding_sums_to_100",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="levy_version_dates_ordered",
            ),
            models.CheckConstraint(condition=Q(rate__gte=0), name="levy_rate_not_negative"),
            models.CheckConstraint(
                condition=Q(base__in=["members", "covered_workers"]), name="levy_base_known"
            ),
            models.CheckConstraint(
                condition=Q(min_per_period__isnull=True)
                | Q(max_per_period__isnull=True)
                | Q(min_per_period__lte=F("max_per_period")),
                name="levy_min_not_above_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme_id} from {self.valid_from}"


class LevyAssessmentRun(models.Model):
    """One run of ``levies_assess`` for one pay period.

    ``signature`` fingerprints everything the period's assessment depends on; a run whose
    signature equals the previous run's books nothing and copies its summary.
    """

    period_start = models.DateField()
    period_end = models.DateField()
    as_of = models.DateField()
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    signature = models.CharField(max_length=200, blank=True, default="")
    unchanged = models.BooleanField(default=False)
    counts = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["period_start", "period_end", "-id"], name="run_period")]

    def __str__(self) -> str:
        return f"Assessment #{self.pk} {self.period_start}..{self.period_end}"


class Payer(models.TextChoices):
    AGENCY = "agency"
    HIRER = "hirer"
    STATE = "state"


class LevyCharge(models.Model):
    """What one payer owes (or is held to owe) for one payroll line, booked by one run.

    Rows are added, never rewritten in amount: a change in a later run adds an adjustment row
    (negative for a credit). Only the status moves: ``held`` -> ``due`` when the member's
    opt-out window closes, ``held`` -> ``dropped`` when the charge is no longer owed (an
    in-window opt-out, a replaced roster). The booked amount of a line for a payer is the sum of
    its held and due rows.

    Written in bulk by the assessment SQL, which takes every reference from a join inside its
    transaction, so the references carry no database check (unionroll.db.unchecked_reference
    says why); tests/levies/test_assessment.py proves nothing dangles.
    """

    class Status(models.TextChoices):
        HELD = "held", "Held (opt-out window open)"
        DUE = "due", "Due"
        DROPPED = "dropped", "Dropped"

    class Kind(models.TextChoices):
        CHARGE = "charge", "Charge"
        ADJUSTMENT = "adjustment", "Adjustment"

    run = unchecked_reference(LevyAssessmentRun, index=True)
    # The run that moved it from held to due or dropped.
    settled_by_run = unchecked_reference(LevyAssessmentRun, null=True)
    payroll_line = unchecked_reference("enrolment.PayrollLine")
    period_start = models.DateField()
    period_end = models.DateField()
    sector = unchecked_reference(Sector)
    person = unchecked_reference("enrolment.Person")
    # The agency whose payroll the line is on (also for the state's and the hirer's rows).
    organisation = unchecked_reference(Organisation)
    site = unchecked_reference("employers.Site", null=True)
    cao_phase = models.CharField(max_length=10, blank=True, default="")
    payer = models.CharField(max_length=6, choices=Payer.choices)
    # NULL for the state.
    payer_organisation = unchecked_reference(Organisation, null=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=7, choices=Status.choices)
    amount = models.DecimalField(**MONEY)
    # The invoice or credit note that billed this due charge to its payer organisation (NULL
    # until then, and always for the state's rows); set in one UPDATE per invoice.
    invoice = unchecked_reference("levies.Invoice", null=True)
    # The state claim that claimed this due state charge (NULL until then; only state rows).
    state_claim = unchecked_reference("levies.StateClaim", null=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["period_start", "period_end", "payroll_line"], name="charge_period_line"
            ),
            # The periods with charges still waiting for a window to close: re-assessed daily.
            models.Index(
                fields=["period_start", "period_end"],
                condition=Q(status="held"),
                name="charge_held_period",
            ),
            # What the next invoicing run of a period bills: due and not yet invoiced. Small
            # (only what arrived since the last run), however many charges the period has.
            models.Index(
                fields=["period_start", "period_end", "payer_organisation"],
                condition=Q(status="due", invoice__isnull=True, payer_organisation__isnull=False),
                name="charge_to_invoice",
            ),
            models.Index(
                fields=["period_start", "period_end"],
                condition=Q(status="due", payer="state", state_claim__isnull=True),
                name="charge_to_claim",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(payer="state", payer_organisation__isnull=True)
                | (~Q(payer="state") & Q(payer_organisation__isnull=False)),
                name="charge_payer_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"Levy charge #{self.pk}"


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
    # transaction whenever money moves (levies.services.payments.invoice_state_refresh); stored
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


# --- Payments (docs/payments.md) ----------------------------------------------------------------


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
