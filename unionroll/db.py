"""Database conventions shared by the apps' models."""

from __future__ import annotations

from typing import Any

from django.db import models


def unchecked_reference(
    to: Any, *, null: bool = False, related_name: str = "+", index: bool = False, **kwargs: Any
) -> models.ForeignKey:
    """A reference on a table written in bulk (roster ingest, levy assessment, notices).

    It carries no database foreign-key check: Django makes those ``DEFERRABLE INITIALLY
    DEFERRED``, so each inserted row queues a trigger that runs at COMMIT — a third of a
    million-row import. Every value written comes from a join or a lookup inside the same
    transaction, rows are never deleted (``PROTECT``), and
    tests/enrolment/test_referential_integrity.py proves after every kind of change that no
    reference dangles. Not indexed unless asked: most are read through another index.
    """
    return models.ForeignKey(
        to,
        on_delete=models.PROTECT,
        null=null,
        blank=null,
        related_name=related_name,
        db_constraint=False,
        db_index=index,
        **kwargs,
    )
