"""Offline Stripe for tests: localstripe on a loopback port, signed webhook payloads, a recorder.

Register in ``tests/conftest.py`` with ``pytest_plugins = [..., "tests.levies.stripe_fake"]``.

- ``localstripe_url`` (session): a ``localstripe`` server in a subprocess, listening on
  ``127.0.0.1`` only, on a port the kernel picked; yields its base URL. See docs/stripe.md for
  what it supports and the two small shims applied to it here.
- ``stripe_settings``: points the gateway at that server with test keys.
- ``http_recorder``: a loopback HTTP server that records requests and answers what a test tells
  it; for checking headers we send (``Idempotency-Key``), for Stripe answering 5xx, and as a
  webhook receiver for localstripe's own deliveries.
- ``signed_event`` and the ``*_object`` / ``*_event`` builders: webhook bodies shaped like
  Stripe's API reference, signed like Stripe signs them, for what localstripe cannot produce
  (iDEAL, ``processing`` → ``succeeded``, SEPA failures after processing, refunds, disputes).

Nothing here reaches the internet.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import stripe

TEST_SECRET_KEY = "sk_test_unionroll_offline"
TEST_WEBHOOK_SECRET = "whsec_test_unionroll_offline"
# Events are shaped for the API version the installed library speaks.
STRIPE_API_VERSION = stripe.api_version

# localstripe's magic values (resources.py): this IBAN's debits fail about half a second after
# they were accepted (the SEPA failure path); any other valid-length IBAN succeeds.
IBAN_OK = "NL91ABNA0417164300"
IBAN_FAILS = "DE62370400440532013001"

# Run inside the localstripe subprocess. Two shims, both keeping it closer to the real API:
# - localstripe pickles its whole store to the fixed path /tmp/localstripe.pickle after every
#   write (slow as the store grows, and shared by every process on the machine); off.
# - real PaymentIntents take ``description``; localstripe answers 400 to it; accept and echo it.
# It listens on the socket the test process bound to 127.0.0.1 (inherited file descriptor), so
# there is no window in which another process could take the port, and never on other hosts.
_LAUNCHER = r"""
import socket, sys
from aiohttp import web
from localstripe import resources
from localstripe.server import app

resources.Store.dump_to_disk = lambda self: None

_init = resources.PaymentIntent.__init__
def _init_with_description(self, description=None, **kwargs):
    _init(self, **kwargs)
    self.description = description
resources.PaymentIntent.__init__ = _init_with_description

sock = socket.socket(fileno=int(sys.argv[1]))
web.run_app(app, sock=sock, print=None, access_log=None, handle_signals=True)
"""


def _wait_until_answering(url: str, proc: subprocess.Popen, log_path: Any) -> None:
    request = urllib.request.Request(  # noqa: S310 (our loopback URL)
        url + "/v1/customers?limit=1", headers={"Authorization": f"Bearer {TEST_SECRET_KEY}"}
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 (our loopback URL)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    tail = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
    raise RuntimeError(f"localstripe did not start on {url}:\n{tail}")


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory) -> Iterator[str]:
    """Base URL (``http://127.0.0.1:<port>``) of a localstripe server for the test session."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(listener.fileno())],
            pass_fds=(listener.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    listener.close()  # the child holds its own copy
    try:
        _wait_until_answering(url, proc, log_path)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def stripe_settings(settings, localstripe_url):
    """Stripe on, pointed at localstripe, with a known webhook secret."""
    settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
    settings.STRIPE_API_BASE = localstripe_url
    settings.STRIPE_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET
    return settings


def localstripe_webhook_register(
    base_url: str, *, webhook_id: str, url: str, secret: str, events: list[str]
) -> None:
    """Make localstripe deliver ``events`` to ``url``, signed with ``secret``.

    localstripe keeps webhooks for the life of the server and has no way to delete one;
    re-register the same id with an event type that never happens to silence it.
    """
    body = json.dumps({"url": url, "secret": secret, "events": events}).encode()
    request = urllib.request.Request(  # noqa: S310 (our loopback URL)
        f"{base_url}/_config/webhooks/{webhook_id}",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (our loopback URL)
        assert response.status == 200


# --- a recording HTTP server -------------------------------------------------------------------


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpRecorder:
    """Loopback HTTP server: records each request, answers ``reply`` (status, JSON body)."""

    url: str = ""
    requests: list[RecordedRequest] = field(default_factory=list)
    reply: tuple[int, dict[str, Any]] = (200, {})

    def wait_for(self, count: int, timeout: float = 10.0) -> list[RecordedRequest]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.requests)


@pytest.fixture
def http_recorder() -> Iterator[HttpRecorder]:
    recorder = HttpRecorder()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            recorder.requests.append(
                RecordedRequest(self.command, self.path, dict(self.headers.items()), body)
            )
            status, payload = recorder.reply
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _handle

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()


# --- signed webhook payloads ------------------------------------------------------------------


def signed_event(
    payload: dict[str, Any], *, secret: str, timestamp: int | None = None
) -> tuple[bytes, str]:
    """``(body, Stripe-Signature header)`` for ``payload``, signed as Stripe signs deliveries.

    Written from Stripe's documentation rather than with the stripe library, so the tests
    check the library's verifier against an independent signer.
    """
    body = json.dumps(payload, indent=2).encode()
    t = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={t},v1={signature}"


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


def stripe_event(
    event_type: str,
    obj: dict[str, Any],
    *,
    event_id: str | None = None,
    created: int | None = None,
    previous_attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An ``event`` object wrapping ``obj`` as ``data.object``."""
    data: dict[str, Any] = {"object": obj}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    return {
        "id": event_id or new_id("evt"),
        "object": "event",
        "api_version": STRIPE_API_VERSION,
        "created": int(time.time()) if created is None else created,
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


_PAYMENT_INTENT_STATUS = {
    "payment_intent.processing": "processing",
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "requires_payment_method",
    "payment_intent.canceled": "canceled",
}


def payment_intent_object(
    *,
    invoice_number: str,
    amount_cents: int,
    status: str,
    payment_intent_id: str | None = None,
    charge_id: str | None = None,
    payment_method_type: str = "sepa_debit",
    customer_id: str = "cus_test",
    failure_code: str | None = None,
    currency: str = "eur",
) -> dict[str, Any]:
    pi_id = payment_intent_id or new_id("pi")
    pm_id = new_id("pm")
    last_payment_error = None
    if failure_code:
        last_payment_error = {
            "code": failure_code,
            "decline_code": None,
            "message": "The payment failed.",
            "type": "card_error" if payment_method_type == "card" else "invalid_request_error",
            "payment_method": {
                "id": pm_id,
                "object": "payment_method",
                "type": payment_method_type,
            },
        }
    return {
        "id": pi_id,
        "object": "payment_intent",
        "amount": amount_cents,
        "amount_capturable": 0,
        "amount_received": amount_cents if status == "succeeded" else 0,
        "capture_method": "automatic",
        "client_secret": f"{pi_id}_secret_test",
        "confirmation_method": "automatic",
        "created": int(time.time()),
        "currency": currency,
        "customer": customer_id,
        "description": f"Levy invoice {invoice_number}",
        "last_payment_error": last_payment_error,
        "latest_charge": charge_id,
        "livemode": False,
        "metadata": {"invoice_number": invoice_number},
        "next_action": None,
        "payment_method": pm_id,
        "payment_method_types": [payment_method_type],
        "status": status,
    }


def payment_intent_event(
    event_type: str,
    *,
    invoice_number: str,
    amount_cents: int,
    payment_intent_id: str | None = None,
    charge_id: str | None = None,
    payment_method_type: str = "sepa_debit",
    failure_code: str | None = None,
    event_id: str | None = None,
    created: int | None = None,
) -> dict[str, Any]:
    """``payment_intent.processing|succeeded|payment_failed|canceled`` for one invoice."""
    if event_type == "payment_intent.payment_failed" and failure_code is None:
        failure_code = "insufficient_funds"
    obj = payment_intent_object(
        invoice_number=invoice_number,
        amount_cents=amount_cents,
        status=_PAYMENT_INTENT_STATUS[event_type],
        payment_intent_id=payment_intent_id,
        charge_id=charge_id or (new_id("py") if event_type != "payment_intent.canceled" else None),
        payment_method_type=payment_method_type,
        failure_code=failure_code,
    )
    return stripe_event(event_type, obj, event_id=event_id, created=created)


def refund_object(
    *,
    amount_cents: int,
    payment_intent_id: str,
    charge_id: str,
    refund_id: str | None = None,
    status: str = "succeeded",
    failure_reason: str | None = None,
    invoice_number: str | None = None,
) -> dict[str, Any]:
    return {
        "id": refund_id or new_id("re"),
        "object": "refund",
        "amount": amount_cents,
        "charge": charge_id,
        "created": int(time.time()),
        "currency": "eur",
        "failure_reason": failure_reason,
        "metadata": {"invoice_number": invoice_number} if invoice_number else {},
        "payment_intent": payment_intent_id,
        "reason": None,
        "status": status,
    }


def charge_object(
    *,
    amount_cents: int,
    payment_intent_id: str,
    charge_id: str | None = None,
    amount_refunded_cents: int = 0,
    refunds: list[dict[str, Any]] | None = None,
    payment_method_type: str = "sepa_debit",
    status: str = "succeeded",
    failure_code: str | None = None,
    disputed: bool = False,
) -> dict[str, Any]:
    ch_id = charge_id or new_id("py" if payment_method_type == "sepa_debit" else "ch")
    return {
        "id": ch_id,
        "object": "charge",
        "amount": amount_cents,
        "amount_captured": amount_cents,
        "amount_refunded": amount_refunded_cents,
        "captured": True,
        "created": int(time.time()),
        "currency": "eur",
        "customer": "cus_test",
        "disputed": disputed,
        "failure_code": failure_code,
        "failure_message": None,
        "livemode": False,
        # Stripe does not copy the PaymentIntent's metadata to its charges.
        "metadata": {},
        "paid": status == "succeeded",
        "payment_intent": payment_intent_id,
        "payment_method": new_id("pm"),
        "payment_method_details": {"type": payment_method_type, payment_method_type: {}},
        "refunded": amount_refunded_cents >= amount_cents,
        "refunds": {
            "object": "list",
            "data": refunds or [],
            "has_more": False,
            "url": f"/v1/charges/{ch_id}/refunds",
        },
        "status": status,
    }


def charge_refunded_event(
    *,
    payment_intent_id: str,
    charge_id: str,
    amount_cents: int,
    refunded_cents: int,
    refund_id: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """``charge.refunded``: ``amount_refunded`` is the running total on the charge."""
    refund = refund_object(
        amount_cents=refunded_cents,
        payment_intent_id=payment_intent_id,
        charge_id=charge_id,
        refund_id=refund_id,
    )
    obj = charge_object(
        amount_cents=amount_cents,
        payment_intent_id=payment_intent_id,
        charge_id=charge_id,
        amount_refunded_cents=refunded_cents,
        refunds=[refund],
    )
    return stripe_event("charge.refunded", obj, event_id=event_id)


_DISPUTE_STATUS = {
    "charge.dispute.created": "needs_response",
    "charge.dispute.funds_withdrawn": "needs_response",
    "charge.dispute.updated": "under_review",
    "charge.dispute.funds_reinstated": "won",
    "charge.dispute.closed": "lost",
}


def dispute_object(
    *,
    amount_cents: int,
    payment_intent_id: str,
    charge_id: str,
    status: str,
    dispute_id: str | None = None,
    reason: str = "general",
    payment_method_type: str = "sepa_debit",
) -> dict[str, Any]:
    return {
        "id": dispute_id or new_id("dp"),
        "object": "dispute",
        "amount": amount_cents,
        "balance_transactions": [],
        "charge": charge_id,
        "created": int(time.time()),
        "currency": "eur",
        "evidence_details": {"due_by": None, "has_evidence": False, "submission_count": 0},
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": payment_intent_id,
        "payment_method_details": {"type": payment_method_type},
        "reason": reason,
        "status": status,
    }


def dispute_event(
    event_type: str,
    *,
    payment_intent_id: str,
    charge_id: str,
    amount_cents: int,
    status: str | None = None,
    dispute_id: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """``charge.dispute.*`` (a SEPA chargeback: up to 8 weeks after the debit)."""
    obj = dispute_object(
        amount_cents=amount_cents,
        payment_intent_id=payment_intent_id,
        charge_id=charge_id,
        status=status or _DISPUTE_STATUS[event_type],
        dispute_id=dispute_id,
    )
    return stripe_event(event_type, obj, event_id=event_id)


def refund_event(
    event_type: str,
    *,
    payment_intent_id: str,
    charge_id: str,
    amount_cents: int,
    status: str = "succeeded",
    failure_reason: str | None = None,
    refund_id: str | None = None,
    invoice_number: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """``refund.created|updated|failed`` (a SEPA refund can fail after it was accepted)."""
    obj = refund_object(
        amount_cents=amount_cents,
        payment_intent_id=payment_intent_id,
        charge_id=charge_id,
        refund_id=refund_id,
        status=status,
        failure_reason=failure_reason,
        invoice_number=invoice_number,
    )
    return stripe_event(event_type, obj, event_id=event_id)


def setup_intent_object(
    *,
    customer_id: str,
    payment_method_id: str | None,
    status: str = "succeeded",
    setup_intent_id: str | None = None,
    payment_method_type: str = "sepa_debit",
    organisation_id: int | None = None,
) -> dict[str, Any]:
    """A SetupIntent as Stripe's API reference shows it (a SEPA mandate: ``mandate`` set)."""
    seti_id = setup_intent_id or new_id("seti")
    return {
        "id": seti_id,
        "object": "setup_intent",
        "cancellation_reason": None,
        "client_secret": f"{seti_id}_secret_test",
        "created": int(time.time()),
        "customer": customer_id,
        "description": None,
        "last_setup_error": None,
        "latest_attempt": new_id("setatt"),
        "livemode": False,
        "mandate": new_id("mandate") if payment_method_type == "sepa_debit" else None,
        "metadata": {"organisation_id": str(organisation_id)} if organisation_id else {},
        "next_action": None,
        "payment_method": payment_method_id,
        "payment_method_types": [payment_method_type],
        "status": status,
        "usage": "off_session",
    }


def setup_intent_event(
    event_type: str = "setup_intent.succeeded",
    *,
    customer_id: str,
    payment_method_id: str | None,
    payment_method_type: str = "sepa_debit",
    setup_intent_id: str | None = None,
    organisation_id: int | None = None,
    event_id: str | None = None,
    created: int | None = None,
) -> dict[str, Any]:
    """``setup_intent.succeeded`` (a payer completed a SEPA mandate) and its siblings."""
    obj = setup_intent_object(
        customer_id=customer_id,
        payment_method_id=payment_method_id,
        status="succeeded" if event_type == "setup_intent.succeeded" else "requires_payment_method",
        setup_intent_id=setup_intent_id,
        payment_method_type=payment_method_type,
        organisation_id=organisation_id,
    )
    return stripe_event(event_type, obj, event_id=event_id, created=created)
