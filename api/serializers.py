"""Shapes of the API's requests and responses. No rules here: the services decide."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from enrolment.models import RosterUpload
from levies.selectors import invoice_lines_shown


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


STAFF_ONLY = (
    "Union staff only: absent for an organisation's users and API keys, whose results never "
    "depend on the workers' union status. "
)


def _staff_count(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(required=False, help_text=STAFF_ONLY + help_text)


class RosterUploadListItemSerializer(serializers.Serializer):
    """One upload in a list, without the (possibly long) issue lists.

    An organisation sees what its file decided: rows, period, status, errors and warnings. The
    membership counts depend on who the union already knew and who opted out (special-category
    data), so only union staff get them.
    """

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
    replaces = serializers.IntegerField(
        allow_null=True, help_text="Id of the earlier upload for this period that this replaced."
    )
    duplicate_of = serializers.IntegerField(
        allow_null=True, help_text="Id of the applied upload with exactly the same file."
    )
    error_count = serializers.IntegerField(help_text="All errors found, even if not all listed.")
    persons_created = _staff_count("Workers new to the register.")
    persons_matched = _staff_count("Workers the register already knew.")
    memberships_enrolled = _staff_count("Memberships started.")
    memberships_reactivated = _staff_count("Lapsed memberships active again.")
    opt_outs_respected = _staff_count("Workers who had opted out and stay out.")
    possible_duplicates = _staff_count("New workers who look like someone already registered.")


class RosterUploadSerializer(RosterUploadListItemSerializer):
    upload_id = serializers.IntegerField(help_text="Same as id (the command line's name).")
    errors_csv_url = serializers.URLField(help_text="The errors as a CSV file.")
    changes = serializers.DictField(
        help_text=(
            "What changed compared with the replaced upload (empty if it replaced none): "
            "worker numbers added, removed and changed, payroll lines, hours and gross wages "
            "before and after. Computed from the two files only."
        )
    )
    warnings = RosterIssueSerializer(many=True)
    errors = RosterIssueSerializer(many=True)


class InvoiceLineSerializer(serializers.Serializer):
    """A line as levies.selectors.invoice_lines_shown gives it: no count below the minimum
    group size (UNIONROLL_MIN_GROUP_SIZE), so that no line describes one person."""

    site = serializers.CharField(
        help_text="Site name and code as on the invoice; empty: no site, or a grouped line."
    )
    cao_phase = serializers.CharField(help_text="Empty on a grouped line.")
    grouped = serializers.BooleanField(
        help_text=(
            "The sites and CAO phases with fewer people than the minimum group size, together "
            "on one line."
        )
    )
    count_of = serializers.ChoiceField(
        choices=["members", "workers"],
        help_text=(
            "What count counts: members, or workers (a scheme that charges every covered "
            "worker on the payroll, whatever their union status)."
        ),
    )
    count = serializers.IntegerField(
        allow_null=True,
        help_text="People with a levy on this line; null when fewer than count_fewer_than.",
    )
    count_fewer_than = serializers.IntegerField(
        allow_null=True,
        help_text="Set (the minimum group size) when the count is below it and not shown.",
    )
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
    lines = serializers.SerializerMethodField()

    @extend_schema_field(InvoiceLineSerializer(many=True))
    def get_lines(self, obj) -> list[dict]:
        return InvoiceLineSerializer(invoice_lines_shown(invoice=obj), many=True).data
