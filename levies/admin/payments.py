"""Payments and Stripe webhook events in the admin, read-only."""

from __future__ import annotations

from django.contrib import admin

from levies.models import (
    Payment,
    StripeEvent,
)
from unionroll.admin import ReadOnlyAdmin


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "source",
        "method",
        "status",
        "amount",
        "invoice",
        "state_claim",
        "payer_organisation",
        "external_reference",
        "created_at",
    ]
    list_filter = ["source", "status", "method"]
    list_select_related = ["invoice", "state_claim", "payer_organisation"]
    search_fields = ["=external_reference", "=invoice__number", "=charge_id"]
    fields = [
        "source",
        "external_reference",
        "invoice",
        "state_claim",
        "payer_organisation",
        "method",
        "amount",
        "status",
        "status_at",
        "charge_id",
        "amount_received",
        "amount_refunded",
        "amount_disputed",
        "dispute_id",
        "dispute_status",
        "attempt",
        "idempotency_key",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "result", "payment", "created", "received_at"]
    list_filter = ["type", "result", "livemode"]
    search_fields = ["=event_id"]
    fields = [
        "event_id",
        "type",
        "result",
        "payment",
        "created",
        "livemode",
        "received_at",
        "detail",
    ]
    readonly_fields = fields
