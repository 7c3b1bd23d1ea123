"""Bank statement upload for union staff: POST /api/v1/bank-statements/ (CAMT.053 or MT940).

A thin view over ``levies.bank.services.bank_statement_import``: the same rules as the
command (whole file or nothing, each entry once, matching by betalingskenmerk and invoice
number). Organisations' users and API keys are refused (403): statements are the union's bank
account.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import IsUnionAdmin
from api.serializers import ErrorSerializer
from employers.models import User
from levies.bank.services import bank_statement_import

# A month of a busy account's CAMT.053 is a few MB; far larger is not a statement.
MAX_STATEMENT_BYTES = 50 * 1024 * 1024


class BankStatementUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A CAMT.053 (XML) or MT940 statement file.")


class BankStatementImportSerializer(serializers.Serializer):
    file = serializers.IntegerField(allow_null=True, help_text="Id of the stored file.")
    duplicate_file = serializers.BooleanField(help_text="These exact bytes were imported before.")
    entries = serializers.IntegerField(help_text="Entries in the file.")
    new = serializers.IntegerField(help_text="Entries not imported before.")
    duplicates = serializers.IntegerField(help_text="Entries imported before (skipped).")
    matched = serializers.IntegerField()
    unmatched = serializers.IntegerField(help_text="New credits waiting on the desk.")
    ignored = serializers.IntegerField(help_text="New debits (kept, not booked).")
    parked = serializers.IntegerField(help_text="New credits not in euros (not booked).")
    total_matched = serializers.DecimalField(max_digits=14, decimal_places=2)


class BankStatementUploadView(APIView):
    permission_classes = [IsAuthenticated, IsUnionAdmin]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="bank_statements_import",
        summary="Import a bank statement (union staff)",
        description=(
            "Imports the statement's new entries and matches credits to invoices and state "
            "claims. The same file again changes nothing; a malformed file is refused (400, "
            "`bank_statement_invalid`) and changes nothing."
        ),
        request={"multipart/form-data": BankStatementUploadSerializer},
        responses={
            201: BankStatementImportSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Not a readable statement."),
            401: OpenApiResponse(ErrorSerializer, description="No valid session."),
            403: OpenApiResponse(ErrorSerializer, description="Not union staff."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = BankStatementUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        file = serializer.validated_data["file"]
        if file.size > MAX_STATEMENT_BYTES:
            raise serializers.ValidationError({"file": ["The file is too large."]})
        result = bank_statement_import(
            data=file.read(),
            filename=file.name or "",
            user=request.user if isinstance(request.user, User) else None,
        )
        return Response(BankStatementImportSerializer(result).data, status=status.HTTP_201_CREATED)
