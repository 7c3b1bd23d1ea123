"""A phone number or e-mail address that a member replaces in the portal is told so, in the
member's language: if someone else changed it (a phone left signed in), the member hears of it
where they can still be reached. A new number or address takes effect (and the old one is told)
only once the code sent to it has been typed (tests/portal/test_contact_change.py)."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from enrolment.models import ContactChange
from notifications.models import Notice
from portal.session import SESSION_KEY
from tests.enrolment.factories import MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db

CODE = re.compile(r"(?<![\d+])(\d{6})(?!\d)")


@pytest.fixture
def member():
    person = PersonFactory(
        first_name="Ioana", language="ro", phone="+40721234567", email="ioana@example.com"
    )
    return MembershipFactory(person=person)


def _sent(sms_outbox) -> list[tuple[str, str]]:
    """(recipient, text) of every SMS and e-mail sent, oldest first."""
    return [(s["to"], s["text"]) for s in sms_outbox()] + [(m.to[0], m.body) for m in mail.outbox]


def _save_details(client, member, captured, sms_outbox, **changes):
    """Save My details and type the code sent to each new phone number or address."""
    session = client.session
    session[SESSION_KEY] = member.pk
    session.save()
    person = member.person
    person.refresh_from_db()
    data = {"language": person.language, "phone": person.phone or "", "email": person.email or ""}
    data.update(changes)
    with captured(execute=True):
        response = client.post("/my/details/", data)
    for change in ContactChange.objects.filter(person=person, confirmed_at__isnull=True):
        [*_, text] = [text for to, text in _sent(sms_outbox) if to == change.new_value]
        with captured(execute=True):
            client.post(
                "/my/details/confirm/",
                {
                    f"{change.field}-code": CODE.search(text).group(1),
                    f"{change.field}-action": "confirm",
                },
            )
    return response


def _notices_sent(sms_outbox, *, new: tuple[str, ...]) -> list[tuple[str, str]]:
    """What was sent other than the codes to the new contacts."""
    return [(to, text) for to, text in _sent(sms_outbox) if to not in new]


def test_the_replaced_phone_number_is_told_by_sms_in_the_members_language(
    client, member, daytime, sms_outbox, django_capture_on_commit_callbacks
):
    response = _save_details(
        client, member, django_capture_on_commit_callbacks, sms_outbox, phone="+40722000111"
    )

    assert response.status_code == 302
    [(to, text)] = _notices_sent(sms_outbox, new=("+40722000111",))
    assert to == "+40721234567"
    assert "numărul tău de telefon la sindicat a fost schimbat" in text
    notice = Notice.objects.get(kind="contact_changed")
    assert (notice.status, notice.channel) == ("sent", "sms")
    assert mail.outbox == []


def test_the_replaced_email_address_is_told_by_email_and_the_new_one_is_not(
    client, member, daytime, sms_outbox, django_capture_on_commit_callbacks
):
    _save_details(
        client, member, django_capture_on_commit_callbacks, sms_outbox, email="ioana.p@example.org"
    )

    [code_message, message] = mail.outbox
    assert code_message.to == ["ioana.p@example.org"]
    assert code_message.subject.startswith("Codul tău pentru ")
    assert message.to == ["ioana@example.com"]
    assert message.subject == "Adresa ta de e-mail la sindicat a fost schimbată"
    assert "Nu ai făcut tu asta?" in message.body
    assert sms_outbox() == []


def test_nothing_is_sent_when_nothing_was_replaced(
    client, daytime, sms_outbox, django_capture_on_commit_callbacks
):
    member = MembershipFactory(person=PersonFactory(phone=None, email=None, language="pl"))

    _save_details(
        client, member, django_capture_on_commit_callbacks, sms_outbox, phone="+48600100200"
    )
    _save_details(client, member, django_capture_on_commit_callbacks, sms_outbox, language="ro")

    assert not Notice.objects.filter(kind="contact_changed").exists()
    assert _notices_sent(sms_outbox, new=("+48600100200",)) == []


def test_changing_the_number_twice_tells_each_replaced_number_once(
    client, member, daytime, sms_outbox, django_capture_on_commit_callbacks
):
    _save_details(
        client, member, django_capture_on_commit_callbacks, sms_outbox, phone="+40722000111"
    )
    _save_details(
        client, member, django_capture_on_commit_callbacks, sms_outbox, phone="+40722000222"
    )

    told = [to for to, text in _sent(sms_outbox) if not CODE.search(text)]
    assert sorted(told) == ["+40721234567", "+40722000111"]
