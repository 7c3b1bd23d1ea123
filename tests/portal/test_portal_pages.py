from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine
from django.test import TestCase
from django.urls import reverse

from enrolment.models import Membership, MembershipEvent, Person
from enrolment.services import roster_import_path
from portal.selectors import person_age, person_current_phase
from portal.session import (
    LANGUAGE_SESSION_KEY,
    SESSION_KEY,
    SIGNED_IN_BY_KEY,
    SIGNED_IN_BY_LINK,
)
from tests.employers.factories import OrganisationFactory, SiteFactory, UserFactory
from tests.enrolment.factories import (
    MembershipFactory,
    PayrollLineFactory,
    PersonFactory,
    RosterUploadFactory,
)
from tests.enrolment.rosters import worker, write_roster
from tests.notifications.factories import WorkplaceVisitFactory
from tests.portal.factories import RightsTextFactory

pytestmark = [pytest.mark.django_db]

TODAY = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
PAGES = ["membership", "leave", "rejoin", "details", "rights", "visits"]


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def member(meat):
    person = PersonFactory(first_name="Łukasz", language="en")
    return MembershipFactory(person=person, sector=meat)


@pytest.fixture
def other_member(meat):
    person = PersonFactory(first_name="Ioana", last_name="Popescu", language="ro")
    return MembershipFactory(person=person, sector=meat)


def sign_in(client, membership: Membership, *, by: str = SIGNED_IN_BY_LINK) -> None:
    # What member_sign_in leaves in the session.
    session = client.session
    session[SESSION_KEY] = membership.pk
    session[SIGNED_IN_BY_KEY] = by
    session.save()


def url(name: str) -> str:
    return reverse(f"portal:{name}")


def text_of(response) -> str:
    html = response.content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


# --- Who may see the pages ----------------------------------------------------------------------


def to_sign_in(page: str) -> str:
    """Where a visitor who is not signed in is sent from ``page``: the sign-in page, which
    then leads on to that page (the membership page is where everyone lands anyway)."""
    return url("sign_in") + ("" if page == "membership" else f"?next={page}")


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitor_is_sent_to_sign_in(client, page):
    response = client.get(url(page))

    assert response.status_code == 302
    assert response["Location"] == to_sign_in(page)


@pytest.mark.parametrize("page", PAGES)
def test_agency_staff_login_is_not_a_member_sign_in(client, page, member):
    client.force_login(UserFactory())

    response = client.get(url(page))

    assert response.status_code == 302
    assert response["Location"] == to_sign_in(page)


def test_anonymous_post_to_leave_changes_nothing(client, member):
    response = client.post(url("leave"))

    assert response["Location"] == to_sign_in("leave")
    member.refresh_from_db()
    assert member.status == Membership.Status.ENROLLED
    assert member.events.count() == 1


@pytest.mark.parametrize("page", PAGES)
def test_pages_show_only_the_signed_in_members_data(client, page, member, other_member, meat):
    site = SiteFactory(sector=meat, name="Plant of the other member")
    PayrollLineFactory(person=other_member.person, sector=meat, site=site)
    WorkplaceVisitFactory(site=site, place="Gate 7 of the other member")
    sign_in(client, member)

    response = client.get(url(page), follow=True)

    body = text_of(response)
    assert response.status_code == 200
    assert "Ioana" not in body
    assert "Popescu" not in body
    assert "Gate 7 of the other member" not in body
    assert "Plant of the other member" not in body


def test_every_page_has_one_h1_the_right_language_and_marks_the_current_page(client, member):
    sign_in(client, member)

    for page in ["membership", "details", "rights", "visits", "leave"]:
        response = client.get(url(page))
        html = response.content.decode()
        assert html.count("<h1") == 1, page
        assert html_lang(response) == "en"
        assert "<main" in html and "<nav" in html and "<footer" in html
    response = client.get(url("details"))
    assert f'href="{url("details")}" aria-current="page"' in response.content.decode()


def test_pages_are_not_cached(client, member):
    sign_in(client, member)

    assert client.get(url("membership"))["Cache-Control"] == "no-store"


# --- My membership -------------------------------------------------------------------------------


def test_membership_inside_the_window_says_since_when_and_when_leaving_voids_it(
    client, member, settings
):
    settings.UNIONROLL_UNION_NAME = "Bond voor Uitzendkrachten"
    sign_in(client, member)

    body = text_of(client.get(url("membership")))

    assert "You are a member of Bond voor Uitzendkrachten since 2 November 2026." in body
    assert "You can leave at any time. If you leave on or before 10 December 2026" in body
    assert "You never pay for your membership. Your employer or the government pays for it." in body
    assert "Leave the union" in body


def test_membership_page_gives_the_unions_contact_and_hours(client, member, settings):
    settings.UNIONROLL_UNION_PHONE = "+31 30 123 4567"
    settings.UNIONROLL_UNION_EMAIL = "leden@bond.example"
    settings.UNIONROLL_UNION_HOURS = ""
    sign_in(client, member)

    response = client.get(url("membership"))

    body = text_of(response)
    assert "+31 30 123 4567" in body
    assert 'href="tel:+31301234567"' in response.content.decode()
    assert "leden@bond.example" in body
    assert "Monday to Friday, 9:00 to 17:00" in body


def test_membership_page_shows_configured_hours(client, member, settings):
    settings.UNIONROLL_UNION_HOURS = "Tuesday and Thursday, 18:00 to 20:00"
    sign_in(client, member)

    assert "Tuesday and Thursday, 18:00 to 20:00" in text_of(client.get(url("membership")))


def test_membership_page_writes_dates_in_the_members_language(client, member):
    Person.objects.filter(pk=member.person_id).update(language="pl")
    sign_in(client, member)

    response = client.get(url("membership"))

    assert html_lang(response) == "pl"
    assert "2 listopada 2026" in text_of(response)
    assert "10 grudnia 2026" in text_of(response)


@pytest.mark.parametrize(
    ("language", "who_pays"),
    [
        ("nl", "Je betaalt nooit voor je lidmaatschap."),
        ("en", "You never pay for your membership."),
        ("pl", "Nigdy nie płacisz za członkostwo."),
        ("ro", "Nu plătești niciodată pentru calitatea de membru."),
        ("uk", "Ви ніколи не платите за членство."),
        ("bg", "Никога не плащате за членството си."),
    ],
)
def test_membership_page_speaks_each_of_the_six_languages(client, member, language, who_pays):
    Person.objects.filter(pk=member.person_id).update(language=language)
    sign_in(client, member)

    response = client.get(url("membership"))

    body = text_of(response)
    assert html_lang(response) == language
    assert who_pays in body
    if language != "en":
        assert "You never pay" not in body
        assert "My membership" not in body


def test_void_opt_out_says_never_a_member_and_offers_to_join_again(client, member, settings):
    settings.UNIONROLL_UNION_NAME = "Bond"
    Membership.objects.filter(pk=member.pk).update(
        status="opted_out", void=True, ended_on=member.covered_from
    )
    sign_in(client, member)

    body = text_of(client.get(url("membership")))

    assert "You are not a member of Bond. You left in time, so it is as if you had never" in body
    assert "Join the union again" in body
    assert "Leave the union" not in body


def test_ended_membership_says_when_it_ended(client, member):
    Membership.objects.filter(pk=member.pk).update(
        status="opted_out", void=False, ended_on=dt.date(2026, 11, 3)
    )
    sign_in(client, member)

    assert "Your membership ended on 3 November 2026." in text_of(client.get(url("membership")))


def test_lapsed_membership_explains_it_starts_again_with_work(client, member):
    Membership.objects.filter(pk=member.pk).update(status="lapsed")
    sign_in(client, member)

    body = text_of(client.get(url("membership")))

    assert "has stopped, because no employer has reported work for you recently" in body
    assert "Join the union again" not in body


# --- Leave and join again ------------------------------------------------------------------------


def test_leave_page_inside_the_window_says_never_a_member(client, member):
    sign_in(client, member)

    response = client.get(url("leave"))

    assert "If you leave now, you will never have been a member." in text_of(response)
    member.refresh_from_db()
    assert member.status == Membership.Status.ENROLLED  # GET only asks


def test_leave_page_after_the_window_says_it_ends_today(client, member):
    Membership.objects.filter(pk=member.pk).update(status="active", window_ends=None)
    sign_in(client, member)

    body = text_of(client.get(url("leave")))

    assert "If you leave now, your membership ends today." in body
    assert "You can come back at any time." in body


def test_leaving_inside_the_window_voids_the_membership_and_confirms(client, member):
    sign_in(client, member)

    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        response = client.post(url("leave"), follow=True)

    member.refresh_from_db()
    assert member.status == Membership.Status.OPTED_OUT
    assert member.void is True
    event = member.events.order_by("-id").first()
    assert (event.actor, event.note) == (MembershipEvent.Actor.MEMBER, "portal")
    assert len(callbacks) == 1  # the confirmation notice
    assert response.redirect_chain[-1][0] == url("left")
    assert "You have left the union" in text_of(response)
    assert "It is as if you had never been a member." in text_of(response)


def test_leaving_after_the_window_ends_the_membership_today(client, member):
    Membership.objects.filter(pk=member.pk).update(status="active")
    sign_in(client, member)

    response = client.post(url("leave"), follow=True)

    member.refresh_from_db()
    assert (member.status, member.void, member.ended_on) == ("opted_out", False, TODAY.date())
    assert "Your membership ended on 20 November 2026." in text_of(response)


def test_leaving_twice_is_no_error_and_writes_one_event(client, member):
    sign_in(client, member)
    client.post(url("leave"))
    events = member.events.count()

    response = client.post(url("leave"), follow=True)

    assert response.status_code == 200
    assert member.events.count() == events
    assert "there is nothing to leave" in text_of(response)


def test_leave_without_csrf_token_is_refused(member):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    sign_in(client, member)

    response = client.post(url("leave"))

    assert response.status_code == 403
    member.refresh_from_db()
    assert member.status == Membership.Status.ENROLLED


def test_rejoining_after_leaving_makes_a_member_again(client, member):
    sign_in(client, member)
    client.post(url("leave"))

    page = client.get(url("rejoin"))
    response = client.post(url("rejoin"), follow=True)

    assert "If you join again, you are a member from today." in text_of(page)
    member.refresh_from_db()
    assert member.status == Membership.Status.OPTED_IN
    assert member.covered_from == TODAY.date()
    assert member.events.order_by("-id").first().actor == MembershipEvent.Actor.MEMBER
    assert "Welcome back. You are a member again from today." in text_of(response)


def test_rejoin_while_a_member_only_says_so(client, member):
    sign_in(client, member)

    response = client.post(url("rejoin"), follow=True)

    assert response.status_code == 200
    assert "You are a member already" in text_of(response)
    assert member.events.count() == 1


# --- My details ----------------------------------------------------------------------------------


def _details(member, **changes):
    person = member.person
    data = {"language": person.language, "phone": person.phone or "", "email": person.email or ""}
    data.update(changes)
    return data


@pytest.fixture
def code_outbox(settings, tmp_path):
    """The codes sent to new phone numbers and addresses (tests/portal/test_contact_change.py
    covers them in full), newest last."""
    settings.UNIONROLL_SMS_BACKEND = "notifications.channels.sms.FileSmsBackend"
    settings.UNIONROLL_SMS_FILE_PATH = tmp_path / "outbox" / "sms"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    def codes() -> dict[str, str]:
        from django.core import mail

        sent = [
            (record["to"], record["text"])
            for record in (
                json.loads(path.read_text())
                for path in sorted(settings.UNIONROLL_SMS_FILE_PATH.glob("*.json"))
            )
        ]
        sent += [(message.to[0], message.body) for message in mail.outbox]
        code = re.compile(r"(?<![\d+])(\d{6})(?!\d)")
        return {to: match.group(1) for to, text in sent if (match := code.search(text))}

    return codes


def test_changed_phone_is_stored_in_e164_and_only_it_is_marked_as_the_members(
    client, member, code_outbox, django_capture_on_commit_callbacks
):
    sign_in(client, member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("details"), _details(member, phone="06 1234 5678"))

    response = client.post(
        url("details_confirm"),
        {"phone-code": code_outbox()["+31612345678"], "phone-action": "confirm"},
        follow=True,
    )

    person = Person.objects.get(pk=member.person_id)
    assert person.phone == "+31612345678"
    assert person.phone_set_by_member is True
    assert person.email_set_by_member is False
    assert person.language_set_by_member is False
    assert "Your new phone number is saved." in text_of(response)


def test_wrong_phone_number_is_explained_next_to_the_field(client, member):
    sign_in(client, member)
    before = Person.objects.get(pk=member.person_id).phone

    response = client.post(url("details"), _details(member, phone="12ab"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "This is not a phone number we can use." in text_of(response)
    field = re.search(r"<input[^>]*name=\"phone\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in field
    assert "id_phone_error" in field
    assert 'id="id_phone_error"' in html
    assert Person.objects.get(pk=member.person_id).phone == before


def test_changing_the_language_in_details_switches_the_pages(client, member):
    sign_in(client, member)

    response = client.post(url("details"), _details(member, language="bg"), follow=True)

    person = Person.objects.get(pk=member.person_id)
    assert (person.language, person.language_set_by_member) == ("bg", True)
    assert html_lang(response) == "bg"


def test_a_member_gives_the_union_a_postal_address_for_letters(client, member):
    sign_in(client, member)
    address = "  ul. Długa 5 m. 3\n\n 80-827   Gdańsk \nPolska"

    client.post(url("details"), {**_details(member), "postal_address": address})

    person = Person.objects.get(pk=member.person_id)
    assert person.postal_address == "ul. Długa 5 m. 3\n80-827 Gdańsk\nPolska"
    page = client.get(url("details")).content.decode()
    assert "80-827 Gdańsk" in page
    assert "Does your employer run your housing?" in page


def test_an_address_too_long_for_an_envelope_is_refused_and_nothing_is_saved(client, member):
    sign_in(client, member)

    response = client.post(
        url("details"), {**_details(member, language="pl"), "postal_address": "x\n" * 7}
    )

    assert response.status_code == 200
    assert "6 lines of 80 characters" in text_of(response)
    person = Person.objects.get(pk=member.person_id)
    assert (person.postal_address, person.language) == ("", "en")


def test_every_input_has_a_label(client, member):
    sign_in(client, member)

    html = client.get(url("details")).content.decode()

    for field_id in ("id_language", "id_phone", "id_email", "id_postal_address"):
        assert f'<label for="{field_id}">' in html
        assert f'id="{field_id}"' in html


def test_details_a_member_set_survive_a_later_roster(
    client, meat, tmp_path, code_outbox, django_capture_on_commit_callbacks
):
    agency = OrganisationFactory(sectors=[meat])
    first = write_roster(tmp_path / "a.csv", [worker(1, language="pl", phone="+48601000001")])
    with TestCase.captureOnCommitCallbacks(execute=True):
        roster_import_path(organisation=agency, path=first)
    membership = Membership.objects.get()
    sign_in(client, membership)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url("details"),
            {"language": "en", "phone": "+40 721 000 111", "email": "me@example.org"},
        )
    codes = code_outbox()
    for field, contact in (("phone", "+40721000111"), ("email", "me@example.org")):
        client.post(
            url("details_confirm"), {f"{field}-code": codes[contact], f"{field}-action": "confirm"}
        )

    rows = [
        worker(
            1,
            language="ro",
            phone="+48 601 234 567",
            email="agency@example.org",
            period_start="2026-11-09",
            period_end="2026-11-15",
        )
    ]
    with TestCase.captureOnCommitCallbacks(execute=True):
        roster_import_path(organisation=agency, path=write_roster(tmp_path / "b.csv", rows))

    person = Person.objects.get()
    assert (person.language, person.phone, person.email) == (
        "en",
        "+40721000111",
        "me@example.org",
    )


def test_clearing_the_email_keeps_a_roster_from_filling_it_in(client, member):
    sign_in(client, member)

    client.post(url("details"), _details(member, email=""))

    person = Person.objects.get(pk=member.person_id)
    assert (person.email, person.email_set_by_member) == (None, True)


def test_wrong_email_is_explained(client, member):
    sign_in(client, member)

    response = client.post(url("details"), _details(member, email="lukasz@"))

    assert "This is not an e-mail address we can use." in text_of(response)
    assert Person.objects.get(pk=member.person_id).email_set_by_member is False


def test_sign_out_button_ends_the_portal_session(client, member):
    sign_in(client, member)
    html = client.get(url("membership")).content.decode()
    assert f'<form method="post" action="{url("sign_out")}"' in html

    client.post(url("sign_out"))

    assert client.get(url("membership"))["Location"] == url("sign_in")


# --- Language switch -----------------------------------------------------------------------------


def test_header_language_switch_changes_the_page_not_the_language_of_notices(client, member):
    sign_in(client, member)
    before = text_of(client.get(url("visits")))

    response = client.post(url("language"), {"language": "ro", "next": url("visits")})

    assert response["Location"] == url("visits")
    page = client.get(url("visits"))
    assert html_lang(page) == "ro"
    assert 'value="ro" lang="ro" aria-current="true"' in page.content.decode()
    # The member's notices stay in their language: only My details changes that, and the
    # switch says so.
    person = Person.objects.get(pk=member.person_id)
    assert (person.language, person.language_set_by_member) == ("en", False)
    assert "The language of our messages to you is set on My details." in before


def test_language_switch_before_sign_in_is_kept_in_the_session(client):
    response = client.post(url("language"), {"language": "uk", "next": url("sign_in")})

    assert response["Location"] == url("sign_in")
    assert client.session[LANGUAGE_SESSION_KEY] == "uk"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_language_switch_never_sends_to_another_site(client, target):
    response = client.post(url("language"), {"language": "pl", "next": target})

    assert response["Location"] == url("sign_in")


def test_language_switch_ignores_an_unknown_language(client, member):
    sign_in(client, member)

    client.post(url("language"), {"language": "xx", "next": url("membership")})

    person = Person.objects.get(pk=member.person_id)
    assert (person.language, person.language_set_by_member) == ("en", False)


def test_language_switch_works_without_javascript(client, member):
    sign_in(client, member)

    html = client.get(url("membership")).content.decode()

    action = url("language")
    form = re.search(rf'<form method="post" action="{action}".*?</form>', html, re.S)
    assert form is not None
    for code, name in [("nl", "Nederlands"), ("pl", "Polski"), ("uk", "Українська")]:
        assert f'<button type="submit" name="language" value="{code}" lang="{code}"' in form[0]
        assert name in form[0]


# --- My rights -----------------------------------------------------------------------------------


def test_rights_page_shows_texts_for_the_members_phase_and_language(client, member, meat):
    # Texts for the member's sector win over the general content the system ships with.
    PayrollLineFactory(person=member.person, sector=meat, cao_phase="B")
    RightsTextFactory(sector=meat, topic="phases", phase="A", title="Phase A rules")
    RightsTextFactory(
        sector=meat, topic="phases", phase="B", title="Phase B rules", body="B one.\n\nB two."
    )
    RightsTextFactory(sector=meat, topic="phases", phase="B", language="pl", title="Zasady B")
    RightsTextFactory(sector=meat, topic="help", title="Help in meat", body="Call the union.")
    sign_in(client, member)

    response = client.get(url("rights"))

    html = response.content.decode()
    assert re.search(r"<h2[^>]*>Phase B rules</h2>", html)
    assert "<p>B one.</p>" in html and "<p>B two.</p>" in html
    assert "Phase A rules" not in html
    assert "Zasady B" not in html
    assert re.search(r"<h2[^>]*>Help in meat</h2>", html)
    assert "phase B of the agency agreement" in text_of(response)


def test_rights_page_in_polish_for_a_polish_member(client, member, meat):
    Person.objects.filter(pk=member.person_id).update(language="pl")
    RightsTextFactory(sector=meat, topic="holiday_pay", title="Holiday pay in meat")
    RightsTextFactory(sector=meat, topic="holiday_pay", language="pl", title="Dodatek w mięsie")
    sign_in(client, member)

    html = client.get(url("rights")).content.decode()

    assert "Dodatek w mięsie" in html
    assert "Holiday pay in meat" not in html


def test_rights_page_has_a_where_to_get_help_section(client, member):
    sign_in(client, member)

    html = client.get(url("rights")).content.decode()

    assert 'id="rights-help"' in html


def test_current_phase_comes_from_the_latest_current_payroll_line(member, meat):
    old = RosterUploadFactory(period_start=dt.date(2026, 10, 5), period_end=dt.date(2026, 10, 11))
    new = RosterUploadFactory(period_start=dt.date(2026, 11, 2), period_end=dt.date(2026, 11, 8))
    PayrollLineFactory(person=member.person, sector=meat, upload=old, cao_phase="A")
    PayrollLineFactory(person=member.person, sector=meat, upload=new, cao_phase="b")
    PayrollLineFactory(
        person=member.person,
        sector=meat,
        upload=RosterUploadFactory(),
        cao_phase="C",
        superseded_by=new,
    )

    assert person_current_phase(person_id=member.person_id, sector_id=meat.pk) == "B"


def test_age_counts_full_years():
    born = dt.date(2008, 2, 29)

    assert person_age(date_of_birth=born, on=dt.date(2026, 2, 28)) == 17
    assert person_age(date_of_birth=born, on=dt.date(2026, 3, 1)) == 18


# --- Visits --------------------------------------------------------------------------------------


@pytest.fixture
def recent_site(member, meat):
    site = SiteFactory(sector=meat, name="Vion Boxtel", address="Parallelweg 14\n5283 AA Boxtel")
    upload = RosterUploadFactory(period_start=dt.date(2026, 11, 2), period_end=dt.date(2026, 11, 8))
    PayrollLineFactory(person=member.person, sector=meat, site=site, upload=upload)
    return site


def test_visits_page_shows_upcoming_visits_where_the_member_worked_recently(
    client, member, recent_site
):
    WorkplaceVisitFactory(
        site=recent_site,
        starts_at=dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 11, 25, 14, 0, tzinfo=dt.UTC),
        place="Canteen, building B",
        languages=["pl", "ro"],
        note="Coffee is on us.",
    )
    sign_in(client, member)

    body = text_of(client.get(url("visits")))

    assert "Wednesday 25 November 2026" in body
    assert "11:00\u201315:00" in body  # Amsterdam time
    assert "Vion Boxtel" in body and "5283 AA Boxtel" in body
    assert "Canteen, building B" in body
    assert "Polish, Romanian" in body
    assert "Coffee is on us." in body


def test_visit_languages_are_named_in_the_members_language(client, member, recent_site):
    Person.objects.filter(pk=member.person_id).update(language="nl")
    WorkplaceVisitFactory(
        site=recent_site,
        languages=["pl", "bg"],
        starts_at=dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC),
    )
    sign_in(client, member)

    body = text_of(client.get(url("visits")))

    assert "Pools" in body and "Bulgaars" in body
    assert "woensdag 25 november 2026" in body.lower()


def test_visits_page_leaves_out_past_cancelled_and_long_ago_sites(
    client, member, meat, recent_site
):
    old_site = SiteFactory(sector=meat, name="Old plant")
    long_ago = RosterUploadFactory(period_start=dt.date(2026, 8, 3), period_end=dt.date(2026, 8, 9))
    PayrollLineFactory(person=member.person, sector=meat, site=old_site, upload=long_ago)
    WorkplaceVisitFactory(site=old_site, place="Old plant gate")
    WorkplaceVisitFactory(
        site=recent_site,
        place="Yesterday's canteen",
        starts_at=dt.datetime(2026, 11, 19, 10, 0, tzinfo=dt.UTC),
    )
    WorkplaceVisitFactory(site=recent_site, place="Cancelled canteen", status="cancelled")
    sign_in(client, member)

    body = text_of(client.get(url("visits")))

    assert "Old plant gate" not in body
    assert "Yesterday's canteen" not in body
    assert "Cancelled canteen" not in body
    assert "No union visits are planned at your workplace at the moment." in body


def _visit_in_languages(site, **texts):
    return WorkplaceVisitFactory(
        site=site,
        starts_at=dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 11, 25, 14, 0, tzinfo=dt.UTC),
        **({"place": "Kantine, gebouw B", "note": "Koffie staat klaar."} | texts),
    )


@pytest.mark.parametrize(
    "language, place, note",
    [
        ("pl", "Stołówka w budynku B", "Kawa czeka."),
        ("uk", "Їдальня в корпусі B", "Кава чекає на Вас."),  # noqa: RUF001 - Ukrainian
    ],
)
def test_visits_page_shows_place_and_note_in_the_members_language(
    client, member, recent_site, language, place, note
):
    Person.objects.filter(pk=member.person_id).update(language=language)
    _visit_in_languages(
        recent_site,
        place_translations={"pl": "Stołówka w budynku B", "uk": "Їдальня в корпусі B"},
        note_translations={"pl": "Kawa czeka.", "uk": "Кава чекає на Вас."},  # noqa: RUF001
    )
    sign_in(client, member)

    page = client.get(url("visits")).content.decode()

    assert f'<span lang="{language}">{place}</span>' in page
    assert f'<span lang="{language}">{note}</span>' in page
    assert "Kantine, gebouw B" not in page and "Koffie staat klaar." not in page
    assert 'class="hint untranslated"' not in page


def test_visits_page_shows_the_plain_text_marked_as_not_yet_translated(client, member, recent_site):
    Person.objects.filter(pk=member.person_id).update(language="ro")
    _visit_in_languages(recent_site, place_translations={"pl": "Stołówka w budynku B"})
    sign_in(client, member)

    page = client.get(url("visits")).content.decode()

    # The Dutch plain text, marked as Dutch for screen readers, with the line in Romanian.
    assert '<span lang="nl">Kantine, gebouw B</span>' in page
    assert '<span lang="nl">Koffie staat klaar.</span>' in page
    assert page.count("Această parte nu este încă tradusă în limba ta.") == 2
    assert "Stołówka" not in page


def test_visits_page_shows_phrases_in_the_members_language(client, member, recent_site):
    Person.objects.filter(pk=member.person_id).update(language="bg")
    _visit_in_languages(
        recent_site,
        place="gebouw B",
        place_phrase="canteen",
        note="",
        note_phrases=["payslip", "break"],
    )
    sign_in(client, member)

    body = text_of(client.get(url("visits")))

    assert "Столова, gebouw B" in body
    assert (
        "Вземете фиша си за заплата, ако имате въпроси за заплащането си. "
        "Можете да дойдете в почивката си."
    ) in body
    # Only the written part of the place lacks Bulgarian: one line, for the place.
    assert body.count("Тази част все още не е преведена на Вашия език.") == 1  # noqa: RUF001
