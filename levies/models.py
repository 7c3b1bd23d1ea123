"""Levy schemes, assessment runs, charges and the double-entry ledger.

The rules live in ``levies/services/``; these models only hold what the services write. See
docs/levies.md for the vocabulary (held / due / dropped, the ledger accounts).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from employers.models import Organisation, Sector

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

    scheme = models.ForeignKey(LevyScheme, on_delete=models.PROTECT, related_name="versions")
    valid_from = models.DateField()
    # The last day this version applies; NULL while it is the open-ended current version.
    valid_to = models.DateField(null=True, blank=True)
    basis = models.CharField(max_length=20, choices=Basis.choices)
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
    transaction, so the references carry no database check (see enrolment.PayrollLine on the
    cost of deferred FK checks); tests/levies/test_assessment.py proves nothing dangles.
    """

    class Status(models.TextChoices):
        HELD = "held", "Held (opt-out window open)"
        DUE = "due", "Due"
        DROPPED = "dropped", "Dropped"

    class Kind(models.TextChoices):
        CHARGE = "charge", "Charge"
        ADJUSTMENT = "adjustment", "Adjustment"

    run = models.ForeignKey(
        LevyAssessmentRun, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    # The run that moved it from held to due or dropped.
    settled_by_run = models.ForeignKey(
        LevyAssessmentRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    payroll_line = models.ForeignKey(
        "enrolment.PayrollLine",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    period_start = models.DateField()
    period_end = models.DateField()
    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    person = models.ForeignKey(
        "enrolment.Person",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # The agency whose payroll the line is on (also for the state's and the hirer's rows).
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    site = models.ForeignKey(
        "employers.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    cao_phase = models.CharField(max_length=10, blank=True, default="")
    payer = models.CharField(max_length=6, choices=Payer.choices)
    # NULL for the state.
    payer_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=7, choices=Status.choices)
    amount = models.DecimalField(**MONEY)
    # The invoice or credit note that billed this due charge to its payer organisation (NULL
    # until then, and always for the state's rows); set in one UPDATE per invoice.
    invoice = models.ForeignKey(
        "levies.Invoice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # The state claim that claimed this due state charge (NULL until then; only state rows).
    state_claim = models.ForeignKey(
        "levies.StateClaim",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

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
    UNAPPLIED_PAYMENTS = "unapplied", "Unapplied payments"


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

    kind = models.CharField(max_length=20)
    memo = models.CharField(max_length=200, blank=True, default="")
    run = models.ForeignKey(
        LevyAssessmentRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
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

    class Meta:
        ordering = ["transaction_id", "id"]
        indexes = [models.Index(fields=["organisation", "account"], name="posting_org_account")]
        constraints = [
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
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
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
    an issued invoice."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    site = models.ForeignKey(
        "employers.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    site_name = models.CharField(max_length=250, blank=True, default="")
    cao_phase = models.CharField(max_length=10, blank=True, default="")
    members = models.PositiveIntegerField()
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
