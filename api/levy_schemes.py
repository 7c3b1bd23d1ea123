"""Levy scheme endpoints: read-only, for anyone who acts for an organisation (and union staff).

Schemes are the sector's published terms (rates, caps, who pays which share), reviewable by the
payers they bind; they hold no personal data.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import IsOrganisationMemberOrUnionAdmin
from api.serializers import ErrorSerializer
from levies.models import LevyScheme, LevySchemeVersion
from levies.selectors import schemes_list


class FundingSerializer(serializers.Serializer):
    """Shares in percent; they sum to exactly 100."""

    agency = serializers.DecimalField(source="funding_agency", max_digits=5, decimal_places=2)
    hirer = serializers.DecimalField(source="funding_hirer", max_digits=5, decimal_places=2)
    state = serializers.DecimalField(source="funding_state", max_digits=5, decimal_places=2)


class SchemeVersionSerializer(serializers.Serializer):
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    base = serializers.ChoiceField(
        choices=LevySchemeVersion.Base.choices,
        help_text=(
            "Who the levy is charged for: members, or every covered worker on the roster "
            "whatever their membership (then nothing is held during opt-out windows)."
        ),
    )
    basis = serializers.ChoiceField(choices=LevySchemeVersion.Basis.choices)
    rate = serializers.DecimalField(max_digits=12, decimal_places=4)
    min_per_period = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    max_per_period = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    funding = FundingSerializer(source="*")
    collect_during_window = serializers.BooleanField()


class SchemeSerializer(serializers.Serializer):
    code = serializers.CharField()
    sector = serializers.CharField(source="sector.code")
    versions = SchemeVersionSerializer(many=True, source="versions.all")


CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH)
ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="No valid API key or session."),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed for this caller."),
}


class LevySchemeListView(APIView):
    permission_classes = [IsAuthenticated, IsOrganisationMemberOrUnionAdmin]

    @extend_schema(
        operation_id="levy_schemes_list",
        summary="List levy schemes",
        description="Every sector's levy scheme with all its versions, oldest first.",
        responses={200: SchemeSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        return Response(SchemeSerializer(schemes_list(), many=True).data)


class LevySchemeDetailView(APIView):
    permission_classes = [IsAuthenticated, IsOrganisationMemberOrUnionAdmin]

    @extend_schema(
        operation_id="levy_schemes_retrieve",
        summary="One levy scheme",
        parameters=[CODE],
        responses={
            200: SchemeSerializer,
            404: OpenApiResponse(ErrorSerializer, description="No such scheme."),
            **ERRORS,
        },
    )
    def get(self, request: Request, code: str) -> Response:
        scheme = next((s for s in schemes_list() if s.code == code), None)
        if scheme is None:
            raise Http404(LevyScheme._meta.verbose_name)
        return Response(SchemeSerializer(scheme).data)
