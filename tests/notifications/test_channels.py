from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from pypdf import PdfReader

from notifications.models import Notice
from notifications.services import notice_channel, notice_deliver
from tests.enrolment.factories import MembershipFactory, PersonFactory
from tests.notifications.factories import NoticeFactory

pytestmark = pytest.mark.django_db


def _welcome(**person):
    membership = MembershipFactory(person=PersonFactory(**person))
    return NoticeFactory(membership=membership)


@pytest.mark.parametrize(
    ("phone", "email", "channel"),
    [
        ("+48601000001", "a@example.com", "sms"),
        ("+48601000001", None, "sms"),
        (None, "a@example.com", "email"),
        (None, None, "letter"),
    ],
)
def test_channel_follows_the_members_contact_details(phone, email, channel):
    person = PersonFactory.build(phone=phone, email=email)

    assert notice_channel(person) == channel


def test_welcome_by_sms_lands_in_the_file_outbox_in_the_members_language(daytime, sms_outbox):
    notice = _welcome(language="ro", phone="+40722000111", email=None)

    outcome = notice_deliver(notice_id=notice.pk)

    assert outcome.status == "sent"
    [message] = sms_outbox()
    assert message["to"] == "+40722000111"
    # Sent on 20 November: the window runs a month from then.
    assert "Poți ieși oricând. Dacă ieși cel târziu pe 20 decembrie 2026" in message["text"]
    notice.refresh_from_db()
    assert (notice.status, notice.channel, notice.attempts) == ("sent", "sms", 1)
    assert notice.provider_id == message["id"]
    assert notice.sent_at == dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


def test_welcome_by_email_is_in_the_members_language_with_their_date_format(daytime):
    notice = _welcome(language="pl", phone=None, email="lukasz@example.com")

    notice_deliver(notice_id=notice.pk)

    [message] = mail.outbox
    assert message.to == ["lukasz@example.com"]
    assert message.subject == "Witamy w związku zawodowym"
    assert "Dzień dobry, Łukasz," in message.body
    assert "Jeśli zrezygnujesz najpóźniej 20 grudnia 2026, będzie tak" in message.body
    assert "Nigdy nie płacisz za członkostwo." in message.body
    # The rights in short: minimum wage, holiday pay, what may be deducted.
    assert "co najmniej 8% dodatku urlopowego" in message.body
    assert "notice-" in message.extra_headers["Message-ID"]
    notice.refresh_from_db()
    assert (notice.status, notice.channel) == ("sent", "email")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "If you leave on or before 20 December 2026, it is as if"),
        ("nl", "Zeg je uiterlijk op 20 december 2026 op?"),
        ("pl", "Jeśli zrezygnujesz najpóźniej 20 grudnia 2026"),
        ("ro", "Dacă ieși cel târziu pe 20 decembrie 2026"),
        ("uk", "Якщо Ви вийдете не пізніше 20 грудня 2026"),
        ("bg", "Ако напуснете до 20 декември 2026 включително"),
        # Not one of the six: English.
        ("de", "If you leave on or before 20 December 2026, it is as if"),
        ("PL-pl", "Jeśli zrezygnujesz najpóźniej 20 grudnia 2026"),
    ],
)
def test_every_language_states_the_window_end_in_its_own_words(daytime, language, expected):
    notice = _welcome(language=language, phone=None, email="member@example.com")

    notice_deliver(notice_id=notice.pk)

    assert expected in mail.outbox[0].body


def test_letter_is_a_pdf_with_the_name_in_full_queued_for_print(daytime):
    notice = _welcome(
        first_name="Ștefan-Łukasz",
        last_name="Żółtowski-Țăranu",
        language="uk",
        phone=None,
        email=None,
    )

    outcome = notice_deliver(notice_id=notice.pk)

    assert outcome.status == "queued_for_print"
    notice.refresh_from_db()
    assert notice.status == "queued_for_print" and notice.channel == "letter"
    assert notice.document == f"letters/notice-{notice.pk}.pdf"
    with default_storage.open(notice.document, "rb") as handle:
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)
    assert "Ștefan-Łukasz Żółtowski-Țăranu" in text
    assert "Ласкаво просимо до профспілки" in text
    assert "20 листопада 2026" in text  # the letter's date, in Ukrainian
    assert "20 грудня 2026" in text  # the end of the window
    assert mail.outbox == []


def test_sms_through_twilio_is_sent_with_sender_and_text(daytime, twilio, settings):
    notice = _welcome(language="bg", phone="+359888000111")

    outcome = notice_deliver(notice_id=notice.pk)

    assert outcome.status == "sent"
    [request] = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{settings.TWILIO_ACCOUNT_SID}/Messages.json"
    assert request["form"]["To"] == "+359888000111"
    assert request["form"]["From"] == settings.UNIONROLL_SMS_SENDER
    assert "вече сте член на синдиката" in request["form"]["Body"]
    notice.refresh_from_db()
    assert notice.provider_id == "SM" + "1".zfill(32)


def test_twilio_5xx_is_retried_with_back_off_and_then_sent(daytime, twilio):
    twilio.responses.append((503, {"message": "Service unavailable"}))
    notice = _welcome(phone="+48601000002")

    first = notice_deliver(notice_id=notice.pk)

    notice.refresh_from_db()
    assert first.status == "deferred"
    assert first.retry_at == dt.datetime(2026, 11, 20, 10, 1, tzinfo=dt.UTC)  # 60 s
    assert (notice.status, notice.attempts, notice.last_error) == ("deferred", 1, "sms_http_503")

    daytime.shift(dt.timedelta(seconds=61))
    second = notice_deliver(notice_id=notice.pk)

    notice.refresh_from_db()
    assert second.status == "sent"
    assert (notice.status, notice.attempts, notice.last_error) == ("sent", 2, "")
    assert len(twilio.requests) == 2


def test_back_off_doubles_and_gives_up_after_the_maximum_attempts(daytime, twilio, settings):
    settings.UNIONROLL_NOTICE_MAX_ATTEMPTS = 3
    twilio.responses.extend([(500, {})] * 3)
    notice = _welcome(phone="+48601000003")

    waits = []
    for _ in range(3):
        outcome = notice_deliver(notice_id=notice.pk)
        if outcome.retry_at:
            waits.append((outcome.retry_at - dt.datetime.now(dt.UTC)).total_seconds())
            daytime.move_to(outcome.retry_at)

    notice.refresh_from_db()
    assert waits == [60, 120]
    assert (notice.status, notice.attempts, notice.last_error) == ("failed", 3, "sms_http_500")
    assert notice_deliver(notice_id=notice.pk).status == "skipped"
    assert len(twilio.requests) == 3


def test_twilio_4xx_fails_at_once_without_retry(daytime, twilio):
    twilio.responses.append((400, {"code": 21211, "message": "Invalid 'To' Phone Number"}))
    notice = _welcome(phone="+48601000004")

    outcome = notice_deliver(notice_id=notice.pk)

    notice.refresh_from_db()
    assert outcome.status == "failed" and outcome.retry_at is None
    assert (notice.status, notice.attempts, notice.last_error) == ("failed", 1, "twilio_21211")
    assert notice_deliver(notice_id=notice.pk).status == "skipped"
    assert len(twilio.requests) == 1


def test_unreachable_provider_is_a_temporary_failure(daytime, settings):
    settings.UNIONROLL_SMS_BACKEND = "notifications.channels.sms.TwilioSmsBackend"
    settings.TWILIO_API_BASE = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.UNIONROLL_SMS_TIMEOUT = 2
    notice = _welcome(phone="+48601000005")

    outcome = notice_deliver(notice_id=notice.pk)

    notice.refresh_from_db()
    assert outcome.status == "deferred"
    assert notice.last_error == "sms_ConnectionError"


def test_refused_email_address_fails_without_retry(daytime, monkeypatch):
    import smtplib

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"x@example.com": (550, b"no such user")})

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    notice = _welcome(phone=None)

    outcome = notice_deliver(notice_id=notice.pk)

    notice.refresh_from_db()
    assert outcome.status == "failed"
    assert notice.last_error == "email_refused"
    assert Notice.objects.get(pk=notice.pk).status == "failed"
