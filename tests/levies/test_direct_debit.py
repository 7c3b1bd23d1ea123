"""SEPA Direct Debit under a mandate the payer sets up once: starting it (a SetupIntent against
localstripe), storing it from the signed ``setup_intent.succeeded`` webhook (once, newest
wins), debiting newly issued invoices with it off-session, the page, and who may see and
start it.

After every test the ledger balances (tests/levies/conftest.py) and every invoice's stored
state equals what its postings say (tests/levies/payments.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from decimal import Decimal

import pytest
import stripe
import time_machine
from django.test import TestCase
from django.urls import reverse

from levies.models import Invoice, LedgerPosting, Payment, StripeCustomer, StripeEvent
from levies.payments.direct_debit import invoices_collect_by_direct_debit, sepa_mandate_start
from levies.services import invoices_issue, levies_assess
from tests.employers.factories import OrganisationFactory
from tests.levies.conftest import PE, PS, import_roster, make_scheme, worker
from tests.levies.payments import an_invoice, documents_match_their_postings
from tests.levies.stripe_fake import (
    IBAN_FAILS,
    IBAN_OK,
    TEST_SECRET_KEY,
    TEST_WEBHOOK_SECRET,
    payment_intent_event,
    setup_intent_event,
    signed_event,
)
from unionroll.exceptions import ApplicationError

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("documents_match_their_postings")]
__all__ = ["documents_match_their_postings"]  # the fixture, used through pytestmark
D = Decimal
WEBHOOK = "/stripe/webhook/"
PAGE = "/invoices/direct-debit/"
T0 = int(time.time()) - 600  # event times, ten minutes ago and later


def raw_client(settings) -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}
    )


def give_mandate(settings, organisation, *, iban: str = IBAN_OK) -> str:
    """What a completed mandate leaves behind: a customer at localstripe with a SEPA payment
    method, stored on the organisation. Returns the payment method id."""
    client = raw_client(settings)
    customer = client.v1.customers.create(params={"name": "payer"})
    pm = client.v1.payment_methods.create(
        params={"type": "sepa_debit", "sepa_debit": {"iban": iban}}
    )
    client.v1.payment_methods.attach(pm.id, params={"customer": customer.id})
    StripeCustomer.objects.create(
        organisation=organisation,
        customer_id=customer.id,
        sepa_payment_method_id=pm.id,
        sepa_mandate_at=dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC),
    )
    return pm.id


def deliver(client, payload):
    body, header = signed_event(payload, secret=TEST_WEBHOOK_SECRET)
    return client.post(
        WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def issue_for(tmp_path, meat, agency) -> list[dict]:
    """A real billing run for one agency-paid worker, its on-commit callbacks executed."""
    make_scheme(meat, funding_agency=100, funding_state=0)
    with time_machine.travel(dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC), tick=False):
        import_roster(tmp_path, agency, [worker(1, gross_wages="1000,00")])
    levies_assess(period_start=PS, period_end=PE, today=dt.date(2026, 12, 11))
    with TestCase.captureOnCommitCallbacks(execute=True):
        return invoices_issue(period_start=PS, period_end=PE, issue_date=dt.date(2026, 12, 14))


# --- starting a mandate ------------------------------------------------------------------------


def test_mandate_start_gives_a_client_secret_and_creates_the_customer_once(stripe_settings):
    org = OrganisationFactory()

    first = sepa_mandate_start(organisation=org)
    again = sepa_mandate_start(organisation=org)

    assert first["client_secret"].startswith(first["setup_intent_id"] + "_secret_")
    assert first["status"] == "requires_payment_method"
    customer = StripeCustomer.objects.get()
    assert again["client_secret"]
    seti = raw_client(stripe_settings).v1.setup_intents.retrieve(first["setup_intent_id"])
    assert (seti.customer, seti.usage, seti.payment_method_types) == (
        customer.customer_id,
        "off_session",
        ["sepa_debit"],
    )
    assert seti.metadata["organisation_id"] == str(org.pk)
    # Nothing counts until Stripe's webhook says the mandate was given.
    assert customer.sepa_payment_method_id is None


def test_mandate_start_keys_derive_from_the_organisation_and_its_current_mandate(
    settings, http_recorder
):
    settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
    settings.STRIPE_API_BASE = http_recorder.url
    org = OrganisationFactory()
    http_recorder.reply = (
        200,
        {
            "id": "seti_recorded",
            "object": "setup_intent",
            "status": "requires_payment_method",
            "client_secret": "seti_recorded_secret_x",
        },
    )

    sepa_mandate_start(organisation=org)
    StripeCustomer.objects.update(sepa_payment_method_id="pm_old")
    sepa_mandate_start(organisation=org)

    keys = [r.headers.get("Idempotency-Key") for r in http_recorder.requests]
    assert keys == [
        f"organisation-{org.pk}-customer",
        f"organisation-{org.pk}-sepa-mandate-first",
        f"organisation-{org.pk}-sepa-mandate-pm_old",
    ]


def test_mandate_start_with_stripe_off_is_refused(settings):
    settings.STRIPE_SECRET_KEY = ""

    with pytest.raises(ApplicationError) as exc:
        sepa_mandate_start(organisation=OrganisationFactory())

    assert exc.value.code == "stripe_disabled"
    assert not StripeCustomer.objects.exists()


# --- the webhook stores it ---------------------------------------------------------------------


def test_setup_intent_succeeded_stores_the_mandate_and_a_replay_changes_nothing(
    client, stripe_settings
):
    org = OrganisationFactory()
    started = sepa_mandate_start(organisation=org)
    # What Stripe's element does in the payer's browser: confirm with the IBAN.
    seti = raw_client(stripe_settings).v1.setup_intents.confirm(
        started["setup_intent_id"],
        params={"payment_method_data": {"type": "sepa_debit", "sepa_debit": {"iban": IBAN_OK}}},
    )
    customer = StripeCustomer.objects.get(organisation=org)
    event = setup_intent_event(
        customer_id=customer.customer_id,
        payment_method_id=seti.payment_method,
        setup_intent_id=seti.id,
        organisation_id=org.pk,
        created=T0,
    )

    first = deliver(client, event)
    customer.refresh_from_db()
    stored = (customer.sepa_payment_method_id, customer.sepa_mandate_at)
    replay = deliver(client, event)
    customer.refresh_from_db()

    assert seti.status == "succeeded"
    assert first.status_code == 200 and first.json()["result"] == "processed"
    assert stored == (seti.payment_method, dt.datetime.fromtimestamp(T0, tz=dt.UTC))
    assert replay.status_code == 200 and replay.json()["duplicate"] is True
    assert (customer.sepa_payment_method_id, customer.sepa_mandate_at) == stored
    assert StripeEvent.objects.get().detail["payment_method"] == seti.payment_method


def test_a_newer_mandate_replaces_the_older_and_a_late_older_event_does_not(client, settings):
    settings.STRIPE_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET
    customer = StripeCustomer.objects.create(
        organisation=OrganisationFactory(), customer_id="cus_replace"
    )

    def mandate(pm, created):
        event = setup_intent_event(customer_id="cus_replace", payment_method_id=pm, created=created)
        return deliver(client, event).json()["result"]

    results = [
        mandate("pm_first", T0),
        mandate("pm_third", T0 + 120),
        mandate("pm_second", T0 + 60),
    ]

    customer.refresh_from_db()
    assert results == ["processed", "processed", "stale"]
    assert customer.sepa_payment_method_id == "pm_third"
    assert customer.sepa_mandate_at == dt.datetime.fromtimestamp(T0 + 120, tz=dt.UTC)


def test_a_card_setup_or_an_unknown_customer_stores_no_mandate(client, settings):
    settings.STRIPE_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET
    customer = StripeCustomer.objects.create(
        organisation=OrganisationFactory(), customer_id="cus_known"
    )

    card = deliver(
        client,
        setup_intent_event(
            customer_id="cus_known", payment_method_id="pm_card", payment_method_type="card"
        ),
    )
    stranger = deliver(
        client, setup_intent_event(customer_id="cus_stranger", payment_method_id="pm_x")
    )

    customer.refresh_from_db()
    assert (card.json()["result"], stranger.json()["result"]) == ("ignored", "unknown_customer")
    assert customer.sepa_payment_method_id is None
    assert not StripeCustomer.objects.filter(customer_id="cus_stranger").exists()


# --- collecting invoices under the mandate -----------------------------------------------------


def test_issuing_an_invoice_for_a_payer_with_a_mandate_debits_its_total(
    client, tmp_path, meat, agency, stripe_settings
):
    pm = give_mandate(stripe_settings, agency)

    issued = issue_for(tmp_path, meat, agency)

    invoice = Invoice.objects.get(number=issued[0]["number"])
    payment = Payment.objects.get(source="stripe")
    pi = raw_client(stripe_settings).v1.payment_intents.retrieve(payment.external_reference)
    assert (payment.invoice, payment.method, payment.amount) == (invoice, "sepa_debit", D("5.00"))
    assert (pi.amount, pi.currency, pi.payment_method) == (500, "eur", pm)
    assert pi.metadata["invoice_number"] == invoice.number
    assert pi.status in ("processing", "succeeded")
    assert pi.customer == StripeCustomer.objects.get(organisation=agency).customer_id
    invoice.refresh_from_db()
    assert (invoice.status, invoice.payment_pending) == ("open", True)

    # The webhook books it, as for any Stripe payment.
    deliver(
        client,
        payment_intent_event(
            "payment_intent.succeeded",
            invoice_number=invoice.number,
            amount_cents=500,
            payment_intent_id=pi.id,
        ),
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.payment_pending) == ("paid", False)


def test_without_a_mandate_issuing_collects_nothing(tmp_path, meat, agency, stripe_settings):
    StripeCustomer.objects.create(organisation=agency, customer_id="cus_no_mandate")

    issued = issue_for(tmp_path, meat, agency)

    assert len(issued) == 1
    assert not Payment.objects.exists()


def test_with_stripe_off_issuing_queues_no_collection(
    tmp_path, meat, agency, settings, monkeypatch
):
    from levies.payments.tasks import invoices_collect_by_direct_debit_task

    queued = []
    monkeypatch.setattr(invoices_collect_by_direct_debit_task, "delay", queued.append)
    settings.STRIPE_SECRET_KEY = ""
    StripeCustomer.objects.create(
        organisation=agency, customer_id="cus_off", sepa_payment_method_id="pm_off"
    )
    make_scheme(meat, funding_agency=100, funding_state=0)
    with time_machine.travel(dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC), tick=False):
        import_roster(tmp_path, agency, [worker(1, gross_wages="1000,00")])
    levies_assess(period_start=PS, period_end=PE, today=dt.date(2026, 12, 11))

    with TestCase.captureOnCommitCallbacks(execute=True):
        issued = invoices_issue(period_start=PS, period_end=PE, issue_date=dt.date(2026, 12, 14))

    assert len(issued) == 1
    # Billing tells payments that invoices were issued; with Stripe off, payments queues nothing.
    assert queued == []
    assert invoices_collect_by_direct_debit()["collected"] == []
    assert not Payment.objects.exists()


def test_stripe_failing_never_blocks_issuing(tmp_path, meat, agency, settings, http_recorder):
    settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
    settings.STRIPE_API_BASE = http_recorder.url
    http_recorder.reply = (500, {"error": {"type": "api_error", "message": "down"}})
    StripeCustomer.objects.create(
        organisation=agency, customer_id="cus_down", sepa_payment_method_id="pm_down"
    )

    issued = issue_for(tmp_path, meat, agency)

    assert len(issued) == 1
    assert Invoice.objects.filter(number=issued[0]["number"]).exists()
    assert len(http_recorder.requests) == 3  # the first try and the library's two retries
    assert not Payment.objects.exists()


def test_failures_are_reported_without_personal_data_and_others_are_still_debited(
    stripe_settings, caplog
):
    org = OrganisationFactory(name="Jansen Uitzendwerk B.V.")
    give_mandate(stripe_settings, org)
    too_large = an_invoice("1000000.00", organisation=org)
    fine = an_invoice("80.00", organisation=org)

    with caplog.at_level(logging.INFO):
        report = invoices_collect_by_direct_debit(invoices=[too_large, fine])

    assert report["failed"] == [{"invoice": too_large.number, "code": "stripe_amount_invalid"}]
    assert [c["invoice"] for c in report["collected"]] == [fine.number]
    assert "Jansen" not in caplog.text
    assert Payment.objects.get().invoice == fine


def test_only_collectable_invoices_are_debited(stripe_settings):
    org = OrganisationFactory()
    give_mandate(stripe_settings, org)
    open_invoice = an_invoice("50.00", organisation=org)
    credit_note = an_invoice("-5.00", organisation=org, kind=Invoice.Kind.CREDIT_NOTE)
    other_payer = an_invoice("60.00")  # its payer has no mandate

    report = invoices_collect_by_direct_debit()
    again = invoices_collect_by_direct_debit(invoices=[open_invoice, credit_note, other_payer])

    assert [c["invoice"] for c in report["collected"]] == [open_invoice.number]
    # Pending now: a second run (or the task twice) debits nothing more.
    assert again == {"collected": [], "failed": [], "skipped": 3}
    assert Payment.objects.count() == 1


def test_a_failed_debit_is_not_retried_on_its_own(client, stripe_settings):
    org = OrganisationFactory()
    give_mandate(stripe_settings, org, iban=IBAN_FAILS)
    invoice = an_invoice("40.00", organisation=org)
    started = invoices_collect_by_direct_debit(invoices=[invoice])["collected"][0]
    deliver(
        client,
        payment_intent_event(
            "payment_intent.payment_failed",
            invoice_number=invoice.number,
            amount_cents=4000,
            payment_intent_id=started["payment_intent"],
        ),
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.payment_pending) == ("open", False)

    report = invoices_collect_by_direct_debit()

    assert report["collected"] == []
    assert Payment.objects.get().status == "failed"
    assert LedgerPosting.objects.count() == 0


# --- the page ----------------------------------------------------------------------------------


def test_page_says_plainly_when_stripe_is_off(client, anna, settings):
    settings.STRIPE_SECRET_KEY = ""
    client.force_login(anna)

    page = text_of(client.get(PAGE))
    response = client.post(PAGE)

    assert "SEPA Direct Debit is not switched on for this site" in page
    assert "No mandate is active" in page
    assert "Set up a direct debit mandate" not in page
    assert response.status_code == 302
    assert not StripeCustomer.objects.exists()


def test_payer_starts_a_mandate_and_gets_stripes_element(client, anna, flexwerk, stripe_settings):
    stripe_settings.STRIPE_PUBLISHABLE_KEY = "pk_test_unionroll"
    client.force_login(anna)

    page = text_of(client.get(PAGE))
    response = client.post(PAGE)

    assert "No mandate is active" in page
    assert "Set up a direct debit mandate" in page
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-intent="setup"' in html
    assert 'data-client-secret="seti_' in html
    assert 'data-publishable-key="pk_test_unionroll"' in html
    customer = StripeCustomer.objects.get(organisation=flexwerk)
    assert customer.sepa_payment_method_id is None


def test_an_active_mandate_shows_on_the_payers_page(client, anna, flexwerk, settings):
    settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
    StripeCustomer.objects.create(
        organisation=flexwerk,
        customer_id="cus_page",
        sepa_payment_method_id="pm_page",
        sepa_mandate_at=dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC),
    )
    client.force_login(anna)

    page = text_of(client.get(PAGE))

    assert "A mandate is active" in page
    assert "Set up on 1 Dec 2026" in page
    assert "Replace the mandate" in page
    assert "pm_page" not in page and "cus_page" not in page


def test_invoice_list_links_payers_to_the_mandate_page(client, anna):
    client.force_login(anna)

    html = client.get(reverse("levies:invoice_list")).content.decode()

    assert reverse("levies:direct_debit") == PAGE
    assert f'href="{PAGE}"' in html


def test_another_organisations_user_can_neither_see_nor_start_it(
    client, bogdan, flexwerk, stripe_settings
):
    StripeCustomer.objects.create(
        organisation=flexwerk,
        customer_id="cus_flexwerk",
        sepa_payment_method_id="pm_flexwerk",
        sepa_mandate_at=dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC),
    )
    client.force_login(bogdan)

    other = client.get(f"{PAGE}?organisation={flexwerk.pk}")
    start = client.post(f"{PAGE}?organisation={flexwerk.pk}")
    own = text_of(client.get(PAGE))

    assert (other.status_code, start.status_code) == (404, 404)
    assert "No mandate is active" in own  # its own organisation's, not Flexwerk's
    assert flexwerk.name not in own
    assert StripeCustomer.objects.count() == 1  # nothing started for anyone


def test_union_admin_sees_mandates_but_cannot_give_one(client, ula, flexwerk, stripe_settings):
    StripeCustomer.objects.create(
        organisation=flexwerk,
        customer_id="cus_flexwerk",
        sepa_payment_method_id="pm_flexwerk",
        sepa_mandate_at=dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC),
    )
    client.force_login(ula)

    listing = text_of(client.get(PAGE))
    payer = text_of(client.get(f"{PAGE}?organisation={flexwerk.pk}"))
    start = client.post(f"{PAGE}?organisation={flexwerk.pk}")

    assert flexwerk.name in listing
    assert "A mandate is active" in payer
    assert "Set up a direct debit mandate" not in payer and "Replace the mandate" not in payer
    assert start.status_code == 403


def test_anonymous_visitor_is_sent_to_log_in(client):
    for response in (client.get(PAGE), client.post(PAGE)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
