"""The record of each erasure: which person, when, by whom, how and why, and how many rows of
each kind it changed. Never a personal value: the person is an id, the counts are numbers."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Erasure(models.Model):
    class Via(models.TextChoices):
        COMMAND = "command", "Command line"
        ADMIN = "admin", "Admin action"
        RETENTION = "retention", "Retention (no activity for the set time)"

    # The person the erasure was asked for; the records merged with it are in ``persons``.
    person = models.ForeignKey("enrolment.Person", on_delete=models.PROTECT, related_name="+")
    persons = models.JSONField(default=list, blank=True)
    at = models.DateTimeField()
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Who asked, when not a user of this system (the OS user running the command).
    by_name = models.CharField(max_length=150, blank=True, default="")
    via = models.CharField(max_length=10, choices=Via.choices)
    # Why, as staff wrote it (e.g. "request by the member, letter of 2027-03-02"): the reason
    # must not name the person, the admin page and the command say so.
    reason = models.TextField()
    # Rows changed or deleted, per catalogue section and for the extra scrubs.
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        permissions = [("erase_person", "Can erase a person's personal data")]

    def __str__(self) -> str:
        return f"Erasure #{self.pk} (person #{self.person_id})"
