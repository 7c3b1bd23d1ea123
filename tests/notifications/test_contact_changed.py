"""A phone number or e-mail address that a member replaces in the portal is told so, in the
member's language: if someone else changed it (a phone left signed in), the member hears of it
where they can still be reached."""

from __future__ import annotations

import pytest
from django.core import mail

from notifications.models import Notice
from portal.session import SESSION_KEY
from tests.enrolment.factories import MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    person = PersonFactory(
        first_name="Ioana", language="ro", phone="+40721234567", email="ioana@example.com"
    )
    return MembershipFactory(person=person)


def _save_details(client, member, captured, **changes):
    session = client.session
    session[SESSION_KEY] = member.pk
    session.save()
    person = member.person
    data = {"language": person.language, "phone": person.phone or "", "email": person.email or ""}
    data.update(changes)
    with captured(execute=True):
        return client.post("/my/details/", data)


def test_the_replaced_phone_number_is_told_by_sms_in_the_members_language(
    client, member, daytime, sms_outbox, django_capture_on_commit_callbacks
):
    response = _save_details(
        client, member, django_capture_on_commit_callbacks, phone="+40722000111"
    )

    assert response.status_code == 302
    [sms] = sms_outbox()
    assert sms["to"] == "+40721234567"
    assert "numărul tău de telefon la sindicat a fost schimbat" in sms["text"]
    notice = Notice.objects.get(kind="contact_changed")
    assert (notice.status, notice.channel) == ("sent", "sms")
    assert mail.outbox == []


def test_the_replaced_email_address_is_told_by_email_and_the_new_one_is_not(
    client, member, daytime, sms_outbox, django_capture_on_commit_callbacks
):
    _save_details(client, member, django_capture_on_commit_callbacks, email="ioana.p@example.org")

    [message] = mail.outbox
    assert message.to == ["ioana@example.com"]
    assert message.subject == "Adresa ta de e-mail la sindicat a fost schimbată"
    assert "Nu ai făcut tu asta?" in message.body
    assert sms_outbox() == []


def test_nothing_is_sent_when_nothing_was_replaced(
    client, daytime, sms_outbox, django_capture_on_commit_callbacks
):
    member = MembershipFactory(person=PersonFactory(phone=None, email=None, language="pl"))

    _save_details(client, member, django_capture_on_commit_callbacks, phone="+48600100200")
    member.person.refresh_from_db()
    _save_details(client, member, django_capture_on_commit_callbacks, language="ro")

    assert not Notice.objects.filter(kind="contact_changed").exists()
    assert sms_outbox() == [] and mail.outbox == []


def test_changing_the_number_twice_tells_each_replaced_number_once(
    client, member, daytime, sms_outbox, django_capture_on_commit_callbacks
):
    _save_details(client, member, django_capture_on_commit_callbacks, phone="+40722000111")
    member.person.refresh_from_db()
    _save_details(client, member, django_capture_on_commit_callbacks, phone="+40722000222")

    assert sorted(sms["to"] for sms in sms_outbox()) == ["+40721234567", "+40722000111"]
