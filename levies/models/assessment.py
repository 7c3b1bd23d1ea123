"""Levy schemes, assessment runs and charges: what ``levies.assessment`` writes.

See docs/levies.md for the vocabulary (held / due / dropped).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from employers.models import Organisation, Sector
from levies.models.fields import MONEY
from unionroll.db import unchecked_reference


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
