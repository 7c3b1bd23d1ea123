from __future__ import annotations

from django.db import models
from django.db.models.functions import Now


class Notice(models.Model):
    """A notice owed to a person. The database guarantees one per (person, kind, subject)."""

    class Kind(models.TextChoices):
        WELCOME = "welcome"

    class Status(models.TextChoices):
        DUE = "due"
        SENT = "sent"
        FAILED = "failed"

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
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DUE)
    created_at = models.DateTimeField(db_default=Now())
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "kind", "subject"], name="notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} notice #{self.pk}"
