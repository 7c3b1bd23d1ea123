"""The Stripe webhook endpoint: POST /stripe/webhook/.

CSRF-exempt (Stripe cannot send a token); the ``Stripe-Signature`` header is the
authentication, checked on the raw body before anything is read. Answers 400 to a bad or stale
signature or a malformed event (nothing stored), 200 to everything verified, a replay included,
so Stripe stops sending it. An unexpected error rolls the event back and answers 500: Stripe
then delivers it again later.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from levies.payments.stripe_webhooks import stripe_webhook_receive
from unionroll.exceptions import ApplicationError


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    try:
        outcome = stripe_webhook_receive(
            payload=request.body,
            signature_header=request.headers.get("Stripe-Signature", ""),
        )
    except ApplicationError as exc:
        return JsonResponse({"code": exc.code, "message": exc.message}, status=400)
    return JsonResponse(outcome)
