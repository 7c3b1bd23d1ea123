from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from employers.models import Organisation, Sector, Site
from unionroll.db import unchecked_reference


class EnrolmentPolicy(models.Model):
    """How default membership works in one sector."""

    sector = models.OneToOneField(Sector, on_delete=models.CASCADE, related_name="policy")
    covered = models.BooleanField(default=True)
    minimum_age = models.PositiveSmallIntegerField(default=16)
    # One calendar month, as the UK workplace-pension opt-out window.
    opt_out_window_months = models.PositiveSmallIntegerField(default=1)
    # None: someone who opted out is never re-enrolled by a roster.
    reenrol_after_days = models.PositiveIntegerField(null=True, blank=True)
    lapse_weeks = models.PositiveSmallIntegerField(default=13)

    class Meta:
        verbose_name_plural = "enrolment policies"

    def __str__(self) -> str:
        return f"Policy for {self.sector.code}"


class Person(models.Model):
    """A worker. Matched without the BSN unless a deployment switches BSN matching on."""

    first_name = models.CharField(max_length=200)
    last_name = models.CharField(max_length=200)
    # Lower-case, accents and punctuation removed: "Łukasz Wróbel-Nowak" -> "lukasz", "wrobelnowak".
    # Matching keys are compared for equality only: byte-wise ("C") collation makes every
    # index insert and hash a memcmp instead of a locale-aware comparison.
    first_name_key = models.CharField(max_length=200, db_collation="C")
    last_name_key = models.CharField(max_length=200, db_collation="C")
    # NULL only once the person is erased (privacy.erasure): a roster always gives one.
    date_of_birth = models.DateField(null=True, blank=True)
    # NULL, not "": unknown contact details must never match each other.
    email = models.CharField(max_length=254, null=True, blank=True)  # noqa: DJ001
    phone = models.CharField(max_length=20, null=True, blank=True)  # noqa: DJ001 (E.164)
    language = models.CharField(max_length=8, default="en")
    # Details a member set themselves are never overwritten by a roster.
    email_set_by_member = models.BooleanField(default=False)
    phone_set_by_member = models.BooleanField(default=False)
    language_set_by_member = models.BooleanField(default=False)
    # Where the union may post letters: given by the member to the union (the portal, a union
    # admin), never taken from a roster, so nothing sent by post goes by way of an employer.
    # Free lines as the member writes them. A database default: rosters insert persons by SQL.
    postal_address = models.TextField(blank=True, default="", db_default="")
    # HMAC-SHA256 of the BSN under a server secret, only in BSN mode. Never the BSN itself.
    # Unique where present: a partial index, so rosters without BSNs add nothing to it.
    bsn_hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # Rarely set (a merge); a database check on it would still queue a trigger per inserted row.
    merged_into = unchecked_reference("self", null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When the person's data was erased (privacy.erasure): names, date of birth, contact details,
    # worker numbers and the BSN hash are gone; the row stays for the memberships and money that
    # rest on it. A later roster naming the same worker creates a new person.
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                # Date first: most comparisons while the index grows end at a cheap date.
                fields=["date_of_birth", "last_name_key", "first_name_key"],
                name="person_dob_name",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["bsn_hash"],
                condition=Q(bsn_hash__isnull=False),
                name="person_bsn_hash_unique",
            )
        ]

    def __str__(self) -> str:
        return f"Person #{self.pk}"


class WorkerNumber(models.Model):
    """An organisation's own number for a worker: the first and strongest match."""

    # Covered by the unique (organisation, worker_number) index.
    organisation = unchecked_reference(Organisation)
    worker_number = models.CharField(max_length=40, db_collation="C")
    person = unchecked_reference(Person, related_name="worker_numbers", index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Who the organisation last gave this number for, as its roster wrote it: a later roster
    # matches by the number only when its worker is this one (up to a typo), judged on the
    # organisation's own files alone (docs/enrolment.md, "Who is a person").
    first_name = models.CharField(max_length=200)
    last_name = models.CharField(max_length=200)
    first_name_key = models.CharField(max_length=200, db_collation="C")
    last_name_key = models.CharField(max_length=200, db_collation="C")
    date_of_birth = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "worker_number"], name="worker_number_unique_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"Worker number at organisation {self.organisation_id}"


class PossibleDuplicate(models.Model):
    """Two persons who may be one: an admin confirms (merge) or dismisses.

    Recorded for two reasons (``reason``): the same name and date of birth but nothing else in
    common; or an organisation's worker number that pointed at ``candidate`` came on a roster
    with a name or date of birth that is not ``candidate``'s, so ``person`` was taken as
    someone else (a re-used number, a name change on marriage, a corrected date of birth).
    """

    class Status(models.TextChoices):
        OPEN = "open"
        CONFIRMED = "confirmed"
        DISMISSED = "dismissed"

    class Reason(models.TextChoices):
        SAME_NAME_AND_BIRTH_DATE = "same_name_and_birth_date", "Same name and date of birth"
        WORKER_NUMBER_REUSED = "worker_number_reused", "Worker number used for another person"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    candidate = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    upload = models.ForeignKey(
        "RosterUpload", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # A database default too: the ingest writes these rows in SQL.
    reason = models.CharField(
        max_length=30,
        choices=Reason.choices,
        default=Reason.SAME_NAME_AND_BIRTH_DATE,
        db_default=Reason.SAME_NAME_AND_BIRTH_DATE,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "candidate"], name="possible_duplicate_pair"),
            models.CheckConstraint(
                condition=~Q(person=models.F("candidate")), name="possible_duplicate_distinct"
            ),
        ]

    def __str__(self) -> str:
        return f"Possible duplicate #{self.pk}"


class Membership(models.Model):
    """One person's membership in one sector; its history is in MembershipEvent."""

    class Status(models.TextChoices):
        ENROLLED = "enrolled", "Enrolled (opt-out window open)"
        ACTIVE = "active", "Active"
        OPTED_OUT = "opted_out", "Opted out"
        OPTED_IN = "opted_in", "Opted back in"
        LAPSED = "lapsed", "Lapsed"
        MERGED = "merged", "Merged into another membership"

    # The unique (person, sector) index serves lookups by person.
    person = unchecked_reference(Person, related_name="memberships")
    sector = unchecked_reference(Sector)
    status = models.CharField(max_length=10, choices=Status.choices)
    # Counts from the start of the pay period of the roster that enrolled it.
    covered_from = models.DateField()
    # Enrolment spell: 1 for the first enrolment, +1 for each re-enrolment after an opt-out.
    spell = models.PositiveSmallIntegerField(default=1)
    enrolled_on = models.DateField()
    window_ends = models.DateField(null=True, blank=True)
    # An opt-out inside the window voids the spell from the start: never a member.
    void = models.BooleanField(default=False)
    # The welcome is a printed letter that has not reached the member yet: the window has not
    # started, so it does not close (it starts when the union hands the letter over or posts
    # it). Set by membership_window_hold, cleared by membership_window_start.
    window_waits_for_letter = models.BooleanField(default=False, db_default=False)
    ended_on = models.DateField(null=True, blank=True)
    opted_out_on = models.DateField(null=True, blank=True)
    last_seen_period_end = models.DateField()
    enrolled_by_upload = unchecked_reference("RosterUpload", null=True)
    merged_into = unchecked_reference("self", null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # No index on (status, window_ends): the daily advance scans the table once (a fraction
        # of a second at a million rows), while an index costs every enrolment an insert.
        constraints = [
            models.UniqueConstraint(fields=["person", "sector"], name="membership_person_sector")
        ]

    def __str__(self) -> str:
        return f"Membership #{self.pk} ({self.status})"


class MembershipEvent(models.Model):
    """Append-only: a database trigger refuses UPDATE and DELETE on this table."""

    class Actor(models.TextChoices):
        SYSTEM = "system"
        UPLOAD = "upload"
        MEMBER = "member"
        ADMIN = "admin"

    # The (membership, id) index serves lookups by membership.
    membership = unchecked_reference(Membership, related_name="events")
    # NULL for the event that created the membership.
    from_status = models.CharField(max_length=10, null=True, blank=True)  # noqa: DJ001
    to_status = models.CharField(max_length=10)
    occurred_at = models.DateTimeField(db_default=Now())
    actor = models.CharField(max_length=10, choices=Actor.choices)
    actor_user = unchecked_reference(settings.AUTH_USER_MODEL, null=True)
    # Not indexed: nothing looks events up by upload (an upload's enrolments are found through
    # Membership.enrolled_by_upload), and every enrolment would pay for the index.
    upload = unchecked_reference("RosterUpload", null=True)
    reason = models.CharField(max_length=40)
    note = models.TextField(blank=True, default="")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["membership_id", "id"]
        indexes = [models.Index(fields=["membership", "id"], name="event_membership_order")]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status} ({self.reason})"


# Where uploaded rosters are stored (under MEDIA_ROOT); the purge sweeps it for orphans.
ROSTER_DIR = "rosters"


def roster_upload_path(instance: RosterUpload, filename: str) -> str:
    # The stored name carries no part of the client's file name (it may name a person).
    return f"{ROSTER_DIR}/{instance.storage_key}"


class RosterUpload(models.Model):
    class Source(models.TextChoices):
        WEB = "web"
        API = "api"
        CLI = "cli"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSING = "processing", "Processing"
        APPLIED = "applied", "Applied"
        REJECTED = "rejected", "Rejected"
        DUPLICATE = "duplicate", "Duplicate (already applied)"
        SUPERSEDED = "superseded", "Replaced by a later file"
        FAILED = "failed", "Failed (system error)"

    class FailureReason(models.TextChoices):
        # The uploader is told why in their language (roster page) or by code (API).
        NONE = "", "-"
        ERROR = "error", "An error in the system"
        STOPPED = "stopped", "The import stopped before it finished"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=5, choices=Source.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    api_key = models.ForeignKey(
        "employers.ApiKey", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    original_filename = models.CharField(max_length=255)
    storage_key = models.CharField(max_length=64, unique=True)
    file = models.FileField(upload_to=roster_upload_path, max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    # Why a "failed" upload failed; empty for every other status.
    failure_reason = models.CharField(
        max_length=10, choices=FailureReason.choices, blank=True, default=""
    )
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    rows = models.IntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.IntegerField(default=0)
    changes = models.JSONField(default=dict, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    replaces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one current roster per organisation and period: the database, not Python,
            # decides which of two racing uploads wins.
            models.UniqueConstraint(
                fields=["organisation", "period_start", "period_end"],
                condition=Q(status="applied"),
                name="one_applied_roster_per_period",
            )
        ]
        indexes = [models.Index(fields=["organisation", "sha256"], name="upload_org_sha")]

    def __str__(self) -> str:
        return f"Roster upload #{self.pk} ({self.status})"

    @staticmethod
    def progress_cache_key(upload_id: int) -> str:
        # Progress lives in the shared cache: the apply runs in one transaction that no other
        # connection can look into until it commits.
        return f"roster-progress:{upload_id}"


class PayrollLine(models.Model):
    """One row of an applied roster. Superseded lines are kept and marked, never deleted.

    A million-row roster spent a third of its import time in deferred foreign-key checks at
    COMMIT (docs/enrolment.md, "Pitfalls of set-based ingest"). Lines are only ever written by
    the ingest SQL, which takes every id from a join on the referenced rows inside the same
    locked transaction, so the references carry no database check (the same holds for the other
    tables the ingest writes in bulk: worker numbers, memberships, events, notices).
    ``tests/enrolment/test_referential_integrity.py`` proves after every kind of import that
    nothing dangles.
    """

    upload = unchecked_reference(RosterUpload, related_name="lines", index=True)
    organisation = unchecked_reference(Organisation)
    person = unchecked_reference(Person, related_name="payroll_lines")
    sector = unchecked_reference(Sector)
    # Checked against the reference data while the roster is validated, in the same
    # transaction; a database check would cost two trigger calls per line at COMMIT.
    hirer = unchecked_reference(Organisation, null=True)
    site = unchecked_reference(Site, null=True)
    row_number = models.IntegerField()
    worker_number = models.CharField(max_length=40, db_collation="C")
    period_start = models.DateField()
    period_end = models.DateField()
    cao_phase = models.CharField(max_length=10, blank=True, default="")
    hours_worked = models.DecimalField(max_digits=8, decimal_places=2)
    gross_wages = models.DecimalField(max_digits=14, decimal_places=2)
    housing_deduction = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    superseded_by = unchecked_reference(RosterUpload, null=True)

    class Meta:
        indexes = [
            models.Index(fields=["person", "period_start"], name="line_person_period"),
            # Levy assessment reads one pay period's current lines. A roster's lines share one
            # period, so each insert lands at the same end of the index: cheap.
            models.Index(
                fields=["period_start", "period_end"],
                condition=Q(superseded_by__isnull=True),
                name="line_current_period",
            ),
        ]

    def __str__(self) -> str:
        return f"Payroll line #{self.pk}"


class MinimumWageRate(models.Model):
    """The statutory minimum wage (WML) per hour for workers aged 21 and over, from a date.

    Indexed twice a year; union admins add each new rate in the admin. Younger workers get a
    share of it (MinimumWageYouthShare). Members are shown what applies to them on a day.
    """

    valid_from = models.DateField(unique=True)
    hourly = models.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        ordering = ["-valid_from"]
        constraints = [models.CheckConstraint(condition=Q(hourly__gt=0), name="wml_positive")]

    def __str__(self) -> str:
        return f"€ {self.hourly} per hour from {self.valid_from}"


class MinimumWageYouthShare(models.Model):
    """The share of the adult minimum wage a worker of this age is owed (e.g. 18: 50 %)."""

    age = models.PositiveSmallIntegerField(unique=True)
    percent = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["-age"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gt=0) & Q(percent__lt=100), name="wml_youth_share_range"
            )
        ]

    def __str__(self) -> str:
        return f"age {self.age}: {self.percent} %"


# --- The member portal -------------------------------------------------------------------------


class SignInLink(models.Model):
    """A single-use sign-in link for one membership, sent by SMS or e-mail.

    Only a SHA-256 of the link's random token is stored (the token has 256 bits: nothing to
    brute-force); the link itself exists only in the message. ``used_at`` is set by one
    conditional UPDATE, so of two clicks on the same link only one signs in.
    """

    class Purpose(models.TextChoices):
        # Asked for on the sign-in page; valid UNIONROLL_SIGNIN_LINK_MINUTES.
        REQUEST = "request", "Asked for by the member"
        # Carried by the welcome notice (SMS, e-mail, the letter's QR code); valid until the
        # opt-out window closes. A newer welcome link replaces an unused older one.
        WELCOME = "welcome", "In the welcome notice"

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=10)
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.REQUEST)
    # The portal page the member was on their way to (a key of portal pages, never a URL).
    destination = models.CharField(max_length=20, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    # Set by the one send that goes out (a conditional UPDATE): a redelivered task sends nothing.
    sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    # Issued before links carried their token after "#": its address has the token in the path
    # (/my/link/<token>/), and only such a link is still accepted there, until it expires. Every
    # link issued since carries it in the fragment, which no server ever receives or logs.
    token_in_path = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Sign-in link #{self.pk}"


class SignInRequest(models.Model):
    """A member asked for a sign-in link: what they typed, kept only until the task that looks
    it up runs (seconds), so that the page answers without looking anyone up and the same for
    a known and an unknown number. The task deletes the row as it claims it; rows older than a
    link's life are deleted by the next task that runs (enrolment.credentials). Its id is all
    that goes to the broker.
    """

    channel = models.CharField(max_length=10)
    # E.164 phone number or lower-case e-mail address, as contact_parse read it.
    contact = models.CharField(max_length=254)
    date_of_birth = models.DateField(null=True, blank=True)
    destination = models.CharField(max_length=20, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"Sign-in request #{self.pk}"


class AccessCode(models.Model):
    """The personal code printed in a member's welcome letter; with the date of birth it signs
    in. Stored as a keyed hash (HMAC under the server secret), so the table alone reveals no
    code; looked up by that hash."""

    membership = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Access code #{self.pk}"


class ContactChange(models.Model):
    """A new phone number or e-mail address a member asked for in the portal, waiting for the
    one-time code sent to it. Until the code is typed the person's details stay as they were:
    nobody can claim a number (and with it another member's sign-in links) without reading
    what is sent to it.

    Only a keyed hash of the 6-digit code is stored (HMAC under the server secret): the table
    alone does not let anyone try the million codes. At most one change waits per person and
    field (a partial unique index); a new request replaces it. ``attempts`` counts wrong codes;
    after CONTACT_CODE_MAX_ATTEMPTS, or once ``expires_at`` has passed, the change is void.
    """

    class Field(models.TextChoices):
        PHONE = "phone"
        EMAIL = "email"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    field = models.CharField(max_length=10, choices=Field.choices)
    # E.164 phone number or normalised e-mail address, as it will be stored on the person.
    new_value = models.CharField(max_length=254)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set by the one send that goes out (a conditional UPDATE): a redelivered task sends nothing.
    sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "field"],
                condition=Q(confirmed_at__isnull=True),
                name="contact_change_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"Contact change #{self.pk}"


class RightsText(models.Model):
    """One piece of rights information in one language, valid from a date.

    Union admins edit these in the admin. A member sees, per topic, the newest text valid today
    for their language, preferring one for their sector over the general one (no sector) and
    one for their agency phase over the one for every phase (blank).
    """

    class Topic(models.TextChoices):
        MINIMUM_WAGE = "minimum_wage", "Minimum wage"
        HOLIDAY_PAY = "holiday_pay", "Holiday pay"
        DEDUCTIONS = "deductions", "Deductions from wages"
        SICK_PAY = "sick_pay", "Sick pay"
        PHASES = "phases", "Agency phases"
        HELP = "help", "Where to get help"

    topic = models.CharField(max_length=20, choices=Topic.choices)
    language = models.CharField(max_length=8)
    # Blank for every sector.
    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The agency CAO phase ("A", "B", "C") this text is for; blank for every phase.
    phase = models.CharField(max_length=10, blank=True, default="")
    valid_from = models.DateField()
    title = models.CharField(max_length=200)
    # Plain text; blank lines separate paragraphs. May name {minimum_wage} and {age}.
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["topic", "language", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "language", "sector", "phase", "valid_from"],
                name="rights_text_once",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_topic_display()} ({self.language}, from {self.valid_from})"


# --- Who read what --------------------------------------------------------------------------------


# Reads from a command line have no logged-in user unless the command is told one (--staff): the
# operating-system account is the "who" there. Every other way in has a user.
PERSON_ACCESS_COMMAND_LINE = ("membership_show", "export")


class PersonAccess(models.Model):
    """One read of one person's data by union staff: who, when, which person, through what.

    Append-only: a database trigger refuses UPDATE and DELETE on this table. Written by
    ``enrolment.services.person_access_record`` from every staff page and command that shows
    one person's data (docs/enrolment.md, "Who read what"), and part of the member's export.
    ``detail`` names the row read by kind and id ("membership 12"); never a search term or any
    other personal value. The rows outlive an erasure of the person: they hold nothing of the
    member but the id.
    """

    class Through(models.TextChoices):
        ADMIN_PERSON = "admin_person", "admin: the person's page"
        ADMIN_MEMBERSHIP = "admin_membership", "admin: a membership's page"
        ADMIN_MEMBERSHIP_EVENT = "admin_membership_event", "admin: a membership event's page"
        ADMIN_WORKER_NUMBER = "admin_worker_number", "admin: a worker number's page"
        ADMIN_POSSIBLE_DUPLICATE = "admin_possible_duplicate", "admin: a possible duplicate"
        ADMIN_PAYROLL_LINE = "admin_payroll_line", "admin: a payroll line's page"
        ADMIN_CONTACT_CHANGE = "admin_contact_change", "admin: a contact change's page"
        ADMIN_SIGN_IN_LINK = "admin_sign_in_link", "admin: a sign-in link's page"
        ADMIN_ACCESS_CODE = "admin_access_code", "admin: an access code's page"
        ADMIN_NOTICE = "admin_notice", "admin: a notice's page"
        ADMIN_LETTER = "admin_letter", "admin: a letter or its PDF"
        ADMIN_LEVY_CHARGE = "admin_levy_charge", "admin: a levy charge's page"
        MEMBERSHIP_SHOW = "membership_show", "command line: membership_show"
        EXPORT = "export", "export of the member's data"
        SEARCH = "search", "admin: person search"

    at = models.DateTimeField(db_default=Now())
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # As the user was called at the time: the row stays readable if the account is renamed.
    username = models.CharField(max_length=150)
    # NULL only for a search that showed nobody. Indexed by (person, at) below.
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    through = models.CharField(max_length=30, choices=Through.choices)
    detail = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        verbose_name = "person access"
        verbose_name_plural = "person accesses (who read what)"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "at"], name="person_access_person_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(through__in=PERSON_ACCESS_COMMAND_LINE),
                name="person_access_user_unless_command",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(through="search"),
                name="person_access_person_unless_search",
            ),
        ]

    def __str__(self) -> str:
        return f"Person access #{self.pk}"
