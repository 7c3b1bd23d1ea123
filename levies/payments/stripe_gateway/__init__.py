"""The Stripe boundary: the only code in Unionroll that talks to Stripe or reads its webhooks.

It holds no models and writes nothing to the database. Callers (the levies payment services and
the webhook view) pass plain values in and get plain values back: money as ``Decimal`` euros on
our side, cents only inside this package (:mod:`.amounts`). Every failure is an
:class:`~unionroll.exceptions.ApplicationError` with a stable code (see docs/stripe.md).

Settings (read on every call, so tests can override them):

- ``STRIPE_SECRET_KEY``: empty turns Stripe off (:func:`stripe_enabled` is false and every API
  call raises ``stripe_disabled``).
- ``STRIPE_WEBHOOK_SECRET``: the endpoint's signing secret (``whsec_…``); empty refuses every
  webhook with ``stripe_disabled``.
- ``STRIPE_API_BASE``: another API host, for the local fake (``localstripe``) in tests and demos.
"""

from __future__ import annotations

from levies.payments.stripe_gateway.amounts import (
    STRIPE_MAX_AMOUNT,
    amount_to_cents,
    cents_to_amount,
)
from levies.payments.stripe_gateway.api import (
    PAYMENT_METHOD_TYPES,
    PaymentIntentResult,
    RefundResult,
    SetupIntentResult,
    customer_create,
    payment_intent_create,
    payment_intent_retrieve,
    refund_create,
    sepa_mandate_setup,
    stripe_enabled,
)
from levies.payments.stripe_gateway.events import (
    HANDLED_EVENT_TYPES,
    StripeEventFields,
    event_fields,
    webhook_event_construct,
)

__all__ = [
    "HANDLED_EVENT_TYPES",
    "PAYMENT_METHOD_TYPES",
    "STRIPE_MAX_AMOUNT",
    "PaymentIntentResult",
    "RefundResult",
    "SetupIntentResult",
    "StripeEventFields",
    "amount_to_cents",
    "cents_to_amount",
    "customer_create",
    "event_fields",
    "payment_intent_create",
    "payment_intent_retrieve",
    "refund_create",
    "sepa_mandate_setup",
    "stripe_enabled",
    "webhook_event_construct",
]
