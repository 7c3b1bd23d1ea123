"""A leave made after signing in with the letter's code alone: a receipt on screen, undone by
the member within 14 days, and visible as such to union staff."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import TestCase
from django.urls import reverse

from enrolment import credentials as signin
from enrolment.models import Membership, MembershipEvent
from enrolment.services.memberships import membership_opt_out
from notifications.models import Notice
from tests.employers.factories import UserFactory
from tests.enrolment.factories import MembershipFactory, PersonFactory
from tests.portal.factories import date_of_birth_boxes, link_use

pytestmark = pytest.mark.django_db

DAYTIME = dt.datetime(2026, 11, 20, 10, 5, tzinfo=dt.UTC)
BORN = dt.date(1990, 5, 17)
RECEIPT = re.compile(r"L-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}")


@pytest.fixture(autouse=True)
def _daytime(settings, tmp_path):
    settings.UNIONROLL_SMS_BACKEND = "notifications.channels.sms.FileSmsBackend"
    settings.UNIONROLL_SMS_FILE_PATH = tmp_path / "sms"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(DAYTIME, tick=True):
        yield


def _letter_member(**person) -> Membership:
    person = {"phone": None, "email": None, "date_of_birth": BORN, "language": "en", **person}
    return MembershipFactory(person=PersonFactory(**person))


def _sign_in_by_code(client, membership: Membership) -> None:
    code = signin.access_code_issue(membership_id=membership.pk)
    response = client.post(
        "/my/sign-in/", {"form": "code", "code": code, **date_of_birth_boxes(BORN)}
    )
    assert response.status_code == 302


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def _leave(client):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("portal:leave"), follow=True)


def test_a_leave_after_signing_in_by_code_is_confirmed_with_a_receipt_and_an_undo(client):
    membership = _letter_member()
    _sign_in_by_code(client, membership)

    page = _leave(client)

    assert page.redirect_chain[-1][0] == reverse("portal:left")
    text = _text(page)
    receipt = RECEIPT.search(text).group(0)
    event = MembershipEvent.objects.filter(membership=membership).latest("id")
    assert event.data["receipt"] == receipt
    assert event.data["signed_in_by"] == "code"
    assert "You can undo this leave until 4 December 2026." in text
    assert "We will not tell your employer." in text


def test_the_member_undoes_the_leave_within_14_days_and_is_a_member_as_before(client):
    membership = _letter_member()
    _sign_in_by_code(client, membership)
    _leave(client)
    membership.refresh_from_db()
    assert (membership.status, membership.void) == ("opted_out", True)
    confirmation = Notice.objects.get(membership=membership, kind=Notice.Kind.OPT_OUT)
    client.post(reverse("portal:sign_out"))

    with time_machine.travel(DAYTIME + dt.timedelta(days=13), tick=False):
        _sign_in_by_code(client, membership)
        home = _text(client.get(reverse("portal:membership")))
        receipt = RECEIPT.search(home).group(0)
        with TestCase.captureOnCommitCallbacks(execute=True):
            done = client.post(reverse("portal:leave_undo"), {"receipt": receipt}, follow=True)

    membership.refresh_from_db()
    assert (membership.status, membership.void, membership.ended_on) == ("enrolled", False, None)
    assert membership.spell == 1 and membership.window_ends == dt.date(2026, 12, 10)
    assert "Your leave is undone." in _text(done)
    undone = MembershipEvent.objects.filter(membership=membership).latest("id")
    assert (undone.reason, undone.actor, undone.data["receipt"]) == (
        "opt_out_undone",
        MembershipEvent.Actor.MEMBER,
        receipt,
    )
    # The confirmation letter of the leave, not handed over yet, is not sent any more.
    confirmation.refresh_from_db()
    assert confirmation.status == Notice.Status.CANCELLED


def test_after_14_days_the_leave_can_no_longer_be_undone(client):
    membership = _letter_member()
    _sign_in_by_code(client, membership)
    receipt = RECEIPT.search(_text(_leave(client))).group(0)
    client.post(reverse("portal:sign_out"))

    with time_machine.travel(DAYTIME + dt.timedelta(days=15), tick=False):
        _sign_in_by_code(client, membership)
        home = _text(client.get(reverse("portal:membership")))
        refused = client.post(reverse("portal:leave_undo"), {"receipt": receipt}, follow=True)

    assert receipt in home and "Undo my leave" not in home
    assert "This leave can no longer be undone." in _text(refused)
    membership.refresh_from_db()
    assert membership.status == "opted_out"


def test_a_leave_after_signing_in_by_link_has_a_receipt_but_no_undo(client):
    membership = MembershipFactory(person=PersonFactory(phone="+31612345678", language="en"))
    link_use(client, signin.signin_link_create(membership_id=membership.pk, channel="sms"))

    text = _text(_leave(client))
    receipt = RECEIPT.search(text).group(0)
    refused = client.post(reverse("portal:leave_undo"), {"receipt": receipt})

    assert "Undo my leave" not in text
    assert refused["Location"] == reverse("portal:membership")
    membership.refresh_from_db()
    assert membership.status == "opted_out"


def test_another_members_receipt_undoes_nothing(client):
    mine = _letter_member()
    other = _letter_member(date_of_birth=dt.date(1985, 1, 2))
    membership_opt_out(membership=other, actor="member", reason="portal", signed_in_by="code")
    theirs = MembershipEvent.objects.filter(membership=other).latest("id").data["receipt"]
    _sign_in_by_code(client, mine)
    _leave(client)

    client.post(reverse("portal:leave_undo"), {"receipt": theirs})

    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.status == other.status == "opted_out"


def test_undo_needs_a_signed_in_member(client):
    membership = _letter_member()
    membership_opt_out(membership=membership, actor="member", reason="portal", signed_in_by="code")
    receipt = MembershipEvent.objects.filter(membership=membership).latest("id").data["receipt"]

    response = client.post(reverse("portal:leave_undo"), {"receipt": receipt})

    assert response.status_code == 302 and response["Location"].startswith("/my/sign-in/")
    membership.refresh_from_db()
    assert membership.status == "opted_out"


def test_union_staff_see_which_leaves_were_made_by_letter_code(client):
    by_code = _letter_member()
    by_link = _letter_member(date_of_birth=dt.date(1985, 1, 2))
    membership_opt_out(membership=by_code, actor="member", reason="portal", signed_in_by="code")
    membership_opt_out(membership=by_link, actor="member", reason="portal", signed_in_by="link")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listed = client.get("/admin/enrolment/membership/?left_by=code").content.decode()
    events = client.get("/admin/enrolment/membershipevent/?signed_in_by=code").content.decode()
    page = client.get(f"/admin/enrolment/membership/{by_code.pk}/change/").content.decode()

    assert f"/admin/enrolment/membership/{by_code.pk}/change/" in listed
    assert f"/admin/enrolment/membership/{by_link.pk}/change/" not in listed
    assert "letter code" in events and "letter code" in page


def test_agency_users_cannot_see_how_members_left(client):
    membership = _letter_member()
    membership_opt_out(membership=membership, actor="member", reason="portal", signed_in_by="code")
    client.force_login(UserFactory())

    response = client.get("/admin/enrolment/membership/?left_by=code")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
