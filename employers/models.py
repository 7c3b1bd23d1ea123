from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models

kvk_validator = RegexValidator(r"^\d{8}$", "A KvK number has exactly 8 digits.")


class Sector(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    collective_agreement = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Organisation(models.Model):
    class Kind(models.TextChoices):
        AGENCY = "agency", "Agency / employer"
        HIRER = "hirer", "Hirer (inlener)"

    kvk = models.CharField("KvK number", max_length=8, unique=True, validators=[kvk_validator])
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    address = models.TextField(blank=True)
    # Where invoices' payment reminders go (a finance mailbox, not a person's private address).
    billing_email = models.EmailField(blank=True, default="")
    # Who is told ahead of a union workplace visit (a site manager's or reception's mailbox).
    contact_email = models.EmailField(blank=True, default="")
    sectors = models.ManyToManyField(Sector, related_name="organisations", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kvk})"


class Site(models.Model):
    """A hirer's workplace, where agency workers actually work and the union visits."""

    hirer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="sites")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="sites")

    class Meta:
        ordering = ["hirer_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["hirer", "code"], name="site_code_unique_per_hirer")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class User(AbstractUser):
    """A person who logs in: agency/hirer staff (with an organisation) or union staff (without)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )

    @property
    def is_union_admin(self) -> bool:
        return self.is_staff and self.organisation_id is None


class ApiKey(models.Model):
    """An organisation's API key. Only a SHA-256 of the key is stored; the key is shown once.

    Keys are 256-bit random strings, so a fast hash is enough: there is nothing to brute-force.
    The prefix identifies the key in lists and logs without revealing it.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
