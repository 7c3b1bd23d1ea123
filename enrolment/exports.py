"""Files enrolment hands out, the same from the staff pages and the API."""

from __future__ import annotations

import csv

from django.http import HttpResponse

from enrolment.models import RosterUpload
from enrolment.selectors import roster_upload_result
from unionroll.spreadsheets import spreadsheet_safe

ERRORS_CSV_COLUMNS = ("row", "column", "code", "message", "value")


def roster_errors_csv_response(upload: RosterUpload) -> HttpResponse:
    """The error report as a CSV download; the pages and the API serve the same file."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    # The id, not the client's file name: file names can name people.
    response["Content-Disposition"] = f'attachment; filename="roster-{upload.pk}-errors.csv"'
    response["Cache-Control"] = "no-store"
    # A byte-order mark makes Excel read the file as UTF-8, so Polish and Romanian names survive.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(ERRORS_CSV_COLUMNS)
    for error in roster_upload_result(upload)["errors"]:
        # The values come from the uploaded file: "=HYPERLINK(...)" must stay text.
        writer.writerow(spreadsheet_safe(error.get(column)) for column in ERRORS_CSV_COLUMNS)
    return response
