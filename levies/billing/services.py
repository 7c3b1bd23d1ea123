"""Invoices, credit notes and state claims for a pay period's due charges, set-based.

Rules (docs/levies.md, "Invoices, credit notes and state claims"):

- A run bills every due charge of the period that no earlier document billed. Per payer
  organisation the net of those charges gives one document: an **invoice** when it is positive,
  a **credit note** when it is negative, **nothing** when it is zero. Zero-net charges stay
  unbilled and are carried into the payer's next document for the period (where they still net
  to zero), so no zero-amount document and no number is spent on them.
- A second run finds nothing unbilled and issues nothing (idempotent). After a replaced roster
  or a released held charge, the next run bills only the new rows: a supplementary invoice or a
  credit note for the difference.
- Invoices and credit notes share one gap-free series per calendar year of the issue date
  (``2027-000123``); state claims have their own (``S2027-000001``). The next number comes from
  a counter row updated inside the issuing transaction, so a rolled-back run gives its numbers
  back and concurrent runs queue on the row.
- Runs of a period are serialised with its assessment (the same advisory lock): a charge cannot
  be booked between reading what to bill and marking it billed.
- Each document is posted to the ledger: an invoice moves the payer's amount from
  ``receivable`` (due, not yet invoiced) to ``invoiced`` (a credit note moves it back); a claim
  moves the state's from ``state_receivable`` to ``state_claimed``.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from employers.models import Organisation
from enrolment.models import RosterUpload
from levies.assessment.services import LOCK_NAMESPACE, levies_assess
from levies.billing.payment_reference import payment_reference_for_invoice
from levies.events import InvoicesIssued
from levies.ledger.services import ledger_post
from levies.models import (
    Account,
    DocumentCounter,
    Invoice,
    InvoiceLine,
    LedgerTransaction,
    StateClaim,
    StateClaimRow,
)
from unionroll import events
from unionroll.exceptions import Invalid

logger = logging.getLogger(__name__)

# The betalingskenmerk's one-digit series (levies.billing.payment_reference): invoices and state
# claims are numbered separately, so their references must not collide.
INVOICE_REFERENCE_SERIES = 0
STATE_CLAIM_REFERENCE_SERIES = 5

# Per payer, site and CAO phase, the net of each person's unbilled due charges: a person counts
# on a line when their net there is not zero (an adjustment that nets out names nobody). A site
# and phase with fewer such persons than the minimum group size is merged into the payer's one
# grouped line (no site, no phase), where each person counts once: no line describes one person.
# A line counts workers when all its persons are in sectors whose scheme charges every covered
# worker (base covered_workers), else members.
INVOICE_GROUPS_SQL = """
WITH per_person AS (
    SELECT payer_organisation_id AS org, site_id, cao_phase, person_id, sum(amount) AS amount,
           bool_and(sector_id = ANY(%(workers)s::bigint[])) AS workers
    FROM levies_levycharge
    WHERE period_start = %(ps)s AND period_end = %(pe)s AND status = 'due'
      AND invoice_id IS NULL AND payer_organisation_id IS NOT NULL
    GROUP BY 1, 2, 3, 4
), sized AS (
    SELECT org, coalesce(site_id, 0) AS site_key, cao_phase,
           count(*) FILTER (WHERE amount <> 0) < %(min_group)s AS small
    FROM per_person GROUP BY 1, 2, 3
), regrouped AS (
    SELECT p.org, z.small AS grouped,
           CASE WHEN z.small THEN NULL ELSE p.site_id END AS site_id,
           CASE WHEN z.small THEN '' ELSE p.cao_phase END AS cao_phase,
           p.person_id, sum(p.amount) AS amount, bool_and(p.workers) AS workers
    FROM per_person p
    JOIN sized z
      ON z.org = p.org AND z.site_key = coalesce(p.site_id, 0) AND z.cao_phase = p.cao_phase
    GROUP BY 1, 2, 3, 4, 5
)
SELECT r.org, r.grouped, r.site_id, coalesce(s.name, ''), coalesce(s.code, ''), r.cao_phase,
       count(*) FILTER (WHERE r.amount <> 0), bool_and(r.workers), sum(r.amount)
FROM regrouped r LEFT JOIN employers_site s ON s.id = r.site_id
GROUP BY r.org, r.grouped, r.site_id, s.name, s.code, r.cao_phase
ORDER BY r.org, r.grouped, s.name IS NULL, s.name, s.code, r.cao_phase
"""

# The sectors whose scheme version on the period's start charges every covered worker.
WORKER_SECTORS_SQL = """
SELECT s.sector_id FROM levies_levyscheme s
JOIN levies_levyschemeversion v ON v.scheme_id = s.id
WHERE v.base = 'covered_workers' AND v.valid_from <= %(ps)s
  AND (v.valid_to IS NULL OR v.valid_to >= %(ps)s)
"""

# One statement per document, over the partial index of unbilled due charges.
MARK_INVOICED_SQL = """
UPDATE levies_levycharge SET invoice_id = %(invoice)s
WHERE payer_organisation_id = %(org)s AND period_start = %(ps)s AND period_end = %(pe)s
  AND status = 'due' AND invoice_id IS NULL
"""

CLAIM_ROWS_SQL = """
WITH per_person AS (
    SELECT sector_id, organisation_id, person_id, sum(amount) AS amount
    FROM levies_levycharge
    WHERE period_start = %(ps)s AND period_end = %(pe)s AND status = 'due' AND payer = 'state'
      AND state_claim_id IS NULL
    GROUP BY 1, 2, 3
)
SELECT p.sector_id, sec.name, p.organisation_id, o.name, o.kvk,
       count(*) FILTER (WHERE p.amount <> 0), sum(p.amount)
FROM per_person p
JOIN employers_sector sec ON sec.id = p.sector_id
JOIN employers_organisation o ON o.id = p.organisation_id
GROUP BY p.sector_id, sec.name, p.organisation_id, o.name, o.kvk
ORDER BY sec.name, o.name, o.kvk
"""

MARK_CLAIMED_SQL = """
UPDATE levies_levycharge SET state_claim_id = %(claim)s
WHERE period_start = %(ps)s AND period_end = %(pe)s AND status = 'due' AND payer = 'state'
  AND state_claim_id IS NULL
"""


def _check_period(period_start: dt.date, period_end: dt.date) -> None:
    if period_end < period_start:
        raise Invalid(
            "period_invalid",
            "The period ends before it starts.",
            {"period_start": period_start.isoformat(), "period_end": period_end.isoformat()},
        )


def _lock_period(cur: Any, period_start: dt.date) -> None:
    # The assessment's lock: billing waits for a running assessment of the period and the
    # other way round, and two billing runs of a period queue.
    cur.execute(
        "SELECT pg_advisory_xact_lock(%s, %s)",
        [LOCK_NAMESPACE, (period_start - dt.date(2000, 1, 1)).days],
    )


def document_number_next(*, series: str, year: int) -> int:
    """The next number of ``series`` in ``year``. Call inside the issuing transaction: the
    counter row stays locked until it commits (and the number returns if it rolls back)."""
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO levies_documentcounter (series, year, last_number) VALUES (%s, %s, 0) "
            "ON CONFLICT (series, year) DO NOTHING",
            [series, year],
        )
    # SELECT ... FOR UPDATE: a concurrent issuer of the same series and year waits here until
    # this transaction ends, then reads the number this one wrote.
    counter = DocumentCounter.objects.select_for_update().get(series=series, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def _due_date(issue_date: dt.date) -> dt.date:
    return issue_date + dt.timedelta(days=settings.UNIONROLL_INVOICE_DUE_DAYS)


def _invoice_summary(invoice: Invoice, kvk: str) -> dict[str, Any]:
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "kind": invoice.kind,
        "payer": kvk,
        "total": f"{invoice.total:.2f}",
        "payment_reference": invoice.payment_reference,
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
    }


def invoices_issue(
    *, period_start: dt.date, period_end: dt.date, issue_date: dt.date | None = None
) -> list[dict[str, Any]]:
    """Issue an invoice or credit note to every payer organisation whose unbilled due charges
    of the period net to non-zero. Returns one summary per document (none if nothing is
    unbilled); safe to run any number of times."""
    _check_period(period_start, period_end)
    issue_date = issue_date or timezone.localdate()
    p = {"ps": period_start, "pe": period_end}
    issued: list[dict[str, Any]] = []
    with transaction.atomic(), connection.cursor() as cur:
        _lock_period(cur, period_start)
        cur.execute(WORKER_SECTORS_SQL, p)
        workers = [sector_id for (sector_id,) in cur.fetchall()]
        cur.execute(
            INVOICE_GROUPS_SQL,
            {**p, "workers": workers, "min_group": settings.UNIONROLL_MIN_GROUP_SIZE},
        )
        groups: dict[int, list[tuple]] = {}
        for org, *group in cur.fetchall():
            groups.setdefault(org, []).append(tuple(group))
        kvks = dict(Organisation.objects.filter(pk__in=groups).values_list("pk", "kvk"))
        for org, rows in groups.items():
            total = sum((amount for *_, amount in rows), Decimal(0))
            if total == 0:
                continue
            invoice = _invoice_create(
                org=org, rows=rows, total=total, issue_date=issue_date, p=p, cur=cur
            )
            issued.append(_invoice_summary(invoice, kvks[org]))
        debit = [i["id"] for i in issued if i["kind"] == Invoice.Kind.INVOICE]
        if debit:
            # Payers with a SEPA mandate are debited once the invoices exist for good (the
            # payments sub-domain listens); a failure to queue or to debit is logged and never
            # undoes or blocks the issuing.
            events.publish(InvoicesIssued(invoice_ids=tuple(debit)))
    logger.info(
        "invoices for %s..%s: %s issued (%s credit notes)",
        period_start,
        period_end,
        len(issued),
        sum(1 for i in issued if i["kind"] == Invoice.Kind.CREDIT_NOTE),
    )
    return issued


def _invoice_create(
    *, org: int, rows: list[tuple], total: Decimal, issue_date: dt.date, p: dict, cur: Any
) -> Invoice:
    kind = Invoice.Kind.INVOICE if total > 0 else Invoice.Kind.CREDIT_NOTE
    year = issue_date.year
    sequence = document_number_next(series=DocumentCounter.Series.INVOICE, year=year)
    invoice = Invoice.objects.create(
        kind=kind,
        number=f"{year}-{sequence:06d}",
        year=year,
        sequence=sequence,
        payer_organisation_id=org,
        period_start=p["ps"],
        period_end=p["pe"],
        issue_date=issue_date,
        due_date=_due_date(issue_date) if kind == Invoice.Kind.INVOICE else None,
        total=total,
        # Credit notes are not paid, so they get no payment reference.
        payment_reference=(
            payment_reference_for_invoice(
                year=year, sequence=sequence, series=INVOICE_REFERENCE_SERIES
            )
            if kind == Invoice.Kind.INVOICE
            else None
        ),
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            site_id=site_id,
            site_name=f"{site_name} ({site_code})" if site_id else "",
            cao_phase=phase,
            members=members,
            counted=InvoiceLine.Counted.WORKERS if workers else InvoiceLine.Counted.MEMBERS,
            grouped=grouped,
            amount=amount,
        )
        # A group whose charges net to zero bills nothing and is left off the document.
        for grouped, site_id, site_name, site_code, phase, members, workers, amount in rows
        if amount != 0
    )
    cur.execute(MARK_INVOICED_SQL, {**p, "invoice": invoice.pk, "org": org})
    ledger_post(
        kind=(
            LedgerTransaction.Kind.INVOICED
            if kind == Invoice.Kind.INVOICE
            else LedgerTransaction.Kind.CREDITED
        ),
        legs=[(Account.INVOICED, org, total), (Account.RECEIVABLE, org, -total)],
        memo=f"{invoice.get_kind_display().lower()} {invoice.number}",
        period=(p["ps"], p["pe"]),
    )
    return invoice


def state_claim_issue(
    *, period_start: dt.date, period_end: dt.date, issue_date: dt.date | None = None
) -> StateClaim | None:
    """Claim the state's unclaimed due share of the period from the funder: one claim with a
    row per sector and agency (member counts and amounts, no personal data). None when nothing
    unclaimed nets to non-zero. A later run claims only the difference (negative: a
    correction)."""
    _check_period(period_start, period_end)
    issue_date = issue_date or timezone.localdate()
    p = {"ps": period_start, "pe": period_end}
    with transaction.atomic(), connection.cursor() as cur:
        _lock_period(cur, period_start)
        cur.execute(CLAIM_ROWS_SQL, p)
        rows = cur.fetchall()
        total = sum((row[-1] for row in rows), Decimal(0))
        if total == 0:
            return None
        year = issue_date.year
        sequence = document_number_next(series=DocumentCounter.Series.STATE_CLAIM, year=year)
        claim = StateClaim.objects.create(
            reference=f"S{year}-{sequence:06d}",
            year=year,
            sequence=sequence,
            period_start=period_start,
            period_end=period_end,
            issue_date=issue_date,
            due_date=_due_date(issue_date) if total > 0 else None,
            total=total,
            payment_reference=payment_reference_for_invoice(
                year=year, sequence=sequence, series=STATE_CLAIM_REFERENCE_SERIES
            ),
        )
        StateClaimRow.objects.bulk_create(
            StateClaimRow(
                claim=claim,
                sector_id=sector_id,
                sector_name=sector_name,
                organisation_id=org,
                organisation_name=org_name,
                organisation_kvk=kvk,
                members=members,
                amount=amount,
            )
            for sector_id, sector_name, org, org_name, kvk, members, amount in rows
            if amount != 0
        )
        cur.execute(MARK_CLAIMED_SQL, {**p, "claim": claim.pk})
        ledger_post(
            kind=LedgerTransaction.Kind.CLAIMED,
            legs=[(Account.STATE_CLAIMED, None, total), (Account.STATE_RECEIVABLE, None, -total)],
            memo=f"state claim {claim.reference}",
            period=(period_start, period_end),
        )
    logger.info("state claim %s for %s..%s issued", claim.reference, period_start, period_end)
    return claim


def _claim_summary(claim: StateClaim | None) -> dict[str, Any] | None:
    if claim is None:
        return None
    return {
        "id": claim.pk,
        "reference": claim.reference,
        "total": f"{claim.total:.2f}",
        "payment_reference": claim.payment_reference,
        "issue_date": claim.issue_date.isoformat(),
    }


def period_billing_issue(
    *, period_start: dt.date, period_end: dt.date, issue_date: dt.date | None = None
) -> dict[str, Any]:
    """Invoices, credit notes and the state claim of one period, in one transaction: the
    --json shape of ``invoices_issue``."""
    with transaction.atomic():
        invoices = invoices_issue(
            period_start=period_start, period_end=period_end, issue_date=issue_date
        )
        claim = state_claim_issue(
            period_start=period_start, period_end=period_end, issue_date=issue_date
        )
    return {
        "period_start": period_start.isoformat(),
        "period_end": period_end.isoformat(),
        "invoices": invoices,
        "state_claim": _claim_summary(claim),
    }


def levies_assess_and_invoice_closed_periods(
    *, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """Daily: assess every pay period that has ended (an unchanged period costs only its
    fingerprint) and bill what became due. One period at a time, each in its own transactions,
    so a failure in one leaves the others done."""
    today = today or timezone.localdate()
    # The applied uploads name the periods of the current payroll lines, and are far fewer.
    periods = (
        RosterUpload.objects.filter(
            status=RosterUpload.Status.APPLIED,
            period_start__isnull=False,
            period_end__lt=today,
        )
        .values_list("period_start", "period_end")
        .distinct()
        .order_by("period_start", "period_end")
    )
    results = []
    for start, end in periods:
        assessed = levies_assess(period_start=start, period_end=end, today=today)
        billed = period_billing_issue(period_start=start, period_end=end, issue_date=today)
        results.append({**billed, "run": assessed["run"], "unchanged": assessed["unchanged"]})
    return results
