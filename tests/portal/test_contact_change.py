"""A new phone number or e-mail address in My details takes effect only once the member types
the one-time code sent to it. Until then nothing changes: not the member's details, not who a
sign-in link for either number goes to.

Claiming another member's number, once proven with the code, makes the number shared (a family
phone): neither member is locked out or handed the other's membership; a sign-in link for it
then needs the date of birth (enrolment.credentials.signin_membership_for_contact).
"""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from enrolment import credentials as signin
from enrolment.events import ContactChangeCodeRequested
from enrolment.models import ContactChange, Person, SignInLink
from notifications.channels.sms import TemporarySmsError
from notifications.models import DeliveryAttempt, Notice
from notifications.services.contact_codes import contact_code_send
from portal.session import SESSION_KEY
from portal.views_pages import contact_masked
from tests.employers.factories import UnionAdminFactory, UserFactory
from tests.enrolment.factories import MembershipFactory, PersonFactory
from tests.portal.factories import link_form

pytestmark = pytest.mark.django_db

DETAILS = "/my/details/"
CONFIRM = "/my/details/confirm/"
SIGN_IN = "/my/sign-in/"
# Friday 20 November 2026, 11:05 in Amsterdam: outside the notices' quiet hours, 5 minutes into
# a rate-limit window.
DAYTIME = dt.datetime(2026, 11, 20, 10, 5, tzinfo=dt.UTC)
OLD_PHONE = "+40721234567"
NEW_PHONE = "+40722000111"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(DAYTIME, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _outbox_and_limits(settings, tmp_path):
    settings.UNIONROLL_SMS_BACKEND = "notifications.channels.sms.FileSmsBackend"
    settings.UNIONROLL_SMS_FILE_PATH = tmp_path / "outbox" / "sms"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.UNIONROLL_UNION_NAME = "FNV Flex"
    settings.UNIONROLL_PORTAL_BASE_URL = "https://leden.bond.example"
    settings.UNIONROLL_SIGNIN_LIMIT_PER_CONTACT = 3
    settings.UNIONROLL_SIGNIN_LIMIT_PER_CLIENT = 10
    settings.UNIONROLL_SIGNIN_LIMIT_WINDOW_SECONDS = 900


@pytest.fixture
def member():
    person = PersonFactory(
        first_name="Ioana",
        language="ro",
        phone=OLD_PHONE,
        email="ioana@example.com",
        date_of_birth=dt.date(1994, 2, 11),
    )
    return MembershipFactory(person=person)


@pytest.fixture
def other_member():
    person = PersonFactory(
        first_name="Marek",
        language="pl",
        phone=NEW_PHONE,
        email="marek@example.pl",
        date_of_birth=dt.date(1980, 7, 3),
    )
    return MembershipFactory(person=person)


@pytest.fixture
def act(client, django_capture_on_commit_callbacks):
    """POST as the signed-in member (or anyone), running what waits for the commit (the code
    and the notices are sent then)."""

    def post(path, data, *, ip="192.0.2.10"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data, REMOTE_ADDR=ip)

    return post


def sign_in(client, membership) -> None:
    session = client.session
    session[SESSION_KEY] = membership.pk
    session.save()


def details(person: Person, **changes) -> dict:
    person.refresh_from_db()
    data = {"language": person.language, "phone": person.phone or "", "email": person.email or ""}
    data.update(changes)
    return data


def code_in(text: str) -> str:
    match = re.search(r"(?<![\d+])(\d{6})(?!\d)", text)
    assert match, text
    return match.group(1)


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def confirm(act, field: str, code: str, **kwargs):
    return act(CONFIRM, {f"{field}-code": code, f"{field}-action": "confirm"}, **kwargs)


def fresh(person: Person) -> Person:
    return Person.objects.get(pk=person.pk)


def contact_notices() -> list[dict]:
    return [n.data for n in Notice.objects.filter(kind="contact_changed").order_by("pk")]


# --- The code, then the change ------------------------------------------------------------------


def test_a_new_phone_number_takes_effect_only_after_the_right_code(client, act, member, sms_outbox):
    sign_in(client, member)

    response = act(DETAILS, details(member.person, phone="+40 722 000 111"))

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:details_confirm")
    person = fresh(member.person)
    assert (person.phone, person.phone_set_by_member) == (OLD_PHONE, False)
    [sms] = sms_outbox()
    assert sms["to"] == NEW_PHONE

    response = confirm(act, "phone", code_in(sms["text"]))

    person = fresh(member.person)
    assert (person.phone, person.phone_set_by_member) == (NEW_PHONE, True)
    assert person.email_set_by_member is False
    assert ContactChange.objects.get().confirmed_at is not None
    assert "Noul tău număr de telefon este salvat." in page_text(
        client.get(response["Location"], follow=True)
    )


def test_a_new_email_address_takes_effect_only_after_the_code_sent_to_it(
    client, act, member, sms_outbox
):
    sign_in(client, member)

    act(DETAILS, details(member.person, email="Ioana.P@Example.org"))

    assert fresh(member.person).email == "ioana@example.com"
    [message] = mail.outbox
    assert message.to == ["ioana.p@example.org"]
    assert sms_outbox() == []

    confirm(act, "email", code_in(message.body))

    person = fresh(member.person)
    assert (person.email, person.email_set_by_member) == ("ioana.p@example.org", True)


def test_the_confirmation_page_says_where_the_code_went_and_that_the_old_number_stays(
    client, act, member
):
    sign_in(client, member)
    act(DETAILS, details(member.person, phone=NEW_PHONE, language="en"))

    text = page_text(client.get(CONFIRM))

    assert "We sent a code by SMS to +40 7•• ••• •11." in text
    assert "Until then, we keep using your old phone number." in text
    assert "Send a new code" in text and "Cancel the change" in text
    assert NEW_PHONE not in client.get(CONFIRM).content.decode()
    assert "We are waiting for the code we sent to +40 7•• ••• •11." in page_text(
        client.get(DETAILS)
    )


def test_the_language_changes_at_once_while_the_phone_waits_for_its_code(client, act, member):
    sign_in(client, member)

    act(DETAILS, details(member.person, phone=NEW_PHONE, language="bg"))

    person = fresh(member.person)
    assert (person.language, person.language_set_by_member) == ("bg", True)
    assert person.phone == OLD_PHONE
    assert '<html lang="bg"' in client.get(CONFIRM).content.decode()


def test_a_wrong_code_says_so_plainly_and_changes_nothing(client, act, member, sms_outbox):
    sign_in(client, member)
    act(DETAILS, details(member.person, phone=NEW_PHONE, language="en"))
    right = code_in(sms_outbox()[0]["text"])
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = confirm(act, "phone", wrong)

    assert response.status_code == 200
    assert "This code is not right. Check the message and type it again." in page_text(response)
    assert 'aria-invalid="true"' in response.content.decode()
    assert fresh(member.person).phone == OLD_PHONE
    assert ContactChange.objects.get().attempts == 1


def test_a_code_that_is_not_six_digits_is_explained_and_not_counted(client, act, member):
    sign_in(client, member)
    act(DETAILS, details(member.person, phone=NEW_PHONE, language="en"))

    response = confirm(act, "phone", "12a45")

    assert "The code has 6 digits, for example 123456." in page_text(response)
    assert ContactChange.objects.get().attempts == 0


def test_the_code_may_be_typed_with_a_space(client, act, member, sms_outbox):
    sign_in(client, member)
    act(DETAILS, details(member.person, phone=NEW_PHONE))
    code = code_in(sms_outbox()[0]["text"])

    confirm(act, "phone", f"{code[:3]} {code[3:]}")

    assert fresh(member.person).phone == NEW_PHONE


def test_after_15_minutes_the_code_no_longer_works(client, act, member, sms_outbox, _clock):
    sign_in(client, member)
    act(DETAILS, details(member.person, phone=NEW_PHONE, language="en"))
    code = code_in(sms_outbox()[0]["text"])

    _clock.shift(dt.timedelta(minutes=15, seconds=1))
    response = confirm(act, "phone", code)

    assert fresh(member.person).phone == OLD_PHONE
    assert "This code no longer works" in page_text(response)
    assert "Nothing has changed." in page_text(response)


def test_after_5_wrong_codes_even_the_right_one_no_longer_works(client, act, member, sms_outbox):
    sign_in(client, member)
    act(DETAILS, details(member.person, phone=NEW_PHONE, language="en"))
    right = code_in(sms_outbox()[0]["text"])
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    for _try in range(4):
        assert "This code is not right." in page_text(confirm(act, "phone", wrong))
    fifth = confirm(act, "phone", wrong)
    after = confirm(act, "phone", right)

    assert "This code no longer works" in page_text(fifth)
    assert "This code no longer works" in page_text(after)
    assert fresh(member.person).phone == OLD_PHONE
    assert ContactChange.objects.get().attempts == 5


def test_a_new_code_replaces_the_earlier_one(client, act, member, sms_outbox):
    sign_in(client, member)
    act(DETAILS, details(member.person, phone=NEW_PHONE))
    first = code_in(sms_outbox()[0]["text"])

    act(CONFIRM, {"phone-action": "resend"})
    [_, again] = sms_outbox()
    second = code_in(again["text"])
    if first != second:
        # The earlier code is void at once (a one-in-a-million draw repeats it).
        confirm(act, "phone", first)
        assert fresh(member.person).phone == OLD_PHONE
    confirm(act, "phone", second)

    assert again["to"] == NEW_PHONE
    assert fresh(member.person).phone == NEW_PHONE
    assert ContactChange.objects.count() == 1


def test_a_second_request_for_another_number_replaces_the_first(client, act, member, sms_outbox):
    sign_in(client, member)
    act(DETAILS, details(member.person, phone=NEW_PHONE))
    first = code_in(sms_outbox()[0]["text"])

    act(DETAILS, details(member.person, phone="+40722000999"))
    second = code_in(sms_outbox()[1]["text"])
    if first != second:
        confirm(act, "phone", first)
        assert fresh(member.person).phone == OLD_PHONE
    confirm(act, "phone", second)

    assert fresh(member.person).phone == "+40722000999"
    assert ContactChange.objects.filter(confirmed_at__isnull=True).count() == 0
    assert ContactChange.objects.count() == 1


def test_saving_the_same_new_number_again_sends_no_second_code(client, act, member, sms_outbox):
    sign_in(client, member)
    act(DETAILS, details(member.person, phone=NEW_PHONE))
    code = code_in(sms_outbox()[0]["text"])

    response = act(DETAILS, details(member.person, phone=NEW_PHONE))
    confirm(act, "phone", code)

    assert response["Location"] == CONFIRM
    assert [sms["to"] for sms in sms_outbox()] == [NEW_PHONE, OLD_PHONE]
    assert fresh(member.person).phone == NEW_PHONE


def test_cancelling_the_change_keeps_the_details_as_they_were(client, act, member, sms_outbox):
    sign_in(client, member)
    act(DETAILS, details(member.person, phone=NEW_PHONE))
    code = code_in(sms_outbox()[0]["text"])

    response = act(CONFIRM, {"phone-action": "cancel"})
    confirm(act, "phone", code)

    assert response["Location"] == DETAILS
    assert fresh(member.person).phone == OLD_PHONE
    assert not ContactChange.objects.exists()
    assert client.get(CONFIRM)["Location"] == DETAILS


def test_a_new_phone_and_a_new_address_wait_side_by_side(client, act, member, sms_outbox):
    sign_in(client, member)
    act(DETAILS, details(member.person, phone=NEW_PHONE, email="ioana.p@example.org"))

    confirm(act, "email", code_in(mail.outbox[0].body))
    page = client.get(CONFIRM)

    assert page.status_code == 200
    assert 'name="phone-code"' in page.content.decode()
    assert 'name="email-code"' not in page.content.decode()
    person = fresh(member.person)
    assert (person.phone, person.email) == (OLD_PHONE, "ioana.p@example.org")


# --- Removing, and the notice to the replaced contact -------------------------------------------


def test_removing_a_phone_number_needs_no_code_and_the_removed_number_is_told(
    client, act, member, sms_outbox
):
    sign_in(client, member)

    act(DETAILS, details(member.person, phone=""))

    person = fresh(member.person)
    assert (person.phone, person.phone_set_by_member) == (None, True)
    assert not ContactChange.objects.exists()
    assert contact_notices() == [{"field": "phone", "to_phone": OLD_PHONE}]
    assert [sms["to"] for sms in sms_outbox()] == [OLD_PHONE]


def test_the_old_number_hears_of_the_change_only_once_it_is_confirmed(
    client, act, member, sms_outbox
):
    sign_in(client, member)
    act(DETAILS, details(member.person, phone=NEW_PHONE))

    assert contact_notices() == []
    assert [sms["to"] for sms in sms_outbox()] == [NEW_PHONE]

    confirm(act, "phone", code_in(sms_outbox()[0]["text"]))

    assert contact_notices() == [{"field": "phone", "to_phone": OLD_PHONE}]
    assert [sms["to"] for sms in sms_outbox()] == [NEW_PHONE, OLD_PHONE]


def test_a_cancelled_change_tells_the_old_number_nothing(client, act, member, sms_outbox):
    sign_in(client, member)
    act(DETAILS, details(member.person, phone=NEW_PHONE))
    act(CONFIRM, {"phone-action": "cancel"})

    assert contact_notices() == []
    assert [sms["to"] for sms in sms_outbox()] == [NEW_PHONE]


# --- The message with the code ------------------------------------------------------------------


def test_the_code_goes_to_the_new_number_in_the_members_language_and_says_nothing_else(
    client, act, member, sms_outbox
):
    sign_in(client, member)

    act(DETAILS, details(member.person, phone=NEW_PHONE))

    [sms] = sms_outbox()
    code = code_in(sms["text"])
    assert sms["to"] == NEW_PHONE
    assert sms["text"] == (
        f"Codul tău pentru FNV Flex: {code}. Este valabil 15 minute. Nu l-ai cerut tu? "
        "Atunci ignoră acest mesaj."
    )


def test_the_email_with_the_code_names_no_one(client, act, member):
    sign_in(client, member)

    act(DETAILS, details(member.person, email="ioana.p@example.org", language="en"))

    [message] = mail.outbox
    code = code_in(message.body)
    assert message.subject == "Your code for FNV Flex"
    assert message.body == (
        f"Your code for FNV Flex: {code}. It works for 15 minutes.\n\n"
        "Did you not ask for it? Then ignore this e-mail.\n\nFNV Flex\n"
    )
    for personal in ("Ioana", "ioana@example.com", OLD_PHONE, member.person.last_name):
        assert personal not in message.body


@pytest.mark.parametrize("language", ["nl", "en", "pl", "ro", "uk", "bg"])
def test_the_code_message_is_written_in_each_language(client, act, member, sms_outbox, language):
    sign_in(client, member)

    act(DETAILS, details(member.person, phone=NEW_PHONE, language=language))

    [sms] = sms_outbox()
    assert "FNV Flex" in sms["text"] and code_in(sms["text"])
    if language != "en":
        assert "Your code" not in sms["text"]


# --- Someone else's number ----------------------------------------------------------------------


def _link_for(act, contact: str, *, born: str = "") -> SignInLink | None:
    before = set(SignInLink.objects.values_list("pk", flat=True))
    act(SIGN_IN, link_form(contact, born), ip="198.51.100.7")
    return SignInLink.objects.exclude(pk__in=before).first()


def test_claiming_another_members_number_changes_nothing_without_the_code(
    client, act, member, other_member, sms_outbox
):
    sign_in(client, member)
    act(DETAILS, details(member.person, phone=NEW_PHONE))
    client.logout()

    # The number still signs in its own member only; the claimer's old number still signs in
    # the claimer.
    assert _link_for(act, NEW_PHONE).membership_id == other_member.pk
    assert _link_for(act, OLD_PHONE).membership_id == member.pk
    assert fresh(member.person).phone == OLD_PHONE
    assert fresh(other_member.person).phone == NEW_PHONE


def test_a_proven_shared_number_needs_the_date_of_birth_and_opens_each_members_own(
    client, act, member, other_member, sms_outbox
):
    # Whoever typed the code reads that phone's messages: a family phone. The number becomes
    # shared; nobody loses it, and a link for it then needs the date of birth.
    sign_in(client, member)
    act(DETAILS, details(member.person, phone=NEW_PHONE))
    confirm(act, "phone", code_in(sms_outbox()[0]["text"]))
    client.logout()

    assert fresh(other_member.person).phone == NEW_PHONE
    assert fresh(member.person).phone == NEW_PHONE
    assert _link_for(act, NEW_PHONE) is None
    assert _link_for(act, NEW_PHONE, born="1980-07-03").membership_id == other_member.pk
    assert _link_for(act, NEW_PHONE, born="1994-02-11").membership_id == member.pk
    contact = signin.contact_parse(NEW_PHONE)
    assert signin.signin_membership_for_contact(contact=contact) is None


# --- Who may confirm ----------------------------------------------------------------------------


def test_another_members_session_cannot_confirm_this_members_change(
    client, act, member, other_member, sms_outbox
):
    sign_in(client, member)
    act(DETAILS, details(member.person, phone="+40722000999"))
    code = code_in(sms_outbox()[0]["text"])

    sign_in(client, other_member)
    response = confirm(act, "phone", code)

    assert response["Location"] == DETAILS
    assert fresh(member.person).phone == OLD_PHONE
    assert fresh(other_member.person).phone == NEW_PHONE
    assert ContactChange.objects.get().confirmed_at is None
    act(CONFIRM, {"phone-action": "cancel"})
    assert ContactChange.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_anonymous_visitor_is_sent_to_sign_in(client, act, member, sms_outbox, method):
    sign_in(client, member)
    act(DETAILS, details(member.person, phone=NEW_PHONE))
    code = code_in(sms_outbox()[0]["text"])
    client.logout()

    response = getattr(client, method)(CONFIRM, {"phone-code": code, "phone-action": "confirm"})

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:sign_in")
    assert fresh(member.person).phone == OLD_PHONE


def test_an_agency_staff_login_cannot_confirm(client, act, member, sms_outbox):
    sign_in(client, member)
    act(DETAILS, details(member.person, phone=NEW_PHONE))
    code = code_in(sms_outbox()[0]["text"])
    client.logout()
    client.force_login(UserFactory())

    response = client.post(CONFIRM, {"phone-code": code, "phone-action": "confirm"})

    assert response["Location"] == reverse("portal:sign_in")
    assert fresh(member.person).phone == OLD_PHONE


# --- Rate limits and logs -----------------------------------------------------------------------


def test_codes_per_person_are_limited_and_over_it_nothing_changes(client, act, member, sms_outbox):
    sign_in(client, member)
    for n in range(5):
        assert act(DETAILS, details(member.person, phone=f"+4072200010{n}")).status_code == 302

    response = act(DETAILS, details(member.person, phone="+40722000109", language="en"))

    assert response.status_code == 429
    # Still in Romanian: the language did not change either.
    assert "Prea multe încercări." in page_text(response)
    assert len(sms_outbox()) == 5
    assert fresh(member.person).language == "ro"
    assert ContactChange.objects.get().new_value == "+40722000104"


def test_send_a_new_code_counts_against_the_limit_too(client, act, member, sms_outbox):
    sign_in(client, member)
    act(DETAILS, details(member.person, phone=NEW_PHONE))
    statuses = [act(CONFIRM, {"phone-action": "resend"}).status_code for _ in range(3)]

    # Three codes to one new number in the window (UNIONROLL_SIGNIN_LIMIT_PER_CONTACT).
    assert statuses == [302, 302, 429]
    assert len(sms_outbox()) == 3


def test_codes_per_client_address_are_limited(client, act, settings, sms_outbox):
    settings.UNIONROLL_SIGNIN_LIMIT_PER_CLIENT = 2
    members = [MembershipFactory(person=PersonFactory(language="en")) for _ in range(3)]

    statuses = []
    for n, membership in enumerate(members):
        sign_in(client, membership)
        statuses.append(
            act(DETAILS, details(membership.person, phone=f"+4072200020{n}")).status_code
        )

    assert statuses == [302, 302, 429]
    assert len(sms_outbox()) == 2


def test_neither_the_code_nor_a_number_or_address_reaches_the_logs(
    client, act, member, caplog, sms_outbox
):
    caplog.set_level(logging.DEBUG)
    sign_in(client, member)

    act(DETAILS, details(member.person, phone=NEW_PHONE, email="ioana.p@example.org"))
    code = code_in(sms_outbox()[0]["text"])
    confirm(act, "phone", "000000" if code != "000000" else "111111")
    confirm(act, "phone", code)
    confirm(act, "email", code_in(mail.outbox[0].body))

    assert "contact change" in caplog.text
    for secret in (code, NEW_PHONE[1:], OLD_PHONE[1:], "ioana.p", "ioana@"):
        assert secret not in caplog.text


def test_the_new_number_is_shown_masked():
    assert contact_masked("phone", "+48600100267") == "+48 6•• ••• •67"
    assert contact_masked("phone", "+31612345678") == "+31 6•• ••• •78"
    assert contact_masked("email", "lukasz@example.com") == "l•••@example.com"


def test_a_redelivered_send_task_sends_no_second_code(client, act, member, sms_outbox):
    sign_in(client, member)
    act(DETAILS, details(member.person, phone=NEW_PHONE))
    change = ContactChange.objects.get()
    code = code_in(sms_outbox()[0]["text"])

    again = contact_code_send(change_id=change.pk, code=code)
    stale = contact_code_send(change_id=change.pk, code="000000" if code != "000000" else "1")

    assert (again, stale) == ("skipped", "skipped")
    assert len(sms_outbox()) == 1


def test_a_failed_send_is_recorded_and_left_to_send_a_new_code(
    client, act, member, sms_outbox, settings
):
    settings.UNIONROLL_SMS_BACKEND = "tests.portal.test_contact_change.FailingSms"
    sign_in(client, member)

    act(DETAILS, details(member.person, phone=NEW_PHONE))

    change = ContactChange.objects.get()
    [attempt] = DeliveryAttempt.objects.filter(item="contact_code", item_id=change.pk)
    assert (attempt.result, attempt.code, attempt.retry_at) == ("temporary", "sms_down", None)
    assert sms_outbox() == []
    assert "Trimite un cod nou" in page_text(client.get(CONFIRM))
    assert fresh(member.person).phone == OLD_PHONE


def test_the_event_never_shows_its_code():
    event = ContactChangeCodeRequested(change_id=7, code="123456")

    assert "123456" not in repr(event) and "123456" not in str(event)


class FailingSms:
    def send(self, to: str, text: str) -> str:
        raise TemporarySmsError("sms_down")


def test_the_admin_shows_a_change_without_the_new_number(client, act, member):
    sign_in(client, member)
    act(DETAILS, details(member.person, phone=NEW_PHONE))
    change = ContactChange.objects.get()
    client.force_login(UnionAdminFactory())

    listing = client.get(reverse("admin:enrolment_contactchange_changelist"))
    page = client.get(reverse("admin:enrolment_contactchange_change", args=[change.pk]))

    assert (listing.status_code, page.status_code) == (200, 200)
    for html in (listing.content.decode(), page.content.decode()):
        assert NEW_PHONE not in html and NEW_PHONE[3:] not in html
        assert change.code_hash not in html
