"""Roster and invoice endpoints: thin views over the apps' services and selectors."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api.permissions import IsOrganisationMemberOrUnionAdmin
from api.serializers import (
    ErrorSerializer,
    InvoiceListItemSerializer,
    InvoiceSerializer,
    RosterUploadAcceptedSerializer,
    RosterUploadCreateSerializer,
    RosterUploadListItemSerializer,
    RosterUploadSerializer,
)
from api.throttling import RosterUploadThrottle
from employers.models import ApiKey, User
from enrolment.exports import roster_errors_csv_response
from enrolment.models import RosterUpload
from enrolment.selectors import (
    roster_organisation_for,
    roster_upload_summary_for,
    roster_uploads_visible_to,
)
from enrolment.services import roster_size_check, roster_submit
from enrolment.uploads import roster_refused_size, roster_size_limit_install
from levies.billing.responses import invoice_pdf_response
from levies.selectors import invoices_visible_to
from unionroll.spreadsheets import spreadsheet_safe

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="The request is not valid."),
    401: OpenApiResponse(ErrorSerializer, description="No valid API key or session."),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed for this caller."),
    404: OpenApiResponse(ErrorSerializer, description="No such upload visible to this caller."),
    413: OpenApiResponse(
        ErrorSerializer, description="The file is larger than the limit (`file_too_large`)."
    ),
    429: OpenApiResponse(ErrorSerializer, description="Too many uploads; wait and retry."),
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}


UPLOAD_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


class RosterPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class CsvRenderer(BaseRenderer):
    """Lets a client ask for ``Accept: text/csv``; an error is then a one-row CSV too."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None):
        out = io.StringIO()
        writer = csv.writer(out)
        if isinstance(data, dict):
            writer.writerow(["code", "message"])
            writer.writerow(
                [spreadsheet_safe(data.get("code", "")), spreadsheet_safe(data.get("message", ""))]
            )
        return out.getvalue().encode(self.charset)


def _upload_url(request: Request, upload_id: int) -> str:
    return request.build_absolute_uri(reverse("api:roster-detail", args=[upload_id]))


def _list_item(request: Request, upload: RosterUpload) -> dict[str, Any]:
    return {
        # An organisation's key or user gets no membership counts; union staff do.
        **roster_upload_summary_for(upload=upload, viewer=request.user),
        "id": upload.pk,
        "url": _upload_url(request, upload.pk),
        "organisation": upload.organisation.kvk,
        "file_name": upload.original_filename,
        "source": upload.source,
        "created_at": upload.created_at,
        "finished_at": upload.finished_at,
    }


class RosterListCreateView(GenericAPIView):
    permission_classes = [IsAuthenticated, IsOrganisationMemberOrUnionAdmin]
    throttle_classes = [RosterUploadThrottle]
    parser_classes = [MultiPartParser, FormParser]
    pagination_class = RosterPagination
    serializer_class = RosterUploadCreateSerializer

    def get_queryset(self):
        return roster_uploads_visible_to(user=self.request.user)

    def initialize_request(self, request, *args, **kwargs):
        # Before anything (a session's CSRF check, the parser) reads the body.
        if request.method == "POST":
            roster_size_limit_install(request)
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        operation_id="rosters_list",
        summary="List roster uploads",
        description="Your organisation's uploads, newest first (union staff: all).",
        responses={200: RosterUploadListItemSerializer(many=True), **_errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        # A rejected million-row file can carry thousands of errors; a list shows only counts,
        # so those columns are not even read.
        uploads = self.get_queryset().defer("errors", "warnings", "changes")
        page = self.paginate_queryset(uploads)
        items = []
        for upload in page:
            upload.errors, upload.warnings, upload.changes = [], [], {}
            items.append(_list_item(request, upload))
        return self.get_paginated_response(RosterUploadListItemSerializer(items, many=True).data)

    @extend_schema(
        operation_id="rosters_create",
        summary="Upload a roster",
        description=(
            "Stores the file; a worker then checks and applies it. Answers 202 at once (status "
            "`received`); follow the `url` (also in the `Location` header) until `status` is "
            "`applied`, `rejected`, `duplicate` or `failed`. A rejected file changed nothing: "
            "fix every listed error and upload the whole file again. A failed upload changed "
            "nothing either (`failure_reason` says why): upload it again. A file larger than "
            "the limit (200 MB unless the union set another) is refused with 413 "
            "`file_too_large`."
        ),
        request={"multipart/form-data": RosterUploadCreateSerializer},
        responses={202: RosterUploadAcceptedSerializer, **_errors(400, 401, 403, 413, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = RosterUploadCreateSerializer(data=request.data)
        refused_size = roster_refused_size(request._request)
        if refused_size is not None:
            roster_size_check(size=refused_size)
        serializer.is_valid(raise_exception=True)
        organisation = roster_organisation_for(
            user=request.user, kvk=serializer.validated_data.get("organisation")
        )
        file = serializer.validated_data["file"]
        upload = roster_submit(
            organisation=organisation,
            file=file,
            filename=file.name,
            source=RosterUpload.Source.API,
            user=request.user if isinstance(request.user, User) else None,
            api_key=request.auth if isinstance(request.auth, ApiKey) else None,
        )
        # Processing has not begun: a worker takes it up after this response.
        url = _upload_url(request, upload.pk)
        body = RosterUploadAcceptedSerializer(
            {"id": upload.pk, "url": url, "status": upload.status}
        )
        return Response(body.data, status=status.HTTP_202_ACCEPTED, headers={"Location": url})


class RosterDetailView(GenericAPIView):
    permission_classes = [IsAuthenticated, IsOrganisationMemberOrUnionAdmin]
    serializer_class = RosterUploadSerializer

    def get_queryset(self):
        return roster_uploads_visible_to(user=self.request.user)

    @extend_schema(
        operation_id="rosters_retrieve",
        summary="An upload's status and outcome",
        description=(
            "Status, rows, period, warnings and every error (row, column, value, reason); "
            "membership counts for union staff only. "
            "Another organisation's upload answers 404."
        ),
        parameters=[UPLOAD_ID],
        responses={200: RosterUploadSerializer, **_errors(401, 403, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        upload = get_object_or_404(self.get_queryset(), pk=pk)
        data = {
            **_list_item(request, upload),
            "errors_csv_url": request.build_absolute_uri(
                reverse("api:roster-errors-csv", args=[upload.pk])
            ),
        }
        return Response(RosterUploadSerializer(data).data)


class RosterErrorsCsvView(GenericAPIView):
    permission_classes = [IsAuthenticated, IsOrganisationMemberOrUnionAdmin]
    renderer_classes = [JSONRenderer, CsvRenderer]

    def get_queryset(self):
        return roster_uploads_visible_to(user=self.request.user)

    @extend_schema(
        operation_id="rosters_errors_csv",
        summary="An upload's errors as CSV",
        description="Columns: row, column, code, message, value. Empty (header only) if none.",
        parameters=[UPLOAD_ID],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The error report."),
            **_errors(401, 403, 404),
        },
    )
    def get(self, request: Request, pk: int):
        upload = get_object_or_404(self.get_queryset(), pk=pk)
        return roster_errors_csv_response(upload)


# --- Invoices --------------------------------------------------------------------------------

INVOICE_ERRORS = {
    401: ERRORS[401],
    403: ERRORS[403],
    404: OpenApiResponse(ErrorSerializer, description="No such invoice visible to this caller."),
}
INVOICE_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


class InvoicePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class PdfRenderer(BaseRenderer):
    """Lets a client ask for ``Accept: application/pdf``; errors then come as JSON bytes."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None):
        return JSONRenderer().render(data)


class InvoiceListView(GenericAPIView):
    permission_classes = [IsAuthenticated, IsOrganisationMemberOrUnionAdmin]
    pagination_class = InvoicePagination
    serializer_class = InvoiceListItemSerializer

    def get_queryset(self):
        return invoices_visible_to(user=self.request.user)

    @extend_schema(
        operation_id="invoices_list",
        summary="List levy invoices and credit notes",
        description=(
            "Your organisation's invoices and credit notes, newest first (union staff: all)."
        ),
        responses={200: InvoiceListItemSerializer(many=True), **_errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        data = InvoiceListItemSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(data)


class InvoiceDetailView(GenericAPIView):
    permission_classes = [IsAuthenticated, IsOrganisationMemberOrUnionAdmin]
    serializer_class = InvoiceSerializer

    def get_queryset(self):
        return invoices_visible_to(user=self.request.user).prefetch_related("lines")

    @extend_schema(
        operation_id="invoices_retrieve",
        summary="An invoice or credit note with its lines",
        description=(
            "Lines per site and CAO phase with counts and amounts (no personal data); sites and "
            "phases with fewer people than the minimum group size are grouped on one line and "
            "a count below it is not given. "
            "Another organisation's invoice answers 404."
        ),
        parameters=[INVOICE_ID],
        responses={200: InvoiceSerializer, **INVOICE_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        invoice = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(InvoiceSerializer(invoice, context={"request": request}).data)


class InvoicePdfView(GenericAPIView):
    permission_classes = [IsAuthenticated, IsOrganisationMemberOrUnionAdmin]
    renderer_classes = [JSONRenderer, PdfRenderer]

    def get_queryset(self):
        return invoices_visible_to(user=self.request.user)

    @extend_schema(
        operation_id="invoices_pdf",
        summary="An invoice or credit note as PDF",
        parameters=[INVOICE_ID],
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The document, as printed."
            ),
            **INVOICE_ERRORS,
        },
    )
    def get(self, request: Request, pk: int):
        invoice = get_object_or_404(self.get_queryset(), pk=pk)
        return invoice_pdf_response(invoice)
