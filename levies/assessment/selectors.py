"""Reads of schemes and assessment: the scheme version in force, the periods still holding
charges, the latest run of a period, what is booked per line and payer, and the period summary
that ``levies_assess`` returns and the tests compare with."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Q, Sum

from employers.models import Organisation
from levies.models import LevyAssessmentRun, LevyCharge, LevyScheme, LevySchemeVersion
from unionroll.money import money_text

# The period summary read from the booked charges (members: persons with a non-zero amount).
SUMMARY_SQL = """
WITH per_member AS (
    SELECT payer, payer_organisation_id AS org, person_id,
           coalesce(sum(amount) FILTER (WHERE status = 'due'), 0) AS due,
           coalesce(sum(amount) FILTER (WHERE status = 'held'), 0) AS held
    FROM levies_levycharge
    WHERE period_start = %(ps)s AND period_end = %(pe)s AND status IN ('held', 'due')
    GROUP BY 1, 2, 3
)
SELECT CASE WHEN pm.payer = 'state' THEN 'state' ELSE o.kvk END AS payer_key,
       count(*), sum(pm.due), sum(pm.held)
FROM per_member pm LEFT JOIN employers_organisation o ON o.id = pm.org
WHERE pm.due <> 0 OR pm.held <> 0
GROUP BY 1
ORDER BY (CASE WHEN min(pm.payer) = 'state' THEN 1 ELSE 0 END), 1
"""

# After a run what is booked equals the target, so the summary is read from the target.
TARGET_SUMMARY_SQL = """
SELECT CASE WHEN t.payer = 'state' THEN 'state' ELSE o.kvk END AS payer_key,
       count(DISTINCT t.person_id),
       coalesce(sum(t.amount) FILTER (WHERE t.status = 'due'), 0),
       coalesce(sum(t.amount) FILTER (WHERE t.status = 'held'), 0)
FROM levy_target t LEFT JOIN employers_organisation o ON o.id = t.payer_organisation_id
GROUP BY 1
ORDER BY (CASE WHEN min(t.payer) = 'state' THEN 1 ELSE 0 END), 1
"""


def scheme_version_on(*, sector_id: int, day: dt.date) -> LevySchemeVersion | None:
    return (
        LevySchemeVersion.objects.filter(scheme__sector_id=sector_id, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .first()
    )


def schemes_list() -> list[LevyScheme]:
    return list(LevyScheme.objects.select_related("sector").prefetch_related("versions"))


def periods_with_held_charges() -> list[tuple[dt.date, dt.date]]:
    return list(
        LevyCharge.objects.filter(status=LevyCharge.Status.HELD)
        .values_list("period_start", "period_end")
        .distinct()
        .order_by("period_start", "period_end")
    )


def assessment_latest(*, period_start: dt.date, period_end: dt.date) -> LevyAssessmentRun | None:
    return (
        LevyAssessmentRun.objects.filter(period_start=period_start, period_end=period_end)
        .order_by("-id")
        .first()
    )


def period_summary(
    *, period_start: dt.date, period_end: dt.date, from_target: bool = False
) -> dict[str, Any]:
    """The --json summary of a period: per payer (its KvK number, or "state") the members with
    an amount and what is due and held, and the total; read from the booked charges.

    ``from_target`` reads the same summary from the target table (``levy_target``) of the run
    in progress instead: only ``levies_assess`` passes it, inside its own transaction, the only
    place that table exists. After a run what is booked equals the target, so both give the
    same answer; the target is smaller to read.
    """
    with connection.cursor() as cur:
        cur.execute(
            TARGET_SUMMARY_SQL if from_target else SUMMARY_SQL,
            {"ps": period_start, "pe": period_end},
        )
        payers = []
        total = Decimal(0)
        for payer, members, due, held in cur.fetchall():
            payers.append(
                {
                    "payer": payer,
                    "members": members,
                    "due": money_text(due),
                    "held": money_text(held),
                }
            )
            total += due + held
    return {
        "period_start": period_start.isoformat(),
        "period_end": period_end.isoformat(),
        "total": money_text(total),
        "payers": payers,
    }


def booked_by_line(*, period_start: dt.date, period_end: dt.date) -> dict[tuple, Decimal]:
    """{(line id, payer, status): amount} of what is booked (held or due) for a period."""
    rows = (
        LevyCharge.objects.filter(
            period_start=period_start, period_end=period_end, status__in=["held", "due"]
        )
        .values("payroll_line_id", "payer", "status")
        .annotate(amount=Sum("amount"))
    )
    return {
        (r["payroll_line_id"], r["payer"], r["status"]): r["amount"]
        for r in rows
        if r["amount"] != 0
    }


def payer_due_charges_by_site_and_phase(
    *,
    organisation: Organisation,
    period_start: dt.date,
    period_end: dt.date,
    not_invoiced: bool = False,
) -> list[dict[str, Any]]:
    """A payer's due charges of a period per site and CAO phase, with member counts
    (``not_invoiced``: only those no invoice or credit note has billed yet). Invoicing itself
    runs the same grouping in SQL for every payer at once (levies.billing.services)."""
    charges = LevyCharge.objects.filter(
        payer_organisation=organisation,
        period_start=period_start,
        period_end=period_end,
        status=LevyCharge.Status.DUE,
    )
    if not_invoiced:
        charges = charges.filter(invoice__isnull=True)
    return list(
        charges.values("site_id", "cao_phase")
        .annotate(members=Count("person_id", distinct=True), amount=Sum("amount"))
        .order_by("site_id", "cao_phase")
    )
