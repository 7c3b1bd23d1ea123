"""The bulk-written ingest tables carry no database foreign-key checks (they cost a third of a
large import at COMMIT; see enrolment.models.PayrollLine). This proves, after each kind of
import and membership change, that no reference dangles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.db import connection, models
from django.test import TestCase

from enrolment.models import EnrolmentPolicy, Membership, PossibleDuplicate
from enrolment.services import (
    membership_opt_out,
    possible_duplicate_confirm,
    roster_import_path,
)
from tests.employers.factories import (
    HirerFactory,
    OrganisationFactory,
    SectorFactory,
    SiteFactory,
    UnionAdminFactory,
)

from .rosters import worker, write_roster

pytestmark = pytest.mark.django_db


def _unchecked_foreign_keys():
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey) and not field.db_constraint:
                yield model, field


def _dangling() -> dict[str, int]:
    found = {}
    with connection.cursor() as cur:
        for model, field in _unchecked_foreign_keys():
            target = field.related_model
            cur.execute(
                f"""
                SELECT count(*) FROM {model._meta.db_table} t
                LEFT JOIN {target._meta.db_table} r ON r.{target._meta.pk.column} = t.{field.column}
                WHERE t.{field.column} IS NOT NULL AND r.{target._meta.pk.column} IS NULL
                """
            )
            (count,) = cur.fetchone()
            if count:
                found[f"{model.__name__}.{field.name}"] = count
    return found


def test_the_unchecked_references_are_the_ingest_tables_only():
    tables = {model._meta.db_table for model, _ in _unchecked_foreign_keys()}

    assert tables == {
        "enrolment_person",
        "enrolment_payrollline",
        "enrolment_workernumber",
        "enrolment_membership",
        "enrolment_membershipevent",
        "notifications_notice",
        "levies_levycharge",
    }


def test_imports_replacements_opt_outs_and_merges_leave_no_dangling_reference(tmp_path):
    sector = SectorFactory(code="meat")
    EnrolmentPolicy.objects.get_or_create(sector=sector)
    agency, other = OrganisationFactory(sectors=[sector]), OrganisationFactory(sectors=[sector])
    hirer = HirerFactory()
    site = SiteFactory(hirer=hirer, sector=sector, code="P1")
    placed = {"hirer_kvk": hirer.kvk, "site_code": site.code}

    def run(org, rows, name):
        path = write_roster(tmp_path / name, rows)
        with TestCase.captureOnCommitCallbacks(execute=True):
            return roster_import_path(organisation=org, path=path)

    run(agency, [worker(n, **placed) for n in range(1, 6)], "v1.csv")
    run(agency, [worker(n, **placed) for n in range(2, 8)], "v2.csv")  # replacement
    run(other, [worker(1, worker_number="B1")], "b.csv")  # possible duplicate
    membership_opt_out(
        membership=Membership.objects.order_by("pk").first(),
        actor="member",
        reason="portal",
        today=dt.date(2026, 11, 20),
    )
    possible_duplicate_confirm(duplicate=PossibleDuplicate.objects.get(), user=UnionAdminFactory())

    assert _dangling() == {}
