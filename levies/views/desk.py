"""The reconciliation desk: union admins only (docs/payments.md, *The reconciliation desk*).

Per month and per payer what was invoiced, paid by Stripe and by bank, credited and written off,
and what is open and overdue, read from the ledger; the queue of unmatched bank entries, matched
to invoices or parked with a note; arrears; a chart of invoiced against collected; a CSV of the
month. Anyone but a union admin gets 403 (anonymous: the login page), so payers never see each
other. Bank counterparty names and remittance texts appear on an entry's own page only.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from employers.models import Organisation
from levies.bank.selectors import bank_entries_parked, bank_entries_unmatched, documents_to_match
from levies.bank.services import bank_entry_allocate, bank_entry_park
from levies.billing.responses import payer_statement_response
from levies.billing.selectors import arrears_ageing
from levies.models import BankEntry, BankEntryAction, Invoice, InvoiceReminder, StateClaim
from levies.payments.reconciliation import invoiced_and_collected_by_month, reconciliation_period
from unionroll.exceptions import ApplicationError
from unionroll.spreadsheets import spreadsheet_safe

CSV_COLUMNS = (
    ("brought_forward", "brought_forward"),
    ("invoiced", "invoiced"),
    ("paid_stripe", "paid_stripe"),
    ("paid_bank", "paid_bank"),
    ("credits", "credits"),
    ("open", "open"),
    ("overdue", "overdue"),
)


def union_admin_required(view):
    """Logged in (else the login page) and a union admin (else 403)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_union_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def month_bounds(value: str | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """``2026-11`` -> (1 Nov, 30 Nov); anything else is this month."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        start = dt.date(year, month, 1)
    except ValueError:
        start = today.replace(day=1)
    return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])


def _shift_month(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Bar positions for the inline SVG chart of invoiced against collected per month: server
    side, so the page needs no script. Heights are relative to the largest value."""
    width, height, top, bottom, left = 720, 200, 16, 36, 8
    plot = height - top - bottom
    largest = max([r["invoiced"] for r in rows] + [r["collected"] for r in rows] + [Decimal(1)])
    slot = (width - left) / max(len(rows), 1)
    bar = min(22.0, slot / 2 - 4)
    bars = []
    for index, row in enumerate(rows):
        x = left + index * slot + slot / 2 - bar
        entry = {"month": row["month"], "label_x": round(x + bar, 1)}
        for offset, key in ((0, "invoiced"), (bar, "collected")):
            value = max(row[key], Decimal(0))
            h = round(float(value / largest) * plot, 1)
            entry[key] = {
                "x": round(x + offset, 1),
                "y": round(top + plot - h, 1),
                "h": h,
                "value": row[key],
            }
        bars.append(entry)
    return {
        "width": width,
        "height": height,
        "bar": round(bar, 1),
        "baseline": top + plot,
        "label_y": top + plot + 18,
        "bars": bars,
        "largest": largest,
    }


@union_admin_required
@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    start, end = month_bounds(request.GET.get("month"), today)
    reconciliation = reconciliation_period(start=start, end=end, today=today)
    unmatched = list(bank_entries_unmatched())
    context = {
        "start": start,
        "end": end,
        "month": f"{start:%Y-%m}",
        "previous_month": f"{_shift_month(start, -1):%Y-%m}",
        "next_month": f"{_shift_month(start, 1):%Y-%m}",
        "rec": reconciliation,
        "unmatched": unmatched,
        "unmatched_total": sum((entry.amount for entry in unmatched), Decimal("0.00")),
        "parked": list(bank_entries_parked()),
        "arrears": arrears_ageing(today=today),
        "no_contact": InvoiceReminder.objects.filter(status=InvoiceReminder.Status.NO_CONTACT)
        .select_related("invoice__payer_organisation")
        .order_by("-created_at")[:20],
        "actions": BankEntryAction.objects.select_related("user", "entry").order_by("-id")[:10],
        "chart": chart(invoiced_and_collected_by_month(last=end)),
        "today": today,
    }
    return render(request, "levies/desk.html", context)


@union_admin_required
@require_GET
def desk_export(request: HttpRequest) -> HttpResponse:
    """The month's reconciliation as CSV: one row per payer, a total, and the suspense line."""
    today = timezone.localdate()
    start, end = month_bounds(request.GET.get("month"), today)
    rec = reconciliation_period(start=start, end=end, today=today)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period_start", "period_end", "payer", "kvk", *(c for c, _ in CSV_COLUMNS)])
    for row in rec["rows"]:
        writer.writerow(
            [
                start,
                end,
                spreadsheet_safe(row["payer"]),
                row["kvk"],
                *(f"{row[k]:.2f}" for _, k in CSV_COLUMNS),
            ]
        )
    writer.writerow([start, end, "total", "", *(f"{rec['totals'][k]:.2f}" for _, k in CSV_COLUMNS)])
    suspense = rec["suspense"]
    writer.writerow([])
    writer.writerow(["suspense", "brought_forward", "received", "matched", "held"])
    keys = ("brought_forward", "received", "matched", "held")
    writer.writerow(["unmatched receipts", *(f"{suspense[k]:.2f}" for k in keys)])
    writer.writerow(["money in at the bank", f"{rec['bank_in']:.2f}"])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="reconciliation-{start:%Y-%m}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def _document(key: str) -> Invoice | StateClaim | None:
    kind, _, pk = key.partition("-")
    if not pk.isdigit():
        return None
    if kind == "invoice":
        return Invoice.objects.filter(pk=int(pk)).first()
    if kind == "claim":
        return StateClaim.objects.filter(pk=int(pk)).first()
    return None


def _amount(value: str) -> Decimal | None:
    value = (value or "").strip().replace("€", "").replace(" ", "")
    if "," in value and "." not in value:
        value = value.replace(",", ".")
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _allocations_from(request: HttpRequest) -> tuple[list[tuple[Any, Decimal]], list[str]]:
    allocations, errors = [], []
    for key in request.POST.getlist("documents"):
        document = _document(key)
        amount = _amount(request.POST.get(f"amount-{key}", ""))
        if document is None:
            errors.append("An invoice you chose no longer exists.")
        elif amount is None:
            errors.append(f"The amount for {_label(document)} is not a number.")
        else:
            allocations.append((document, amount))
    return allocations, errors


def _label(document: Invoice | StateClaim) -> str:
    return document.number if isinstance(document, Invoice) else document.reference


@union_admin_required
@require_http_methods(["GET", "POST"])
def desk_entry(request: HttpRequest, pk: int) -> HttpResponse:
    """One bank entry: who sent it and why, and the invoices it could pay; match or park."""
    entry = get_object_or_404(BankEntry, pk=pk)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        note = request.POST.get("note", "")
        try:
            if action == "park":
                bank_entry_park(entry=entry, user=request.user, note=note)
                messages.success(request, f"Bank entry of € {entry.amount} parked.")
                return redirect(reverse("levies:desk") + "#queue")
            allocations, errors = _allocations_from(request)
            if not errors:
                bank_entry_allocate(
                    entry=entry, allocations=allocations, user=request.user, note=note
                )
                done = []
                for document, _ in allocations:
                    document.refresh_from_db()
                    done.append(f"{_label(document)}: {document.get_status_display().lower()}")
                messages.success(request, "Matched. " + "; ".join(done) + ".")
                return redirect(reverse("levies:desk") + "#queue")
        except ApplicationError as exc:
            errors.append(exc.message)
        status = 400
    query = request.GET.get("q", "")
    candidates = documents_to_match(entry=entry, query=query)
    chosen = set(request.POST.getlist("documents")) if request.method == "POST" else set()
    for candidate in candidates:
        candidate["checked"] = candidate["key"] in chosen
        posted = request.POST.get(f"amount-{candidate['key']}")
        if posted is not None:
            candidate["prefill"] = posted
    return render(
        request,
        "levies/desk_entry.html",
        {
            "entry": entry,
            "open": entry.status in (BankEntry.Status.UNMATCHED, BankEntry.Status.PARKED)
            and entry.payment_id is not None,
            "candidates": candidates[:25],
            "query": query,
            "errors": errors,
            "note": request.POST.get("note", ""),
            "action": request.POST.get("action", ""),
            "allocations": entry.allocations.select_related("invoice", "state_claim"),
            "history": entry.actions.select_related("user"),
        },
        status=status,
    )


@union_admin_required
@require_GET
def desk_statement_pdf(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    return payer_statement_response(organisation)
