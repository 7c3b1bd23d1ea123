from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from unionroll.db import unchecked_reference


class Notice(models.Model):
    """A notice owed to a person, and the record of its one delivery.

    The database guarantees one notice per (person, kind, subject); a conditional UPDATE from
    ``due``/``deferred`` to ``sending`` (notifications.services.delivery) guarantees that only
    one task ever hands it to a channel. A notice is therefore sent at most once: a worker that
    dies while a notice is ``sending`` leaves it there for staff to look at, rather than risk a
    second message.
    """

    class Kind(models.TextChoices):
        WELCOME = "welcome"
        OPT_OUT = "opt_out", "Opt-out confirmation"
        OPT_IN = "opt_in", "Rejoin confirmation"
        WINDOW_CLOSING = "window_closing", "Opt-out window closing soon"
        VISIT = "visit", "Workplace visit"
        RIGHTS_REMINDER = "rights_reminder", "Yearly rights reminder"
        PHASE_CHANGE = "phase_change", "CAO phase change"
        # To the phone number or address a member replaced in the portal: if it was not them,
        # they hear of it where they can still be reached.
        CONTACT_CHANGED = "contact_changed", "Contact details changed"

    class Status(models.TextChoices):
        DUE = "due"
        # Waiting for the end of quiet hours or for a retry after a temporary failure.
        DEFERRED = "deferred"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"
        QUEUED_FOR_PRINT = "queued_for_print", "Queued for print"
        # No longer true when its turn came (e.g. "window closing" after the member left).
        CANCELLED = "cancelled"

    class Channel(models.TextChoices):
        SMS = "sms", "SMS"
        EMAIL = "email", "E-mail"
        LETTER = "letter"

    class HandOver(models.TextChoices):
        VISIT = "visit", "At a workplace visit"
        INFO_POINT = "info_point", "At an information point"
        POST = "post", "By post"

    # The unique (person, kind, subject) index serves lookups by person.
    # Written in bulk on commit of a roster; see enrolment.models.PayrollLine on FK checks.
    person = models.ForeignKey(
        "enrolment.Person",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    membership = models.ForeignKey(
        "enrolment.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # What the notice is about, e.g. "membership:12:spell:1" for a welcome.
    subject = models.CharField(max_length=100)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DUE)
    created_at = models.DateTimeField(db_default=Now())
    # Facts as they were when the notice was recorded (an opt-out's void/ended_on), so that a
    # later change to the membership does not change what this notice says.
    data = models.JSONField(null=True, blank=True)
    # Delivery. Database defaults: the welcome notices are inserted by SQL in bulk.
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True, db_default="")
    attempts = models.PositiveSmallIntegerField(db_default=0, default=0)
    # A stable code ("sms_http_503", "email_refused"), never a provider's text: those quote
    # phone numbers and addresses.
    last_error = models.CharField(max_length=60, blank=True, db_default="", default="")
    provider_id = models.CharField(max_length=100, blank=True, db_default="", default="")
    # Not to be tried before this moment (quiet hours, back-off).
    not_before = models.DateTimeField(null=True, blank=True)
    # When a delivery task was last queued, so the dispatcher does not queue it again.
    queued_at = models.DateTimeField(null=True, blank=True)
    # A letter's PDF, relative to MEDIA_ROOT.
    document = models.CharField(max_length=200, blank=True, db_default="", default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    # A letter reaches the member when the union hands it over or posts it, never through an
    # employer (notifications.services.letters). Recorded once; for a welcome letter the
    # opt-out window starts then, not when it was printed.
    handed_over_at = models.DateTimeField(null=True, blank=True)
    handed_over_how = models.CharField(
        max_length=12, choices=HandOver.choices, blank=True, db_default="", default=""
    )
    handed_over_by = unchecked_reference(settings.AUTH_USER_MODEL, null=True)
    handed_over_visit = unchecked_reference("notifications.WorkplaceVisit", null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "kind", "subject"], name="notice_once")
        ]
        indexes = [
            # The dispatcher's scan: small, because sent notices leave it.
            models.Index(
                fields=["id"],
                condition=Q(status__in=["due", "deferred"]),
                name="notice_pending",
            ),
            # A visit's notices by subject ("visit:<id>:v<version>", LIKE "visit:<id>:v%"):
            # earlier recipients, counts per version. Partial, so the bulk welcome inserts do
            # not pay for it.
            models.Index(
                fields=["subject"],
                condition=Q(kind="visit"),
                name="notice_visit_subject",
                opclasses=["text_pattern_ops"],
            ),
            # Letters waiting to be handed over (the Letters admin, a visit's letters): few,
            # because they leave it once handed over.
            models.Index(
                fields=["person"],
                condition=Q(channel="letter", status="queued_for_print", handed_over_at=None),
                name="notice_letter_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} notice #{self.pk}"


class LetterManager(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(channel=Notice.Channel.LETTER)


class Letter(Notice):
    """A notice that went out as a printed letter: the union's Letters admin, where staff
    record that a letter was handed over or posted."""

    objects = LetterManager()

    class Meta:
        proxy = True
        permissions = [("hand_over_letter", "Can record that a letter was handed over or posted")]

    def __str__(self) -> str:
        return f"Letter #{self.pk}"


class OrganisationNotice(models.Model):
    """A notice to an organisation's mailbox: the access notice of a workplace visit, to the
    hirer and to each agency supplying the site.

    Once per (organisation, kind, subject), the subject naming the visit version it announces;
    delivered at most once by the same conditional claim as ``Notice``. It never carries
    anything about members, not even how many of them were told.
    """

    class Kind(models.TextChoices):
        VISIT_ACCESS = "visit_access", "Workplace visit access notice"

    Status = Notice.Status

    organisation = models.ForeignKey(
        "employers.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # "visit:<id>:v<version>"
    subject = models.CharField(max_length=100)
    status = models.CharField(max_length=16, choices=Notice.Status.choices, default="due")
    # What the notice says, as it was recorded: the visit, what changed, hirer or agency.
    data = models.JSONField(default=dict, blank=True)
    channel = models.CharField(max_length=10, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=60, blank=True, default="")
    provider_id = models.CharField(max_length=100, blank=True, default="")
    not_before = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now())
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "subject"], name="organisation_notice_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["subject"], name="org_notice_subject", opclasses=["text_pattern_ops"]
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} notice #{self.pk} to organisation {self.organisation_id}"


class DeliveryAttempt(models.Model):
    """One try at sending one message, whatever it was: the one record of attempts.

    ``item`` names what was sent and ``item_id`` which one: a member notice (``notice``), an
    access notice (``organisation_notice``), a payment reminder (``invoice_reminder``) or a
    sign-in link (``signin_link``). Written by notifications.transport.deliver only. It holds no
    address and no text: the code of a failure is stable and free of personal data.

    A try that failed for now carries ``retry_at`` until the item is tried again or given up:
    the dispatcher's pick-up reads only rows with a ``retry_at`` (a small partial index), so the
    history of attempts can grow without slowing it.
    """

    class Result(models.TextChoices):
        SENT = "sent"
        TEMPORARY = "temporary", "Failed for now"
        PERMANENT = "permanent", "Failed"

    item = models.CharField(max_length=30)
    item_id = models.BigIntegerField()
    attempt = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=10)
    result = models.CharField(max_length=10, choices=Result.choices)
    code = models.CharField(max_length=60, blank=True, default="")
    at = models.DateTimeField()
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["item", "item_id", "attempt"], name="delivery_attempt_item"),
            # The dispatcher's scan for retries: only retries still waiting.
            models.Index(
                fields=["retry_at"],
                condition=Q(retry_at__isnull=False),
                name="delivery_attempt_retry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.item_id} attempt {self.attempt}: {self.result}"


class WorkplaceVisit(models.Model):
    """A union visit at a site. Members who worked there recently are told ahead, in their
    languages; the hirer and the agencies supplying the site get an access notice.

    A visit lives here, with the notices, rather than with the sites in employers: it exists in
    this system only to tell people that the union is coming, and who is told is found from
    enrolment's payroll lines, which employers may not read (docs/notifications.md, "Workplace
    visits live in notifications"). The table was ``employers_workplacevisit`` until then.

    ``version`` goes up with every reschedule or cancellation: notices name the version they
    announce, so a change is told again and the same version never twice.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled"
        CANCELLED = "cancelled"

    site = models.ForeignKey("employers.Site", on_delete=models.PROTECT, related_name="visits")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # Where on the site: "canteen, building B". With the note, the union's plain text, written
    # in ``plain_language``: what a member reads when there is no text in their language
    # (notifications/visit_texts.py). Blank when a phrase says it all.
    place = models.CharField(max_length=200, blank=True)
    # Language codes (settings.LANGUAGES) the visiting representatives speak.
    languages = ArrayField(models.CharField(max_length=8), default=list, blank=True)
    note = models.TextField(blank=True, default="")
    # The texts per language, {language code: text}: read together with the visit and copied
    # whole into each notice's snapshot, never queried by language, so a JSON field rather than
    # a table of their own.
    place_translations = models.JSONField(default=dict, blank=True)
    note_translations = models.JSONField(default=dict, blank=True)
    # Phrases from the translated lists (visit_texts.PLACE_PHRASES, NOTE_PHRASES), by key.
    place_phrase = models.CharField(max_length=30, blank=True, default="")
    note_phrases = ArrayField(models.CharField(max_length=30), default=list, blank=True)
    plain_language = models.CharField(max_length=8, default="nl")
    # How many days ahead members are told (UNIONROLL_VISIT_NOTICE_DAYS by default).
    notify_days_ahead = models.PositiveSmallIntegerField(default=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["site", "starts_at"], name="visit_site_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="visit_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"Visit #{self.pk} ({self.status})"
