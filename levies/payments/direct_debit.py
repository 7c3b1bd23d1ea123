"""SEPA Direct Debit under a mandate the payer sets up once: starting the mandate, storing it
when Stripe reports it, and debiting later invoices with it (docs/payments.md, "SEPA Direct
Debit mandate").

- ``sepa_mandate_start``: the payer's browser completes a SetupIntent (Stripe's Payment Element
  shows the mandate text and collects the IBAN and the acceptance). Nothing is stored here: the
  mandate counts only when Stripe's signed ``setup_intent.succeeded`` webhook says so.
- ``sepa_mandate_store``: called by the webhook handler; a conditional UPDATE, so a replayed or
  an older event changes nothing and a newer mandate replaces an older one.
- ``invoices_collect_by_direct_debit``: asks Stripe to debit what is open on each collectable
  invoice, off-session; the webhooks then book processing / succeeded / failed as for any
  Stripe payment. A failure is logged (invoice number and error code only) and returned, and
  never stops the other invoices or the issuing that queued it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from employers.models import Organisation
from levies.models import Invoice, Payment, StripeCustomer
from levies.payments.services import (
    documents_lock,
    invoice_payment_intent_create,
    stripe_customer_for,
)
from levies.payments.stripe_gateway import sepa_mandate_setup, stripe_enabled
from unionroll.exceptions import ApplicationError, Unavailable

logger = logging.getLogger(__name__)

SEPA_DEBIT = "sepa_debit"
COLLECTABLE = (Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID)


def sepa_mandate_start(*, organisation: Organisation) -> dict[str, Any]:
    """Start (or replace) the organisation's SEPA Direct Debit mandate: a Stripe SetupIntent
    for its customer (created once, as for paying an invoice). Returns ``setup_intent_id,
    client_secret, status`` for the browser.

    The idempotency key names the mandate it would replace (or ``first``): pressing the button
    twice, or a retry after a timeout, gets the same SetupIntent back from Stripe instead of a
    second one, and once a mandate is stored the next start is a new request.
    """
    if not stripe_enabled():
        raise Unavailable(
            "stripe_disabled",
            "SEPA Direct Debit is switched off: no Stripe secret key is configured.",
        )
    customer_id = stripe_customer_for(organisation=organisation)
    current = (
        StripeCustomer.objects.filter(organisation=organisation)
        .values_list("sepa_payment_method_id", flat=True)
        .first()
    )
    result = sepa_mandate_setup(
        customer_id=customer_id,
        organisation_id=organisation.pk,
        idempotency_key=f"organisation-{organisation.pk}-sepa-mandate-{current or 'first'}",
    )
    logger.info("organisation %s: sepa mandate setup %s started", organisation.pk, result["id"])
    return {
        "setup_intent_id": result["id"],
        "client_secret": result["client_secret"],
        "status": result["status"],
    }


def sepa_mandate_store(*, customer_id: str, payment_method_id: str, set_up_at: dt.datetime) -> str:
    """Store ``payment_method_id`` as the mandate of the organisation whose Stripe customer is
    ``customer_id``, unless a mandate reported later (Stripe's event time ``set_up_at``) is
    already stored. Returns ``processed``, ``stale`` (a replay, or an older event arriving
    late) or ``unknown_customer``."""
    changed = (
        StripeCustomer.objects.filter(customer_id=customer_id)
        .filter(Q(sepa_mandate_at__isnull=True) | Q(sepa_mandate_at__lt=set_up_at))
        .update(sepa_payment_method_id=payment_method_id, sepa_mandate_at=set_up_at)
    )
    if changed:
        logger.info("stripe customer %s: sepa mandate %s stored", customer_id, payment_method_id)
        return "processed"
    if StripeCustomer.objects.filter(customer_id=customer_id).exists():
        return "stale"
    return "unknown_customer"


def _debited_under_a_mandate() -> Exists:
    # A SEPA debit that went out (processing, succeeded, failed, canceled) is not sent again on
    # its own: a failed one must not be retried forever, a refunded one was given back on
    # purpose. A browser attempt still waiting for the payer does not count.
    return Exists(
        Payment.objects.filter(
            invoice=OuterRef("pk"), source=Payment.Source.STRIPE, method=SEPA_DEBIT
        ).exclude(status=Payment.Status.REQUIRES_ACTION)
    )


def _collectable() -> Any:
    return (
        Invoice.objects.filter(
            kind=Invoice.Kind.INVOICE,
            status__in=COLLECTABLE,
            payment_pending=False,
            payer_organisation__stripe_customer__sepa_payment_method_id__isnull=False,
        )
        .exclude(_debited_under_a_mandate())
        .order_by("pk")
    )


def invoices_collect_by_direct_debit(
    *, invoices: Iterable[Invoice] | None = None
) -> dict[str, Any]:
    """Debit, off-session under the payer's SEPA mandate, what is open on each of ``invoices``
    (all invoices when None) that is collectable: an invoice (not a credit note), open or
    partially paid, no payment on its way, not debited under a mandate before, and its payer
    holds a mandate. Others are skipped. Returns ``collected`` (invoice, payment intent,
    status, amount), ``failed`` (invoice, error code) and ``skipped`` (a count).

    Each invoice is locked and checked again before Stripe is asked, so two runs at once debit
    it once. Nothing is done with Stripe off.
    """
    report: dict[str, Any] = {"collected": [], "failed": [], "skipped": 0}
    wanted = None if invoices is None else sorted({invoice.pk for invoice in invoices})
    if not stripe_enabled():
        report["skipped"] = len(wanted) if wanted is not None else 0
        return report
    candidates = _collectable()
    if wanted is not None:
        candidates = candidates.filter(pk__in=wanted)
    candidate_ids = list(candidates.values_list("pk", "number"))
    for invoice_id, number in candidate_ids:
        try:
            with transaction.atomic():
                (invoice,) = documents_lock([Invoice(pk=invoice_id)])
                if not _collectable().filter(pk=invoice_id).exists():
                    report["skipped"] += 1  # paid or debited meanwhile
                    continue
                payment_method_id = StripeCustomer.objects.get(
                    organisation_id=invoice.payer_organisation_id
                ).sepa_payment_method_id
                intent = invoice_payment_intent_create(
                    invoice=invoice, method=SEPA_DEBIT, payment_method_id=payment_method_id
                )
        except ApplicationError as exc:
            # The code says what went wrong (stripe_unavailable, stripe_amount_invalid, …);
            # Stripe's own message is never passed on by the gateway, and no payer data is here.
            logger.warning("invoice %s: direct debit not started: %s", number, exc.code)
            report["failed"].append({"invoice": number, "code": exc.code})
            continue
        report["collected"].append(
            {
                "invoice": invoice.number,
                "payment_intent": intent["payment_intent_id"],
                "status": intent["status"],
                "amount": intent["amount"],
            }
        )
    if wanted is not None:
        report["skipped"] += len(wanted) - len(candidate_ids)
    logger.info(
        "direct debit: %s started, %s failed, %s skipped",
        len(report["collected"]),
        len(report["failed"]),
        report["skipped"],
    )
    return report
