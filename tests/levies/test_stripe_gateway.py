"""The Stripe boundary: cents, API calls against localstripe, webhook signatures, event fields.

Offline: the API runs on localstripe (loopback) or on a recording loopback server; webhooks are
signed here with the test secret.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import time
from decimal import Decimal

import pytest
import stripe
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from levies.payments.stripe_gateway import (
    HANDLED_EVENT_TYPES,
    amount_to_cents,
    cents_to_amount,
    customer_create,
    event_fields,
    payment_intent_create,
    payment_intent_retrieve,
    refund_create,
    sepa_mandate_setup,
    stripe_enabled,
    webhook_event_construct,
)
from tests.levies.stripe_fake import (
    IBAN_FAILS,
    IBAN_OK,
    TEST_SECRET_KEY,
    TEST_WEBHOOK_SECRET,
    charge_refunded_event,
    dispute_event,
    localstripe_webhook_register,
    new_id,
    payment_intent_event,
    refund_event,
    setup_intent_event,
    signed_event,
    stripe_event,
)
from unionroll.exceptions import ApplicationError

# The fixtures localstripe_url, stripe_settings and http_recorder come from
# tests/levies/stripe_fake.py, registered as a plugin in tests/conftest.py.

NOW = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)


def raw_client(settings) -> stripe.StripeClient:
    """A plain client on the same fake, to read back what the gateway created."""
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}
    )


def sepa_payment_method(settings, customer_id: str) -> str:
    client = raw_client(settings)
    pm = client.v1.payment_methods.create(
        params={"type": "sepa_debit", "sepa_debit": {"iban": IBAN_OK}}
    )
    client.v1.payment_methods.attach(pm.id, params={"customer": customer_id})
    return pm.id


def a_customer(key: str = "") -> str:
    return customer_create(
        organisation_id=7,
        name="Vleesbedrijf Oost B.V.",
        kvk="12345678",
        email="finance@vleesbedrijf-oost.example",
        idempotency_key=key or new_id("customer"),
    )


# --- cents ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "cents"),
    [
        (Decimal("1234.56"), 123456),
        (Decimal("0.01"), 1),
        (Decimal("0"), 0),
        (Decimal("-12.30"), -1230),
        (Decimal("1234.560"), 123456),
        (Decimal("1E+2"), 10000),
        (Decimal("999999.99"), 99999999),
    ],
)
def test_amount_to_cents_is_exact(amount, cents):
    assert amount_to_cents(amount) == cents


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_cents_round_trip_through_euros(cents):
    amount = cents_to_amount(cents)
    assert amount.as_tuple().exponent == -2
    assert amount_to_cents(amount) == cents


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False))
def test_euros_round_trip_through_cents(amount):
    assert cents_to_amount(amount_to_cents(amount)) == amount


@given(
    st.integers(min_value=-(10**12), max_value=10**12).filter(lambda n: n % 10),
    st.integers(min_value=3, max_value=8),
)
def test_fractions_of_a_cent_are_refused(digits, places):
    amount = Decimal(digits).scaleb(-places)
    with pytest.raises(ApplicationError) as exc:
        amount_to_cents(amount)
    assert exc.value.code == "stripe_amount_invalid"


@pytest.mark.parametrize(
    "amount", [1.1, 12, "12.00", Decimal("NaN"), Decimal("Infinity"), Decimal("1E+30")]
)
def test_amount_to_cents_refuses_what_is_not_a_finite_decimal(amount):
    with pytest.raises(ApplicationError) as exc:
        amount_to_cents(amount)
    assert exc.value.code == "stripe_amount_invalid"


@pytest.mark.parametrize("cents", [1.0, "100", True, Decimal("100")])
def test_cents_to_amount_refuses_what_is_not_an_integer(cents):
    with pytest.raises(ApplicationError) as exc:
        cents_to_amount(cents)
    assert exc.value.code == "stripe_amount_invalid"


# --- settings ---------------------------------------------------------------------------------


def test_stripe_is_off_without_a_secret_key(settings, http_recorder):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_API_BASE = http_recorder.url

    assert stripe_enabled() is False
    with pytest.raises(ApplicationError) as exc:
        a_customer()

    assert exc.value.code == "stripe_disabled"
    assert http_recorder.requests == []


def test_stripe_is_on_with_a_secret_key(settings):
    settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
    assert stripe_enabled() is True


def test_a_live_key_is_never_sent_to_a_custom_api_base(settings, http_recorder):
    settings.STRIPE_SECRET_KEY = "sk_live_not_really"
    settings.STRIPE_API_BASE = http_recorder.url

    with pytest.raises(ApplicationError) as exc:
        a_customer()

    assert exc.value.code == "stripe_misconfigured"
    assert http_recorder.requests == []


# --- API calls against localstripe ------------------------------------------------------------


def test_customer_carries_organisation_id_and_kvk(stripe_settings):
    customer_id = a_customer()

    customer = raw_client(stripe_settings).v1.customers.retrieve(customer_id)
    assert customer_id.startswith("cus_")
    assert customer.name == "Vleesbedrijf Oost B.V."
    assert customer.metadata.to_dict() == {"organisation_id": "7", "kvk": "12345678"}


def test_payment_intent_asks_for_the_invoice_amount_in_cents_with_the_invoice_number(
    stripe_settings,
):
    customer_id = a_customer()

    result = payment_intent_create(
        amount=Decimal("1234.56"),
        invoice_number="2027-000123",
        customer_id=customer_id,
        payment_method_types=["sepa_debit", "card"],
        idempotency_key="invoice-2027-000123-payment-1",
        description="Levy invoice 2027-000123",
    )

    assert result["amount"] == Decimal("1234.56")
    assert result["invoice_number"] == "2027-000123"
    assert result["status"] == "requires_payment_method"
    assert result["client_secret"].startswith(result["id"] + "_secret_")
    pi = raw_client(stripe_settings).v1.payment_intents.retrieve(result["id"]).to_dict()
    assert pi["amount"] == 123456
    assert pi["currency"] == "eur"
    assert pi["customer"] == customer_id
    assert pi["metadata"] == {"invoice_number": "2027-000123"}
    assert pi["description"] == "Levy invoice 2027-000123"


def test_payment_under_a_sepa_mandate_is_confirmed_off_session(stripe_settings):
    customer_id = a_customer()
    payment_method_id = sepa_payment_method(stripe_settings, customer_id)

    result = payment_intent_create(
        amount=Decimal("50.00"),
        invoice_number="2027-000124",
        customer_id=customer_id,
        payment_method_types=["sepa_debit"],
        idempotency_key=new_id("pay"),
        description="Levy invoice 2027-000124",
        payment_method_id=payment_method_id,
    )

    # Real Stripe answers "processing" (days); localstripe settles SEPA at once.
    assert result["status"] in {"processing", "succeeded"}
    assert payment_intent_retrieve(payment_intent_id=result["id"])["amount"] == Decimal("50.00")


def test_declined_off_session_card_payment_is_reported_as_declined(stripe_settings):
    customer_id = a_customer()

    with pytest.raises(ApplicationError) as exc:
        payment_intent_create(
            amount=Decimal("10.00"),
            invoice_number="2027-000125",
            customer_id=customer_id,
            payment_method_types=["card"],
            idempotency_key=new_id("pay"),
            description="Levy invoice 2027-000125",
            # localstripe's (and Stripe's) test card that attaches but declines every charge.
            payment_method_id="pm_card_chargeCustomerFail",
        )

    assert exc.value.code == "stripe_payment_declined"
    assert exc.value.detail["http_status"] == 402


def test_sepa_mandate_setup_gives_the_browser_a_client_secret(stripe_settings):
    customer_id = a_customer()

    result = sepa_mandate_setup(
        customer_id=customer_id, organisation_id=7, idempotency_key=new_id("mandate")
    )

    assert result["id"].startswith("seti_")
    assert result["status"] == "requires_payment_method"
    assert result["client_secret"].startswith(result["id"] + "_secret_")
    assert result["payment_method_id"] is None


def test_part_of_a_collected_payment_is_refunded(stripe_settings):
    customer_id = a_customer()
    paid = payment_intent_create(
        amount=Decimal("300.00"),
        invoice_number="2027-000126",
        customer_id=customer_id,
        payment_method_types=["sepa_debit"],
        idempotency_key=new_id("pay"),
        description="Levy invoice 2027-000126",
        payment_method_id=sepa_payment_method(stripe_settings, customer_id),
    )

    refund = refund_create(
        payment_intent_id=paid["id"],
        amount=Decimal("100.00"),
        idempotency_key=new_id("refund"),
        invoice_number="2027-000126",
    )

    assert refund["id"].startswith("re_")
    assert refund["amount"] == Decimal("100.00")
    assert refund["payment_intent_id"] == paid["id"]
    assert refund["charge_id"]
    assert refund["status"] == "succeeded"


@pytest.mark.parametrize(
    "amount", [Decimal("0.00"), Decimal("-1.00"), Decimal("1000000.00"), Decimal("1.005")]
)
def test_payment_amount_outside_what_stripe_takes_is_refused_before_calling(
    settings, http_recorder, amount
):
    settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
    settings.STRIPE_API_BASE = http_recorder.url

    with pytest.raises(ApplicationError) as exc:
        payment_intent_create(
            amount=amount,
            invoice_number="2027-000127",
            customer_id="cus_test",
            payment_method_types=["ideal"],
            idempotency_key="k",
            description="Levy",
        )

    assert exc.value.code == "stripe_amount_invalid"
    assert http_recorder.requests == []


@pytest.mark.parametrize("types", [[], ["sofort"], ["ideal", "bitcoin"]])
def test_unknown_payment_method_types_are_refused(settings, http_recorder, types):
    settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
    settings.STRIPE_API_BASE = http_recorder.url

    with pytest.raises(ApplicationError) as exc:
        payment_intent_create(
            amount=Decimal("1.00"),
            invoice_number="2027-000128",
            customer_id="cus_test",
            payment_method_types=types,
            idempotency_key="k",
            description="Levy",
        )

    assert exc.value.code == "stripe_payment_method_invalid"
    assert http_recorder.requests == []


@pytest.mark.parametrize("key", ["", "x" * 256])
def test_a_creating_call_without_a_usable_idempotency_key_is_refused(settings, http_recorder, key):
    settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
    settings.STRIPE_API_BASE = http_recorder.url

    with pytest.raises(ApplicationError) as exc:
        customer_create(organisation_id=7, name="X", kvk="12345678", idempotency_key=key)

    assert exc.value.code == "stripe_idempotency_key_invalid"
    assert http_recorder.requests == []


# --- idempotency keys, failures ---------------------------------------------------------------

_CREATING_CALLS = {
    "customer": (
        lambda key: a_customer(key),
        {"id": "cus_1", "object": "customer", "metadata": {}},
    ),
    "payment_intent": (
        lambda key: payment_intent_create(
            amount=Decimal("1234.56"),
            invoice_number="2027-000129",
            customer_id="cus_1",
            payment_method_types=["ideal"],
            idempotency_key=key,
            description="Levy",
        ),
        {
            "id": "pi_1",
            "object": "payment_intent",
            "amount": 123456,
            "amount_received": 0,
            "client_secret": "pi_1_secret_x",
            "metadata": {"invoice_number": "2027-000129"},
            "status": "requires_payment_method",
        },
    ),
    "setup_intent": (
        lambda key: sepa_mandate_setup(customer_id="cus_1", organisation_id=7, idempotency_key=key),
        {
            "id": "seti_1",
            "object": "setup_intent",
            "client_secret": "seti_1_secret_x",
            "payment_method": None,
            "status": "requires_payment_method",
        },
    ),
    "refund": (
        lambda key: refund_create(
            payment_intent_id="pi_1", amount=Decimal("1.00"), idempotency_key=key
        ),
        {
            "id": "re_1",
            "object": "refund",
            "amount": 100,
            "charge": "py_1",
            "payment_intent": "pi_1",
            "status": "pending",
        },
    ),
}


@pytest.mark.parametrize("call", sorted(_CREATING_CALLS))
def test_every_creating_call_sends_our_idempotency_key(settings, http_recorder, call):
    # localstripe ignores Idempotency-Key (docs/stripe.md), so what is checked offline is that
    # the key reaches the wire unchanged, every time it is used.
    settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
    settings.STRIPE_API_BASE = http_recorder.url
    make, response = _CREATING_CALLS[call]
    http_recorder.reply = (200, response)

    make(f"{call}-key-1")
    make(f"{call}-key-1")

    assert [r.method for r in http_recorder.requests] == ["POST", "POST"]
    assert [r.headers.get("Idempotency-Key") for r in http_recorder.requests] == [
        f"{call}-key-1",
        f"{call}-key-1",
    ]


def test_stripe_server_errors_are_retried_with_the_same_key_then_reported_unavailable(
    settings, http_recorder
):
    settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
    settings.STRIPE_API_BASE = http_recorder.url
    http_recorder.reply = (503, {"error": {"type": "api_error", "message": "down"}})

    with pytest.raises(ApplicationError) as exc:
        a_customer("customer-org-7")

    assert exc.value.code == "stripe_unavailable"
    assert exc.value.detail["http_status"] == 503
    keys = [r.headers.get("Idempotency-Key") for r in http_recorder.requests]
    assert keys == ["customer-org-7"] * 3  # the first try and two retries


def test_unreachable_stripe_is_reported_unavailable(settings):
    with socket.socket() as s:  # a loopback port with nothing listening on it
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{port}"

    with pytest.raises(ApplicationError) as exc:
        a_customer()

    assert exc.value.code == "stripe_unavailable"


def test_a_rejected_request_passes_on_no_personal_data(settings, http_recorder, caplog):
    settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
    settings.STRIPE_API_BASE = http_recorder.url
    email = "finance@vleesbedrijf-oost.example"
    http_recorder.reply = (
        400,
        {
            "error": {
                "type": "invalid_request_error",
                "code": "email_invalid",
                "param": "email",
                "message": f"Invalid email address: {email}",
            }
        },
    )
    caplog.set_level(logging.INFO, logger="levies")

    with pytest.raises(ApplicationError) as exc:
        a_customer()

    assert exc.value.code == "stripe_request_rejected"
    assert exc.value.detail["stripe_code"] == "email_invalid"
    assert email not in str(exc.value.as_dict())
    assert email not in caplog.text
    assert "stripe_request_rejected" in caplog.text


# --- webhook signatures -----------------------------------------------------------------------


def an_event() -> dict:
    return payment_intent_event(
        "payment_intent.succeeded", invoice_number="2027-000130", amount_cents=123456
    )


@pytest.fixture
def webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET
    return TEST_WEBHOOK_SECRET


def refused(payload: bytes, header: str | None) -> str:
    with pytest.raises(ApplicationError) as exc:
        webhook_event_construct(payload=payload, signature_header=header)
    return exc.value.code


@time_machine.travel(NOW, tick=False)
def test_correctly_signed_event_is_accepted(webhook_secret):
    event = an_event()
    body, header = signed_event(event, secret=webhook_secret)

    assert webhook_event_construct(payload=body, signature_header=header) == event


@time_machine.travel(NOW, tick=False)
def test_tampered_body_is_refused(webhook_secret):
    body, header = signed_event(an_event(), secret=webhook_secret)
    tampered = body.replace(b"123456", b"999999")

    assert tampered != body
    assert refused(tampered, header) == "stripe_signature_invalid"


@time_machine.travel(NOW, tick=False)
def test_body_signed_with_another_secret_is_refused(webhook_secret):
    body, header = signed_event(an_event(), secret="whsec_someone_else")

    assert refused(body, header) == "stripe_signature_invalid"


@time_machine.travel(NOW, tick=False)
def test_signature_older_than_the_tolerance_is_refused(webhook_secret):
    body, header = signed_event(
        an_event(), secret=webhook_secret, timestamp=int(NOW.timestamp()) - 301
    )

    assert refused(body, header) == "stripe_signature_invalid"


@time_machine.travel(NOW, tick=False)
def test_signature_just_inside_the_tolerance_is_accepted(webhook_secret):
    body, header = signed_event(
        an_event(), secret=webhook_secret, timestamp=int(NOW.timestamp()) - 299
    )

    assert webhook_event_construct(payload=body, signature_header=header)["object"] == "event"


@time_machine.travel(NOW, tick=False)
def test_signature_from_the_future_beyond_the_tolerance_is_refused(webhook_secret):
    body, header = signed_event(
        an_event(), secret=webhook_secret, timestamp=int(NOW.timestamp()) + 301
    )

    assert refused(body, header) == "stripe_signature_invalid"


@time_machine.travel(NOW, tick=False)
def test_a_replay_of_a_valid_delivery_later_is_refused(webhook_secret):
    body, header = signed_event(an_event(), secret=webhook_secret)

    with time_machine.travel(NOW + dt.timedelta(minutes=10), tick=False):
        assert refused(body, header) == "stripe_signature_invalid"


@pytest.mark.parametrize("header", [None, "", "garbage", "t=notanumber,v1=abc", "t=1,v0=abc"])
@time_machine.travel(NOW, tick=False)
def test_missing_or_malformed_signature_header_is_refused(webhook_secret, header):
    body, _ = signed_event(an_event(), secret=webhook_secret)

    assert refused(body, header) == "stripe_signature_invalid"


@time_machine.travel(NOW, tick=False)
def test_one_valid_signature_among_several_is_enough(webhook_secret):
    # Stripe sends one v1 per active secret while an endpoint secret is being rolled.
    body, header = signed_event(an_event(), secret=webhook_secret)
    _, other = signed_event(an_event(), secret="whsec_old_secret")
    t, good = header.split(",")
    bad = other.split(",")[1]

    assert webhook_event_construct(payload=body, signature_header=f"{t},{bad},{good}")


@time_machine.travel(NOW, tick=False)
def test_several_signatures_none_valid_are_refused(webhook_secret):
    body, header = signed_event(an_event(), secret=webhook_secret)
    t = header.split(",")[0]

    assert refused(body, f"{t},v1={'0' * 64},v1={'f' * 64}") == "stripe_signature_invalid"


@time_machine.travel(NOW, tick=False)
def test_signed_body_that_is_not_json_is_refused(webhook_secret):
    body = b"not json at all"
    header = _sign_raw(body, webhook_secret)

    assert refused(body, header) == "stripe_event_invalid"


@time_machine.travel(NOW, tick=False)
def test_signed_body_that_is_not_utf8_is_refused(webhook_secret):
    body = b"\xff\xfe{}"
    header = _sign_raw(body, webhook_secret)

    assert refused(body, header) == "stripe_signature_invalid"


@time_machine.travel(NOW, tick=False)
def test_signed_json_that_is_not_an_event_is_refused(webhook_secret):
    body, header = signed_event({"object": "payment_intent", "id": "pi_1"}, secret=webhook_secret)

    assert refused(body, header) == "stripe_event_invalid"


def test_webhooks_are_refused_without_a_webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    body, header = signed_event(an_event(), secret=TEST_WEBHOOK_SECRET)

    assert refused(body, header) == "stripe_disabled"


def _sign_raw(body: bytes, secret: str) -> str:
    import hmac

    t = int(time.time())
    return f"t={t},v1=" + hmac.new(secret.encode(), f"{t}.".encode() + body, "sha256").hexdigest()


def test_localstripe_delivers_events_our_verifier_accepts(stripe_settings, http_recorder):
    localstripe_webhook_register(
        stripe_settings.STRIPE_API_BASE,
        webhook_id="unionroll-test",
        url=http_recorder.url + "/stripe/webhook",
        secret=TEST_WEBHOOK_SECRET,
        events=["payment_intent.succeeded"],
    )
    try:
        paid = payment_intent_create(
            amount=Decimal("42.50"),
            invoice_number="2027-000131",
            customer_id=a_customer(),
            payment_method_types=["card"],
            idempotency_key=new_id("pay"),
            description="Levy invoice 2027-000131",
            payment_method_id="pm_card_visa",
        )
        delivered = [
            r
            for r in http_recorder.wait_for(1)
            if b'"payment_intent.succeeded"' in r.body and paid["id"].encode() in r.body
        ]
    finally:
        localstripe_webhook_register(
            stripe_settings.STRIPE_API_BASE,
            webhook_id="unionroll-test",
            url=http_recorder.url,
            secret=TEST_WEBHOOK_SECRET,
            events=["unionroll.never"],
        )

    assert len(delivered) == 1
    event = webhook_event_construct(
        payload=delivered[0].body, signature_header=delivered[0].headers["Stripe-Signature"]
    )
    fields = event_fields(event)
    assert fields.type == "payment_intent.succeeded"
    assert fields.payment_intent_id == paid["id"]
    assert fields.invoice_number == "2027-000131"
    assert fields.amount == Decimal("42.50")


# --- event fields -----------------------------------------------------------------------------


def test_payment_processing_fields():
    event = payment_intent_event(
        "payment_intent.processing",
        invoice_number="2027-000140",
        amount_cents=123456,
        payment_intent_id="pi_A",
        charge_id="py_A",
        event_id="evt_A",
        created=int(NOW.timestamp()),
    )

    fields = event_fields(event)

    assert fields.event_id == "evt_A"
    assert fields.type == "payment_intent.processing"
    assert fields.created == NOW
    assert fields.livemode is False
    assert fields.object_type == "payment_intent"
    assert fields.status == "processing"
    assert fields.payment_intent_id == "pi_A"
    assert fields.charge_id == "py_A"
    assert fields.invoice_number == "2027-000140"
    assert fields.currency == "eur"
    assert fields.amount == Decimal("1234.56")
    assert fields.amount_received == Decimal("0.00")
    assert fields.payment_method_type == "sepa_debit"
    assert fields.failure_code is None


def test_payment_succeeded_fields_say_what_was_received():
    event = payment_intent_event(
        "payment_intent.succeeded",
        invoice_number="2027-000141",
        amount_cents=5000,
        payment_method_type="ideal",
    )

    fields = event_fields(event)

    assert fields.status == "succeeded"
    assert fields.amount_received == Decimal("50.00")
    assert fields.payment_method_type == "ideal"


def test_payment_failed_fields_carry_the_failure_code():
    event = payment_intent_event(
        "payment_intent.payment_failed",
        invoice_number="2027-000142",
        amount_cents=5000,
        failure_code="insufficient_funds",
    )

    fields = event_fields(event)

    assert fields.status == "requires_payment_method"
    assert fields.failure_code == "insufficient_funds"
    assert fields.amount_received == Decimal("0.00")
    assert fields.invoice_number == "2027-000142"


def test_charge_refunded_fields_give_the_running_refunded_total():
    event = charge_refunded_event(
        payment_intent_id="pi_B",
        charge_id="py_B",
        amount_cents=30000,
        refunded_cents=10000,
        refund_id="re_B",
    )

    fields = event_fields(event)

    assert fields.object_type == "charge"
    assert fields.payment_intent_id == "pi_B"
    assert fields.charge_id == "py_B"
    assert fields.refund_ids == ("re_B",)
    assert fields.amount == Decimal("300.00")
    assert fields.amount_refunded == Decimal("100.00")
    assert fields.amount_received is None
    # Charges do not carry the PaymentIntent's metadata: handlers go through the intent id.
    assert fields.invoice_number is None


@pytest.mark.parametrize(
    ("event_type", "status"),
    [("charge.dispute.created", "needs_response"), ("charge.dispute.closed", "lost")],
)
def test_dispute_fields(event_type, status):
    event = dispute_event(
        event_type,
        payment_intent_id="pi_C",
        charge_id="py_C",
        amount_cents=30000,
        dispute_id="dp_C",
    )

    fields = event_fields(event)

    assert fields.object_type == "dispute"
    assert fields.dispute_id == "dp_C"
    assert fields.payment_intent_id == "pi_C"
    assert fields.charge_id == "py_C"
    assert fields.amount == Decimal("300.00")
    assert fields.status == status
    assert fields.dispute_reason == "general"
    assert fields.payment_method_type == "sepa_debit"


def test_refund_failed_fields():
    event = refund_event(
        "refund.failed",
        payment_intent_id="pi_D",
        charge_id="py_D",
        amount_cents=1000,
        status="failed",
        failure_reason="expired_or_canceled_card",
        refund_id="re_D",
        invoice_number="2027-000143",
    )

    fields = event_fields(event)

    assert fields.refund_ids == ("re_D",)
    assert fields.status == "failed"
    assert fields.failure_code == "expired_or_canceled_card"
    assert fields.amount == Decimal("10.00")
    assert fields.invoice_number == "2027-000143"


def test_every_handled_event_type_has_fields_for_its_handler():
    builders = {
        "payment_intent": lambda t: payment_intent_event(
            t, invoice_number="2027-000144", amount_cents=100
        ),
        "charge.refunded": lambda t: charge_refunded_event(
            payment_intent_id="pi_E", charge_id="py_E", amount_cents=100, refunded_cents=100
        ),
        "refund": lambda t: refund_event(
            t, payment_intent_id="pi_E", charge_id="py_E", amount_cents=100, status="failed"
        ),
        "charge.dispute": lambda t: dispute_event(
            t, payment_intent_id="pi_E", charge_id="py_E", amount_cents=100
        ),
    }
    # setup_intent.succeeded moves no money: its fields are checked on their own below.
    for event_type in sorted(HANDLED_EVENT_TYPES - {"setup_intent.succeeded"}):
        builder = next(b for prefix, b in builders.items() if event_type.startswith(prefix))
        fields = event_fields(builder(event_type))
        assert fields.type == event_type
        assert fields.payment_intent_id
        assert fields.amount == Decimal("1.00")


def test_a_succeeded_sepa_setup_intent_gives_customer_and_payment_method():
    event = setup_intent_event(customer_id="cus_G", payment_method_id="pm_G")

    fields = event_fields(event)

    assert "setup_intent.succeeded" in HANDLED_EVENT_TYPES
    assert (fields.object_type, fields.status) == ("setup_intent", "succeeded")
    assert (fields.customer_id, fields.payment_method_id) == ("cus_G", "pm_G")
    assert fields.payment_method_type == "sepa_debit"
    assert fields.amount is None


def test_amounts_in_another_currency_are_not_read_as_euros():
    event = payment_intent_event(
        "payment_intent.succeeded", invoice_number="2027-000145", amount_cents=100
    )
    event["data"]["object"]["currency"] = "usd"

    fields = event_fields(event)

    assert fields.currency == "usd"
    assert fields.amount is None
    assert fields.amount_received is None


def test_event_of_another_object_type_gives_its_ids_only():
    event = stripe_event("customer.created", {"id": "cus_F", "object": "customer"})

    fields = event_fields(event)

    assert fields.object_type == "customer"
    assert fields.object_id == "cus_F"
    assert fields.payment_intent_id is None
    assert fields.amount is None


@pytest.mark.parametrize(
    "breakage",
    [
        lambda e: e.pop("id"),
        lambda e: e.pop("created"),
        lambda e: e.__setitem__("created", "yesterday"),
        lambda e: e.__setitem__("data", {}),
        lambda e: e["data"]["object"].__setitem__("amount", "1234.56"),
        lambda e: e["data"]["object"].__setitem__("amount", 12.5),
    ],
)
def test_malformed_event_is_refused(breakage):
    event = an_event()
    breakage(event)

    with pytest.raises(ApplicationError) as exc:
        event_fields(event)

    assert exc.value.code == "stripe_event_invalid"


def test_a_failing_sepa_debit_goes_from_processing_to_failed(stripe_settings):
    customer_id = a_customer()
    client = raw_client(stripe_settings)
    pm = client.v1.payment_methods.create(
        params={"type": "sepa_debit", "sepa_debit": {"iban": IBAN_FAILS}}
    )

    result = payment_intent_create(
        amount=Decimal("75.00"),
        invoice_number="2027-000132",
        customer_id=customer_id,
        payment_method_types=["sepa_debit"],
        idempotency_key=new_id("pay"),
        description="Levy invoice 2027-000132",
        payment_method_id=pm.id,
    )

    assert result["status"] == "processing"
    deadline = time.monotonic() + 10
    status = result["status"]
    while status == "processing" and time.monotonic() < deadline:
        time.sleep(0.1)
        status = payment_intent_retrieve(payment_intent_id=result["id"])["status"]
    assert status == "requires_payment_method"
