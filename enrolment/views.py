"""Roster pages for agency payroll staff (and union staff, who see every organisation's).

Which uploads a user sees is decided by ``roster_uploads_visible_to``: another organisation's
upload is a 404, so its existence is not revealed. Uploading goes through ``roster_submit``.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from employers.access import organisation_staff_required
from employers.models import Organisation
from enrolment.exports import roster_errors_csv_response
from enrolment.forms import RosterUploadForm
from enrolment.models import RosterUpload
from enrolment.selectors import (
    roster_counts_visible_to,
    roster_progress,
    roster_upload_summary_for,
    roster_uploads_visible_to,
)
from enrolment.services import roster_submit
from enrolment.uploads import roster_refused_size, roster_size_limit_install
from unionroll.exceptions import ApplicationError

RUNNING = (RosterUpload.Status.RECEIVED, RosterUpload.Status.PROCESSING)
UPLOADS_PER_PAGE = 25


@organisation_staff_required
@require_http_methods(["GET", "POST"])
@csrf_exempt
def roster_list(request: HttpRequest) -> HttpResponse:
    # The size limit's handler must be in place before the CSRF check reads the body; the
    # check itself is then made here, as the middleware would have made it.
    roster_size_limit_install(request)
    return _roster_list(request)


@csrf_protect
def _roster_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RosterUploadForm(
            request.POST,
            request.FILES,
            user=request.user,
            refused_size=roster_refused_size(request),
        )
        if form.is_valid():
            file = form.cleaned_data["file"]
            try:
                upload = roster_submit(
                    organisation=form.upload_organisation(),
                    file=file,
                    filename=file.name,
                    source=RosterUpload.Source.WEB,
                    user=request.user,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("enrolment:roster_detail", pk=upload.pk)
    else:
        form = RosterUploadForm(user=request.user)

    uploads = roster_uploads_visible_to(user=request.user).defer("errors", "warnings", "changes")
    page = Paginator(uploads, UPLOADS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "enrolment/roster_list.html",
        {
            "form": form,
            "page": page,
            "show_organisation": request.user.is_union_admin,
            "show_counts": roster_counts_visible_to(request.user),
            # Hirers have no payroll of agency workers to upload.
            "can_upload": request.user.is_union_admin
            or request.user.organisation.kind == Organisation.Kind.AGENCY,
        },
        status=400 if form.errors else 200,
    )


@organisation_staff_required
@require_GET
def roster_format(request: HttpRequest) -> HttpResponse:
    return render(request, "enrolment/roster_format.html")


def _visible_upload(request: HttpRequest, pk: int) -> RosterUpload:
    return get_object_or_404(roster_uploads_visible_to(user=request.user), pk=pk)


@organisation_staff_required
@require_GET
def roster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _visible_upload(request, pk)
    summary = roster_upload_summary_for(upload=upload, viewer=request.user)
    return render(
        request,
        "enrolment/roster_detail.html",
        {
            "upload": upload,
            "summary": summary,
            "show_counts": roster_counts_visible_to(request.user),
            "running": upload.status in RUNNING,
            "progress": roster_progress(upload_id=upload.pk) if upload.status in RUNNING else {},
            # Same organisation as this upload, so as visible to this user as the upload itself.
            "duplicate_of": upload.duplicate_of,
            "errors_not_listed": max(summary["error_count"] - len(summary["errors"]), 0),
            "changes": _changes_rows(summary["changes"]),
        },
    )


@organisation_staff_required
@require_GET
def roster_status_json(request: HttpRequest, pk: int) -> JsonResponse:
    """What the detail page polls while a file is checked and applied."""
    upload = _visible_upload(request, pk)
    running = upload.status in RUNNING
    progress = roster_progress(upload_id=upload.pk) if running else {}
    return JsonResponse(
        {
            "status": upload.status,
            "running": running,
            "phase": progress.get("phase"),
            "rows_done": progress.get("rows_done"),
        },
        headers={"Cache-Control": "no-store"},
    )


@organisation_staff_required
@require_GET
def roster_errors_csv(request: HttpRequest, pk: int) -> HttpResponse:
    return roster_errors_csv_response(_visible_upload(request, pk))


def _changes_rows(changes: dict) -> list[tuple[str, str, str]]:
    """(what, before, after) for the "what changed" table of a replacing upload."""
    rows = []
    for label, key, places in (
        (_("Payroll lines"), "lines", 0),
        (_("Hours worked"), "hours", 2),
        (_("Gross wages (EUR)"), "gross_wages", 2),
    ):
        before, after = changes.get(f"{key}_before"), changes.get(f"{key}_after")
        if before is None and after is None:
            continue
        rows.append((label, _number(before, places), _number(after, places)))
    return rows


def _number(value: object, places: int) -> str:
    if value is None:
        return "—"
    # The amounts arrive as exact decimal strings; never through float.
    return number_format(Decimal(str(value)), places, force_grouping=True)
