"""Stripe webhooks: verify the ``Stripe-Signature`` header, then read what a handler needs.

:func:`webhook_event_construct` is the door: only a body signed with our endpoint secret, within
the time tolerance, that parses as a Stripe event gets through; everything else raises an
``ApplicationError`` (the view answers 400 and changes nothing). :func:`event_fields` turns the
event into a small, typed :class:`StripeEventFields` so handlers never dig through Stripe's JSON
or convert cents themselves.

Stripe signs ``"{t}.{raw body}"`` with HMAC-SHA256 under the endpoint secret and sends
``Stripe-Signature: t=<unix time>,v1=<hex>[,v1=<hex>…]`` (several ``v1`` while a secret is being
rolled). The check is ``stripe.WebhookSignature.verify_header`` (constant-time compare of every
``v1``, refuses a missing header and a timestamp older than the tolerance); we add the refusal of
a timestamp too far in the *future*, which the library lets through.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings

from levies.payments.stripe_gateway.amounts import cents_to_amount
from unionroll.exceptions import Invalid, Unavailable

logger = logging.getLogger(__name__)

# The events the payment handlers act on; subscribe the webhook endpoint to these. Other events
# still verify and parse (their fields are what the object type allows), handlers store and
# ignore them.
HANDLED_EVENT_TYPES = frozenset(
    {
        "payment_intent.processing",
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "payment_intent.canceled",
        "charge.refunded",
        "refund.failed",
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
        "charge.dispute.closed",
        # A payer completed a SEPA Direct Debit mandate: its payment method collects later
        # invoices off-session.
        "setup_intent.succeeded",
    }
)


def _refuse_signature(reason: str) -> Invalid:
    # The reason is one of a few fixed words; never the header, the body or the secret.
    return Invalid(
        "stripe_signature_invalid",
        "The Stripe webhook signature is missing, wrong or too old.",
        {"reason": reason},
    )


def _refuse_event(reason: str) -> Invalid:
    return Invalid(
        "stripe_event_invalid", "The Stripe webhook body is not a Stripe event.", {"reason": reason}
    )


def _header_timestamp(header: str) -> int:
    # Parsed the way the library parses it (the first "t=" item), after it has verified it.
    for item in header.split(","):
        key, _, value = item.partition("=")
        if key.strip() == "t":
            return int(value)
    raise ValueError("no timestamp")


def webhook_event_construct(
    *, payload: bytes, signature_header: str | None, tolerance_seconds: int = 300
) -> dict[str, Any]:
    """Verify a webhook delivery and return the event as a plain dict.

    Raises ``stripe_disabled`` when no webhook secret is configured, ``stripe_signature_invalid``
    for a missing, malformed, wrong or stale signature, and ``stripe_event_invalid`` for a
    correctly signed body that is not a JSON Stripe event.
    """
    if tolerance_seconds <= 0:
        # The library treats 0 as "no time check", which would accept replays forever.
        raise ValueError("tolerance_seconds must be positive")
    secret = (getattr(settings, "STRIPE_WEBHOOK_SECRET", "") or "").strip()
    if not secret:
        raise Unavailable(
            "stripe_disabled",
            "Stripe webhooks are switched off: no webhook signing secret is configured.",
        )
    if not signature_header:
        raise _refuse_signature("missing")
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature_header, secret, tolerance=tolerance_seconds
        )
        timestamp = _header_timestamp(signature_header)
    except (stripe.SignatureVerificationError, ValueError):
        # ValueError includes a body that is not UTF-8 (the library decodes before it signs).
        logger.warning("stripe webhook refused: bad or stale signature")
        raise _refuse_signature("mismatch_or_stale") from None
    if timestamp > time.time() + tolerance_seconds:
        logger.warning("stripe webhook refused: timestamp in the future")
        raise _refuse_signature("future_timestamp")
    try:
        event = json.loads(payload)
    except ValueError:
        raise _refuse_event("not_json") from None
    if (
        not isinstance(event, dict)
        or event.get("object") != "event"
        or not isinstance(event.get("id"), str)
        or not isinstance(event.get("type"), str)
    ):
        raise _refuse_event("not_an_event")
    return event


@dataclass(frozen=True)
class StripeEventFields:
    """What a payment handler needs from one Stripe event, in our terms.

    Amounts are ``Decimal`` euros and mirror the Stripe field of the same name on
    ``data.object``: ``amount`` (PaymentIntent, charge, refund, dispute), ``amount_received``
    (PaymentIntent: what was actually collected), ``amount_refunded`` (charge: the running total
    refunded, so a handler posts the difference to what it already booked). They are ``None``
    where the object has no such field, and for any currency other than EUR (a handler must
    not book those; ``currency`` says what came).

    ``invoice_number`` comes from ``metadata`` and is only reliable on PaymentIntents (and on
    refunds we create): Stripe does not copy PaymentIntent metadata to charges or disputes, so
    handlers of charge and dispute events find the invoice through ``payment_intent_id``.
    """

    event_id: str
    type: str
    created: dt.datetime
    livemode: bool
    object_type: str | None
    object_id: str | None
    status: str | None
    payment_intent_id: str | None
    charge_id: str | None
    refund_ids: tuple[str, ...]
    dispute_id: str | None
    invoice_number: str | None
    currency: str | None
    amount: Decimal | None
    amount_received: Decimal | None
    amount_refunded: Decimal | None
    payment_method_type: str | None
    failure_code: str | None
    dispute_reason: str | None
    # The Stripe customer (cus_…) and the payment method (pm_…) the object names: what a
    # SetupIntent handler needs to store a mandate. Defaults keep this an additive change.
    customer_id: str | None = None
    payment_method_id: str | None = None


def _id(value: Any) -> str | None:
    # An id field is a string, or the object itself when the event was built with it expanded.
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("id"), str):
        return value["id"]
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _amount(obj: Mapping[str, Any], key: str, euro: bool) -> Decimal | None:
    if not euro or key not in obj or obj[key] is None:
        return None
    value = obj[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise _refuse_event("amount_not_integer")
    return cents_to_amount(value)


def _payment_method_type(obj: Mapping[str, Any]) -> str | None:
    details = _dict(obj.get("payment_method_details"))
    if _str(details.get("type")):
        return details["type"]
    error_method = _dict(_dict(obj.get("last_payment_error")).get("payment_method"))
    if _str(error_method.get("type")):
        return error_method["type"]
    charge = _dict(obj.get("latest_charge"))
    if charge:
        return _payment_method_type(charge)
    types = obj.get("payment_method_types")
    if isinstance(types, list) and len(types) == 1 and _str(types[0]):
        return types[0]
    return None


def event_fields(event: Mapping[str, Any]) -> StripeEventFields:
    """Normalise a verified event (from :func:`webhook_event_construct`) for the handlers."""
    data = _dict(event.get("data"))
    obj = data.get("object")
    created = event.get("created")
    if (
        not isinstance(event.get("id"), str)
        or not isinstance(event.get("type"), str)
        or not isinstance(created, int)
        or isinstance(created, bool)
        or not isinstance(obj, Mapping)
    ):
        raise _refuse_event("missing_fields")

    object_type = _str(obj.get("object"))
    currency = _str(obj.get("currency"))
    currency = currency.lower() if currency else None
    euro = currency == "eur"
    metadata = _dict(obj.get("metadata"))
    invoice_number = _str(metadata.get("invoice_number"))
    payment_intent_id = _id(obj.get("payment_intent"))
    charge_id = _id(obj.get("charge"))
    refund_ids: tuple[str, ...] = ()
    dispute_id = None
    failure_code = None
    dispute_reason = None

    if object_type == "payment_intent":
        payment_intent_id = _id(obj.get("id"))
        charge_id = _id(obj.get("latest_charge"))
        error = _dict(obj.get("last_payment_error"))
        failure_code = _str(error.get("decline_code")) or _str(error.get("code"))
    elif object_type == "charge":
        charge_id = _id(obj.get("id"))
        failure_code = _str(obj.get("failure_code"))
        refunds = _dict(obj.get("refunds")).get("data")
        if isinstance(refunds, list):
            refund_ids = tuple(r for r in (_id(x) for x in refunds) if r)
    elif object_type == "refund":
        refund_ids = tuple(r for r in [_id(obj.get("id"))] if r)
        failure_code = _str(obj.get("failure_reason"))
    elif object_type == "dispute":
        dispute_id = _id(obj.get("id"))
        dispute_reason = _str(obj.get("reason"))

    try:
        created_at = dt.datetime.fromtimestamp(created, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise _refuse_event("bad_created") from None

    return StripeEventFields(
        event_id=event["id"],
        type=event["type"],
        created=created_at,
        livemode=bool(event.get("livemode", False)),
        object_type=object_type,
        object_id=_id(obj.get("id")),
        status=_str(obj.get("status")),
        payment_intent_id=payment_intent_id,
        charge_id=charge_id,
        refund_ids=refund_ids,
        dispute_id=dispute_id,
        invoice_number=invoice_number,
        currency=currency,
        amount=_amount(obj, "amount", euro),
        amount_received=(
            _amount(obj, "amount_received", euro) if object_type == "payment_intent" else None
        ),
        amount_refunded=(
            _amount(obj, "amount_refunded", euro) if object_type == "charge" else None
        ),
        payment_method_type=_payment_method_type(obj),
        failure_code=failure_code,
        dispute_reason=dispute_reason,
        customer_id=_id(obj.get("customer")),
        payment_method_id=_id(obj.get("payment_method")),
    )
