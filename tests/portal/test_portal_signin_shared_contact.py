"""A phone or e-mail address that two members share (a family phone) names neither on its own.

A link request for a shared contact opens no membership unless the date of birth singles one
person out; the answer is the same page whatever happened, and the limits still count.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from enrolment import credentials as signin
from enrolment.models import SignInLink
from portal.session import SESSION_KEY
from tests.enrolment.factories import MembershipFactory, PersonFactory
from tests.portal.factories import link_form, link_in, link_use

pytestmark = pytest.mark.django_db

SIGN_IN = "/my/sign-in/"
FAMILY_PHONE = "+31612345678"
DAYTIME = dt.datetime(2026, 11, 20, 10, 5, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clock_inside_one_limit_window():
    with time_machine.travel(DAYTIME, tick=True):
        yield


@pytest.fixture(autouse=True)
def _outbox_and_limits(settings, tmp_path):
    settings.UNIONROLL_SMS_BACKEND = "notifications.channels.sms.FileSmsBackend"
    settings.UNIONROLL_SMS_FILE_PATH = tmp_path / "outbox" / "sms"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.UNIONROLL_PORTAL_BASE_URL = "https://leden.bond.example"
    settings.UNIONROLL_SIGNIN_LIMIT_PER_CONTACT = 3
    settings.UNIONROLL_SIGNIN_LIMIT_PER_CLIENT = 10
    settings.UNIONROLL_SIGNIN_LIMIT_WINDOW_SECONDS = 900
    settings.UNIONROLL_UNION_PHONE = "+31 30 123 4567"
    settings.UNIONROLL_UNION_EMAIL = "leden@bond.example"


@pytest.fixture
def family():
    """Mother and son, one phone and one e-mail address between them."""
    mother = MembershipFactory(
        person=PersonFactory(
            first_name="Natalia",
            date_of_birth=dt.date(1973, 1, 29),
            phone=FAMILY_PHONE,
            email="kubiak.family@example.pl",
        )
    )
    son = MembershipFactory(
        person=PersonFactory(
            first_name="Kacper",
            date_of_birth=dt.date(2001, 6, 14),
            phone=FAMILY_PHONE,
            email="kubiak.family@example.pl",
        )
    )
    return mother, son


def _ask(client, contact, *, date_of_birth="", ip="192.0.2.10", capture=None):
    data = link_form(contact, date_of_birth)
    if capture is None:
        return client.post(SIGN_IN, data, REMOTE_ADDR=ip)
    with capture(execute=True):
        return client.post(SIGN_IN, data, REMOTE_ADDR=ip)


def _page(response) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", response.content)


def test_a_shared_phone_alone_opens_neither_membership(
    client, family, sms_outbox, django_capture_on_commit_callbacks
):
    response = _ask(client, "06 1234 5678", capture=django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:link_sent")
    assert sms_outbox() == []
    assert not SignInLink.objects.exists()
    assert signin.signin_membership_for_contact(contact=signin.contact_parse(FAMILY_PHONE)) is None


def test_a_shared_email_address_alone_opens_neither_membership(
    client, family, django_capture_on_commit_callbacks
):
    _ask(client, "kubiak.family@example.pl", capture=django_capture_on_commit_callbacks)

    assert mail.outbox == []
    assert not SignInLink.objects.exists()


@pytest.mark.parametrize(
    ("mother_date", "son_date"),
    [("1973-01-29", "2001-06-14")],
)
def test_with_the_date_of_birth_the_shared_phone_opens_the_right_membership(
    client, family, sms_outbox, django_capture_on_commit_callbacks, mother_date, son_date
):
    mother, son = family

    for typed_date in (son_date, mother_date):
        _ask(
            client,
            "06 1234 5678",
            date_of_birth=typed_date,
            capture=django_capture_on_commit_callbacks,
        )

    assert [sms["to"] for sms in sms_outbox()] == [FAMILY_PHONE, FAMILY_PHONE]
    links = SignInLink.objects.order_by("pk")
    assert [link.membership_id for link in links] == [son.pk, mother.pk]
    link_use(client, link_in(sms_outbox()[0]["text"]))
    assert client.session.get(SESSION_KEY) == son.pk
    assert client.get(reverse("portal:membership")).status_code == 200


def test_with_the_other_date_of_birth_the_other_membership_opens(
    client, family, django_capture_on_commit_callbacks
):
    mother, _son = family

    _ask(
        client,
        "kubiak.family@example.pl",
        date_of_birth="1973-01-29",
        capture=django_capture_on_commit_callbacks,
    )

    [message] = mail.outbox
    assert "Natalia" in message.body
    link_use(client, link_in(message.body))
    assert client.session.get(SESSION_KEY) == mother.pk


def test_a_date_of_birth_of_neither_opens_nothing(
    client, family, sms_outbox, django_capture_on_commit_callbacks
):
    _ask(
        client, "0612345678", date_of_birth="1990-05-17", capture=django_capture_on_commit_callbacks
    )

    assert sms_outbox() == []
    assert not SignInLink.objects.exists()


def test_twins_with_one_phone_and_one_birthday_get_no_link(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    for name in ("Ana", "Ioana"):
        MembershipFactory(
            person=PersonFactory(
                first_name=name, date_of_birth=dt.date(1999, 3, 3), phone=FAMILY_PHONE
            )
        )

    _ask(
        client, "0612345678", date_of_birth="1999-03-03", capture=django_capture_on_commit_callbacks
    )

    assert sms_outbox() == []


def test_a_member_alone_on_a_phone_still_needs_no_date_of_birth(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    only = MembershipFactory(person=PersonFactory(phone=FAMILY_PHONE))

    _ask(client, "0612345678", capture=django_capture_on_commit_callbacks)

    assert SignInLink.objects.get().membership_id == only.pk


def test_a_wrong_date_of_birth_gets_no_link_even_for_a_member_alone_on_a_phone(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    MembershipFactory(person=PersonFactory(phone=FAMILY_PHONE, date_of_birth=dt.date(1990, 5, 17)))

    _ask(
        client, "0612345678", date_of_birth="1991-05-17", capture=django_capture_on_commit_callbacks
    )

    assert sms_outbox() == []


def test_a_person_on_the_phone_without_a_membership_does_not_make_it_shared(
    client, django_capture_on_commit_callbacks
):
    # A child under the minimum age: a person on the roster, never a member.
    PersonFactory(phone=FAMILY_PHONE)
    member = MembershipFactory(person=PersonFactory(phone=FAMILY_PHONE))

    _ask(client, "0612345678", capture=django_capture_on_commit_callbacks)

    assert SignInLink.objects.get().membership_id == member.pk


def test_shared_known_and_unknown_numbers_get_the_same_answer_and_page(client, family):
    shared = _ask(client, "0612345678")
    shared_with_date = _ask(client, "0612345678", date_of_birth="2001-06-14")
    unknown = _ask(client, "0687654321")

    assert shared.status_code == shared_with_date.status_code == unknown.status_code == 302
    assert shared["Location"] == shared_with_date["Location"] == unknown["Location"]
    pages = {_page(client.get(r["Location"])) for r in (shared, shared_with_date, unknown)}
    assert len(pages) == 1


def test_the_answer_tells_how_to_sign_in_on_a_shared_phone_and_how_to_reach_the_union(client):
    page = client.get(reverse("portal:link_sent")).content.decode()

    assert "only send a link when you also give your date of birth" in page
    assert "+31 30 123 4567" in page
    assert "leden@bond.example" in page


def test_the_link_form_asks_for_the_date_of_birth_of_whoever_shares_a_phone(client):
    page = client.get(SIGN_IN).content.decode()

    assert 'name="date_of_birth_day"' in page
    assert "Your date of birth, if you share this phone or e-mail" in page


def test_a_date_that_is_no_date_is_refused_with_a_plain_message(client, family):
    data = {**link_form("0612345678"), "date_of_birth_day": "31", "date_of_birth_month": "2"}
    response = client.post(SIGN_IN, {**data, "date_of_birth_year": "2001"})

    assert response.status_code == 400
    assert b"Enter a real date of birth, for example 17 5 1990." in response.content
    assert not SignInLink.objects.exists()


def test_dates_of_birth_tried_on_a_shared_phone_count_against_its_limit(client, family, sms_outbox):
    statuses = [
        _ask(
            client, "0612345678", date_of_birth=f"2001-06-{day:02d}", ip=f"192.0.2.{day}"
        ).status_code
        for day in (11, 12, 13, 14)
    ]

    # The fourth try has the right date, and is still refused: the limit does not tell.
    assert statuses == [302, 302, 302, 429]
    assert not SignInLink.objects.exists()


def test_the_form_in_another_language_asks_for_the_date_in_that_language(client):
    page = client.get(SIGN_IN, HTTP_ACCEPT_LANGUAGE="pl").content.decode()

    assert "Twoja data urodzenia, jeśli dzielisz ten telefon lub e-mail z kimś innym" in page
