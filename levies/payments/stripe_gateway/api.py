"""Calls to the Stripe API: customers, PaymentIntents, SEPA mandates (SetupIntents), refunds.

Rules every call here follows:

- Our invoice and ledger are the source of truth; Stripe only collects. Amounts go out as
  cents of the invoice's ``Decimal`` amount, with our invoice number in ``metadata``.
- Every creating call carries the caller's ``Idempotency-Key``, derived from our own records
  (e.g. ``invoice-2027-000123-payment-1``), so a retry after a timeout cannot charge twice. The
  library's own network retries reuse that key.
- Failures surface as one ``ApplicationError`` with a stable code (see ``_ERROR_CODES``):
  ``stripe_unavailable`` means "nothing is known to have happened, retry later with the same
  key"; every other code means "do not retry unchanged".
- Nothing here logs or raises with personal data or secrets: logs carry Stripe object ids,
  error codes and request ids only. Stripe's own error *messages* are not passed on, because
  they can echo what was sent (an e-mail address, a name).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, TypedDict

import stripe
from django.conf import settings

from levies.payments.stripe_gateway.amounts import (
    STRIPE_MAX_AMOUNT,
    amount_to_cents,
    cents_to_amount,
)
from unionroll.exceptions import ApplicationError, Conflict, Invalid, Refused, Unavailable

logger = logging.getLogger(__name__)

# The library logs Stripe's error messages at INFO (and request bodies at DEBUG); both can echo
# what we sent, such as an e-mail address. Unless the deployment configured the "stripe" logger
# itself, it only passes warnings on.
_library_logger = logging.getLogger("stripe")
if _library_logger.level == logging.NOTSET:
    _library_logger.setLevel(logging.WARNING)

CURRENCY = "eur"
# What an invoice can be paid with through Stripe (bank transfer needs no Stripe at all).
PAYMENT_METHOD_TYPES = frozenset({"sepa_debit", "ideal", "card"})

# Two retries with Stripe's backoff (0.5 s, then up to 1 s): enough to ride out a dropped
# connection, short enough for a staff page. Safe because each retry reuses the same key.
MAX_NETWORK_RETRIES = 2
# (connect, read) seconds. The library's default read timeout is 80 s; nothing we ask for
# takes more than a few seconds, and a hung call should fail over to "retry later" sooner.
HTTP_TIMEOUT = (5, 30)


class PaymentIntentResult(TypedDict):
    id: str
    status: str
    client_secret: str | None
    amount: Decimal
    amount_received: Decimal
    invoice_number: str | None


class SetupIntentResult(TypedDict):
    id: str
    status: str
    client_secret: str | None
    payment_method_id: str | None


class RefundResult(TypedDict):
    id: str
    status: str
    amount: Decimal
    payment_intent_id: str | None
    charge_id: str | None


def _secret_key() -> str:
    return (getattr(settings, "STRIPE_SECRET_KEY", "") or "").strip()


def _api_base() -> str:
    return (getattr(settings, "STRIPE_API_BASE", "") or "").strip().rstrip("/")


def stripe_enabled() -> bool:
    """True when a secret key is configured; without one every Stripe feature is off."""
    return bool(_secret_key())


@functools.cache
def _http_client() -> stripe.HTTPClient:
    # One client (and connection pool per thread) for the process, not one per call.
    return stripe.RequestsClient(timeout=HTTP_TIMEOUT)


def _client() -> stripe.StripeClient:
    key = _secret_key()
    if not key:
        raise Unavailable(
            "stripe_disabled",
            "Stripe payments are switched off: no Stripe secret key is configured.",
        )
    base = _api_base()
    if base and key.startswith(("sk_live_", "rk_live_")):
        # STRIPE_API_BASE exists for the local fake; a live key must never be sent elsewhere.
        raise Unavailable(
            "stripe_misconfigured",
            "A live Stripe key cannot be used with a custom STRIPE_API_BASE.",
        )
    return stripe.StripeClient(
        key,
        base_addresses={"api": base} if base else None,
        max_network_retries=MAX_NETWORK_RETRIES,
        http_client=_http_client(),
    )


def _error_code(exc: stripe.StripeError) -> str:
    if isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError):
        return "stripe_unavailable"
    if isinstance(exc, stripe.IdempotencyError):
        # The same key was used with different parameters: a bug in how keys are derived.
        return "stripe_idempotency_conflict"
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
        return "stripe_misconfigured"
    if isinstance(exc, stripe.CardError):
        return "stripe_payment_declined"
    if isinstance(exc, stripe.APIError) or (exc.http_status or 0) >= 500:
        # 5xx, and 409 "a request with this key is still in progress": try again later.
        return "stripe_unavailable"
    return "stripe_request_rejected"


_MESSAGES = {
    "stripe_unavailable": "Stripe could not be reached or had an error; try again later.",
    "stripe_idempotency_conflict": (
        "Stripe refused a repeated request whose details differ from the first one."
    ),
    "stripe_misconfigured": "Stripe refused our credentials; check the Stripe settings.",
    "stripe_payment_declined": "The payment was declined.",
    "stripe_request_rejected": "Stripe rejected the request.",
}
# The kind of each failure (unionroll/exceptions.py): a retry later may help only when
# unavailable; a repeated key with other details is a conflict; a decline is the payer's bank's
# refusal; anything else Stripe rejected is a request that was wrong as sent.
_KINDS: dict[str, type[ApplicationError]] = {
    "stripe_unavailable": Unavailable,
    "stripe_idempotency_conflict": Conflict,
    "stripe_misconfigured": Unavailable,
    "stripe_payment_declined": Refused,
    "stripe_request_rejected": Invalid,
}


@contextmanager
def _calling_stripe(operation: str) -> Iterator[None]:
    try:
        yield
    except stripe.StripeError as exc:
        code = _error_code(exc)
        detail = {
            "operation": operation,
            "http_status": exc.http_status,
            "stripe_code": exc.code,
            "request_id": exc.request_id,
        }
        if isinstance(exc, stripe.CardError):
            error_body = (exc.json_body or {}).get("error") or {}
            detail["decline_code"] = error_body.get("decline_code")
        logger.warning(
            "stripe %s failed: %s (http %s, stripe code %s, request %s)",
            operation,
            code,
            exc.http_status,
            exc.code,
            exc.request_id,
        )
        raise _KINDS[code](code, _MESSAGES[code], detail) from None


def _require_key(idempotency_key: str) -> None:
    if not idempotency_key or len(idempotency_key) > 255:
        # Stripe allows up to 255 characters; an empty key would let the library invent one.
        raise Invalid(
            "stripe_idempotency_key_invalid",
            "A Stripe request needs an idempotency key of 1 to 255 characters.",
        )


def _positive_cents(amount: Decimal) -> int:
    cents = amount_to_cents(amount)
    if cents <= 0 or amount > STRIPE_MAX_AMOUNT:
        raise Invalid(
            "stripe_amount_invalid",
            f"A Stripe payment or refund must be between 0.01 and {STRIPE_MAX_AMOUNT} euro.",
            {"amount": str(amount)},
        )
    return cents


def _payment_intent_result(pi: stripe.PaymentIntent) -> PaymentIntentResult:
    data = pi.to_dict()
    metadata = data.get("metadata") or {}
    return PaymentIntentResult(
        id=data["id"],
        status=data["status"],
        client_secret=data.get("client_secret"),
        amount=cents_to_amount(data["amount"]),
        amount_received=cents_to_amount(data.get("amount_received") or 0),
        invoice_number=metadata.get("invoice_number"),
    )


def customer_create(
    *,
    organisation_id: int,
    name: str,
    kvk: str,
    email: str | None = None,
    idempotency_key: str,
) -> str:
    """Create the Stripe customer of a paying organisation; returns its id (``cus_…``).

    ``metadata`` carries our organisation id and KvK number so a payment seen in the Stripe
    dashboard can be traced back to the organisation.
    """
    _require_key(idempotency_key)
    params: dict[str, Any] = {
        "name": name,
        "metadata": {"organisation_id": str(organisation_id), "kvk": kvk},
    }
    if email:
        params["email"] = email
    client = _client()
    with _calling_stripe("customer_create"):
        customer = client.v1.customers.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
    logger.info("stripe customer %s created for organisation %s", customer.id, organisation_id)
    return customer.id


def payment_intent_create(
    *,
    amount: Decimal,
    invoice_number: str,
    customer_id: str,
    payment_method_types: list[str],
    idempotency_key: str,
    description: str,
    payment_method_id: str | None = None,
) -> PaymentIntentResult:
    """Ask Stripe to collect ``amount`` euros for one invoice.

    Without ``payment_method_id`` the PaymentIntent waits for the payer: the payment page
    confirms it in the browser with ``client_secret`` (iDEAL, card, or a first SEPA debit).
    With it (a SEPA payment method saved under a mandate, see :func:`sepa_mandate_setup`) the
    debit is confirmed right away, off-session: the recurring levy path. A SEPA debit then
    stays ``processing`` for up to 14 business days; the webhooks tell the outcome.
    """
    _require_key(idempotency_key)
    cents = _positive_cents(amount)
    unknown = sorted(set(payment_method_types) - PAYMENT_METHOD_TYPES)
    if not payment_method_types or unknown:
        raise Invalid(
            "stripe_payment_method_invalid",
            "Payment method types must be among: " + ", ".join(sorted(PAYMENT_METHOD_TYPES)),
            {"unknown": unknown},
        )
    if not invoice_number:
        raise Invalid("stripe_request_invalid", "A payment needs the invoice number it pays.")
    params: dict[str, Any] = {
        "amount": cents,
        "currency": CURRENCY,
        "customer": customer_id,
        "payment_method_types": list(payment_method_types),
        "metadata": {"invoice_number": invoice_number},
        "description": description,
    }
    if payment_method_id:
        params |= {"payment_method": payment_method_id, "confirm": True, "off_session": True}
    client = _client()
    with _calling_stripe("payment_intent_create"):
        pi = client.v1.payment_intents.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
    result = _payment_intent_result(pi)
    logger.info(
        "stripe payment intent %s created for invoice %s: %s",
        result["id"],
        invoice_number,
        result["status"],
    )
    return result


def payment_intent_retrieve(*, payment_intent_id: str) -> PaymentIntentResult:
    """The PaymentIntent as Stripe sees it now (for a handler that got events out of order)."""
    client = _client()
    with _calling_stripe("payment_intent_retrieve"):
        pi = client.v1.payment_intents.retrieve(payment_intent_id)
    return _payment_intent_result(pi)


def sepa_mandate_setup(
    *, customer_id: str, organisation_id: int, idempotency_key: str
) -> SetupIntentResult:
    """Start a SEPA Direct Debit mandate for a paying organisation (a SetupIntent).

    The payer's browser completes it with ``client_secret`` (Stripe's Payment Element shows the
    mandate text and collects the IBAN and the acceptance); the resulting payment method is then
    charged off-session by :func:`payment_intent_create` with ``payment_method_id``.
    """
    _require_key(idempotency_key)
    params: dict[str, Any] = {
        "customer": customer_id,
        "payment_method_types": ["sepa_debit"],
        "usage": "off_session",
        "metadata": {"organisation_id": str(organisation_id)},
    }
    client = _client()
    with _calling_stripe("sepa_mandate_setup"):
        si = client.v1.setup_intents.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
    data = si.to_dict()
    logger.info("stripe setup intent %s created for organisation %s", si.id, organisation_id)
    payment_method = data.get("payment_method")
    if isinstance(payment_method, dict):
        payment_method = payment_method.get("id")
    return SetupIntentResult(
        id=data["id"],
        status=data["status"],
        client_secret=data.get("client_secret"),
        payment_method_id=payment_method,
    )


def refund_create(
    *,
    payment_intent_id: str,
    amount: Decimal,
    idempotency_key: str,
    invoice_number: str | None = None,
) -> RefundResult:
    """Refund ``amount`` euros of a collected PaymentIntent (all of it or a part).

    A SEPA refund can still fail later (``refund.failed``); the ledger posts on the webhook,
    not on this answer.
    """
    _require_key(idempotency_key)
    params: dict[str, Any] = {
        "payment_intent": payment_intent_id,
        "amount": _positive_cents(amount),
    }
    if invoice_number:
        params["metadata"] = {"invoice_number": invoice_number}
    client = _client()
    with _calling_stripe("refund_create"):
        refund = client.v1.refunds.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
    data = refund.to_dict()
    logger.info("stripe refund %s created for %s", data["id"], payment_intent_id)
    return RefundResult(
        id=data["id"],
        status=data["status"],
        amount=cents_to_amount(data["amount"]),
        payment_intent_id=data.get("payment_intent"),
        charge_id=data.get("charge"),
    )
