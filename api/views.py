"""Roster endpoints: thin views over ``enrolment.services`` and ``enrolment.selectors``."""

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
    RosterUploadAcceptedSerializer,
    RosterUploadCreateSerializer,
    RosterUploadListItemSerializer,
    RosterUploadSerializer,
)
from api.throttling import RosterUploadThrottle
from employers.models import ApiKey, User
from enrolment.models import RosterUpload
from enrolment.selectors import (
    roster_organisation_for,
    roster_upload_summary,
    roster_uploads_visible_to,
)
from enrolment.services import roster_submit
from enrolment.views import roster_errors_csv_response

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="The request is not valid."),
    401: OpenApiResponse(ErrorSerializer, description="No valid API key or session."),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed for this caller."),
    404: OpenApiResponse(ErrorSerializer, description="No such upload visible to this caller."),
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
            writer.writerow([data.get("code", ""), data.get("message", "")])
        return out.getvalue().encode(self.charset)


def _upload_url(request: Request, upload_id: int) -> str:
    return request.build_absolute_uri(reverse("api:roster-detail", args=[upload_id]))


def _list_item(request: Request, upload: RosterUpload) -> dict[str, Any]:
    return {
        **roster_upload_summary(upload),
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
            "Stores the file and starts checking and applying it. Answers 202 at once; follow "
            "the `url` (also in the `Location` header) until `status` is `applied`, "
            "`rejected` or `duplicate`. A rejected file changed nothing: fix every listed "
            "error and upload the whole file again."
        ),
        request={"multipart/form-data": RosterUploadCreateSerializer},
        responses={202: RosterUploadAcceptedSerializer, **_errors(400, 401, 403, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = RosterUploadCreateSerializer(data=request.data)
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
        # Without a broker the upload was processed when the submit committed; say so.
        upload.refresh_from_db(fields=["status"])
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
            "Status, counts, warnings and every error (row, column, value, reason). "
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
