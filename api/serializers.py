"""Shapes of the API's requests and responses. No rules here: the services decide."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from enrolment.models import RosterUpload


class ErrorSerializer(serializers.Serializer):
    """Every error response of the API."""

    code = serializers.CharField(help_text="Stable, machine-readable error code.")
    message = serializers.CharField(help_text="A plain sentence for the person who has to act.")
    detail = serializers.JSONField(help_text="Structured specifics, e.g. field errors.")


class RosterUploadCreateSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The roster: CSV (comma, semicolon or tab separated) or XLSX (first sheet)."
    )
    organisation = serializers.RegexField(
        r"^\d{8}$",
        required=False,
        help_text=(
            "KvK number of the organisation the roster belongs to. Only union staff need it; "
            "an organisation's own key or users always upload for that organisation."
        ),
        error_messages={"invalid": _("A KvK number has exactly 8 digits.")},
    )


class RosterUploadAcceptedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField(help_text="Where to follow the upload's progress and outcome.")
    status = serializers.ChoiceField(choices=RosterUpload.Status.choices)


class RosterIssueSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="Spreadsheet row; header = 1.")
    column = serializers.CharField(allow_null=True, help_text="Column as named in the file.")
    code = serializers.CharField()
    message = serializers.CharField()
    value = serializers.CharField(allow_null=True, help_text="The offending value, if any.")


class RosterUploadListItemSerializer(serializers.Serializer):
    """One upload in a list: its outcome in numbers, without the (possibly long) issue lists."""

    id = serializers.IntegerField()
    url = serializers.URLField()
    organisation = serializers.CharField(help_text="KvK number of the uploading organisation.")
    file_name = serializers.CharField()
    source = serializers.ChoiceField(choices=RosterUpload.Source.choices)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    status = serializers.ChoiceField(choices=RosterUpload.Status.choices)
    failure_reason = serializers.ChoiceField(
        choices=[c for c in RosterUpload.FailureReason.values if c],
        allow_null=True,
        help_text=(
            "Only for a failed upload: `stopped` (the import was cut off before it finished) "
            "or `error` (an error on our side). Nothing was applied; upload the file again."
        ),
    )
    failure_message = serializers.CharField(
        allow_null=True, help_text="Only for a failed upload: what happened, for a person."
    )
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)
    rows = serializers.IntegerField()
    persons_created = serializers.IntegerField()
    persons_matched = serializers.IntegerField()
    memberships_enrolled = serializers.IntegerField()
    memberships_reactivated = serializers.IntegerField()
    opt_outs_respected = serializers.IntegerField()
    possible_duplicates = serializers.IntegerField()
    replaces = serializers.IntegerField(
        allow_null=True, help_text="Id of the earlier upload for this period that this replaced."
    )
    duplicate_of = serializers.IntegerField(
        allow_null=True, help_text="Id of the applied upload with exactly the same file."
    )
    error_count = serializers.IntegerField(help_text="All errors found, even if not all listed.")


class RosterUploadSerializer(RosterUploadListItemSerializer):
    upload_id = serializers.IntegerField(help_text="Same as id (the command line's name).")
    errors_csv_url = serializers.URLField(help_text="The errors as a CSV file.")
    changes = serializers.DictField(help_text="What changed compared with the replaced upload.")
    warnings = RosterIssueSerializer(many=True)
    errors = RosterIssueSerializer(many=True)


class InvoiceLineSerializer(serializers.Serializer):
    site = serializers.CharField(
        source="site_name", help_text="Site name and code as on the invoice; empty: no site."
    )
    cao_phase = serializers.CharField()
    members = serializers.IntegerField(help_text="Members with a levy on this line.")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class InvoiceListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    number = serializers.CharField(help_text="Gap-free per year over invoices and credit notes.")
    kind = serializers.ChoiceField(choices=["invoice", "credit_note"])
    status = serializers.CharField()
    payer = serializers.CharField(
        source="payer_organisation.kvk", help_text="KvK number of the paying organisation."
    )
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    issue_date = serializers.DateField()
    due_date = serializers.DateField(allow_null=True, help_text="None for a credit note.")
    total = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="EUR; negative for a credit note."
    )
    payment_reference = serializers.CharField(
        allow_null=True, help_text="16-digit betalingskenmerk to quote; none for a credit note."
    )

    def _url(self, name: str, obj) -> str:
        request = self.context["request"]
        return request.build_absolute_uri(reverse(name, args=[obj.pk]))

    @extend_schema_field(serializers.URLField())
    def get_url(self, obj) -> str:
        return self._url("api:invoice-detail", obj)

    @extend_schema_field(serializers.URLField())
    def get_pdf_url(self, obj) -> str:
        return self._url("api:invoice-pdf", obj)


class InvoiceSerializer(InvoiceListItemSerializer):
    lines = InvoiceLineSerializer(many=True)
