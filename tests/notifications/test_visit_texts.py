"""A visit's place and note in each member's language: texts per language, translated phrases,
the plain text with a "not yet translated" line where a language has none, and the admin's list
of the languages still missing at the site."""

# ruff: noqa: RUF001 - Ukrainian and Bulgarian texts, whose letters look like Latin ones

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from enrolment.models import Membership
from notifications.catalogs import LANGUAGES
from notifications.models import Notice, WorkplaceVisit
from notifications.rendering import notice_render
from notifications.services import (
    notice_deliver,
    notices_dispatch_batch,
    visit_reschedule,
    visit_schedule,
)
from notifications.services.visits import (
    visit_notice_facts,
    visit_reader_languages,
    visit_snapshot,
)
from notifications.visit_texts import visit_missing_languages, visit_note, visit_place
from tests.employers.factories import (
    HirerFactory,
    OrganisationFactory,
    SectorFactory,
    SiteFactory,
    UnionAdminFactory,
    UserFactory,
)
from tests.enrolment.factories import MembershipFactory, PersonFactory
from tests.notifications.factories import WorkplaceVisitFactory, recent_line
from unionroll.exceptions import Invalid

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
STARTS = dt.datetime(2026, 12, 3, 11, 0, tzinfo=dt.UTC)
ENDS = dt.datetime(2026, 12, 3, 13, 0, tzinfo=dt.UTC)
# After the notices' not_before (3 days ahead), in the daytime.
NOTICE_DAY = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)

PLAIN_PLACE = "Kantine, gebouw B"
PLAIN_NOTE = "Neem je loonstrook mee."
PLACES = {
    "nl": "Kantine in gebouw B",
    "en": "Canteen in building B",
    "pl": "Stołówka w budynku B",
    "ro": "Cantina din clădirea B",
    "uk": "Їдальня в корпусі B",
    "bg": "Столова в сграда B",
}
NOTES = {
    "nl": "Neem je loonstrook mee, dan kijken we samen.",
    "en": "Bring your payslip and we will look at it together.",
    "pl": "Weź pasek wypłaty, obejrzymy go razem.",
    "ro": "Adu fluturașul de salariu și ne uităm împreună.",
    "uk": "Візьміть розрахунковий листок, ми разом його переглянемо.",
    "bg": "Вземете фиша си за заплата и ще го разгледаме заедно.",
}
NOT_TRANSLATED = {
    "nl": "Dit deel is nog niet vertaald in jouw taal.",
    "en": "This part is not yet translated into your language.",
    "pl": "Ta część nie jest jeszcze przetłumaczona na Twój język.",
    "ro": "Această parte nu este încă tradusă în limba ta.",
    "uk": "Ця частина ще не перекладена Вашою мовою.",
    "bg": "Тази част все още не е преведена на Вашия език.",
}
CANTEEN = {
    "nl": "Kantine",
    "en": "Canteen",
    "pl": "Stołówka",
    "ro": "Cantina",
    "uk": "Їдальня",
    "bg": "Столова",
}
COME_IN_YOUR_BREAK = {
    "nl": "Je kunt in je pauze komen.",
    "en": "You can come in your break.",
    "pl": "Możesz przyjść w czasie przerwy.",
    "ro": "Poți veni în pauză.",
    "uk": "Ви можете прийти під час перерви.",
    "bg": "Можете да дойдете в почивката си.",
}


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def site():
    return SiteFactory(
        hirer=HirerFactory(contact_email="receptie@vlees.example"),
        name="Vleesfabriek Oss",
        sector=SectorFactory(code="meat"),
    )


def member_at(site, *, language, status=Membership.Status.ACTIVE, phone=None):
    """A member with a recent line at the site; e-mail only unless a phone is given."""
    person = PersonFactory(language=language, phone=phone)
    membership = MembershipFactory(person=person, sector=site.sector, status=status)
    recent_line(person=person, site=site)
    return membership


def schedule(site, capture, **texts):
    arguments = {"place": PLAIN_PLACE, "note": PLAIN_NOTE} | texts
    with capture(execute=True):
        return visit_schedule(site=site, starts_at=STARTS, ends_at=ENDS, **arguments)


def send_all(at=NOTICE_DAY):
    with time_machine.travel(at, tick=False):
        for notice_id in notices_dispatch_batch(now=at):
            notice_deliver(notice_id=notice_id, now=at)


def email_to(membership) -> str:
    (message,) = [m for m in mail.outbox if m.to == [membership.person.email]]
    return message.body


def rendered(visit, language: str):
    """The notice of ``visit`` as a member reading ``language`` would get it."""
    notice = Notice(
        kind="visit",
        person=PersonFactory(language=language),
        data={"change": "new", "visit": visit_snapshot(visit)},
    )
    facts = visit_notice_facts(notice, NOW.date())
    return notice_render(kind="visit", language=language, facts=facts, today=NOW.date())


# --- What members read ----------------------------------------------------------------------------


def test_a_polish_and_a_ukrainian_member_read_place_and_note_in_their_own_language(
    site, django_capture_on_commit_callbacks
):
    polish = member_at(site, language="pl")
    ukrainian = member_at(site, language="uk")
    schedule(
        site,
        django_capture_on_commit_callbacks,
        place_translations={"pl": PLACES["pl"], "uk": PLACES["uk"]},
        note_translations={"pl": NOTES["pl"], "uk": NOTES["uk"]},
    )

    send_all()

    polish_body, ukrainian_body = email_to(polish), email_to(ukrainian)
    assert f"Miejsce spotkania: {PLACES['pl']}" in polish_body
    assert f"Wiadomość od związku: {NOTES['pl']}" in polish_body
    assert f"Місце зустрічі: {PLACES['uk']}" in ukrainian_body
    assert f"Повідомлення від профспілки: {NOTES['uk']}" in ukrainian_body
    for body, language in ((polish_body, "pl"), (ukrainian_body, "uk")):
        assert PLAIN_PLACE not in body and PLAIN_NOTE not in body
        assert NOT_TRANSLATED[language] not in body


def test_without_a_text_in_their_language_a_member_reads_the_plain_text_and_the_line(
    site, django_capture_on_commit_callbacks, sms_outbox
):
    bulgarian = member_at(site, language="bg")
    member_at(site, language="bg", phone="+359881234567")
    schedule(
        site,
        django_capture_on_commit_callbacks,
        place_translations={"pl": PLACES["pl"]},
        note_translations={"pl": NOTES["pl"]},
    )

    send_all()

    lines = email_to(bulgarian).splitlines()
    place_line = lines.index(f"Място на срещата: {PLAIN_PLACE}")
    assert lines[place_line + 1] == NOT_TRANSLATED["bg"]
    note_line = next(i for i, line in enumerate(lines) if PLAIN_NOTE in line)
    assert lines[note_line + 1] == NOT_TRANSLATED["bg"]
    assert PLACES["pl"] not in email_to(bulgarian)
    (sms,) = [record["text"] for record in sms_outbox()]
    assert PLAIN_PLACE in sms
    assert "(Мястото все още не е на Вашия език.)" in sms


def test_the_plain_text_in_the_members_own_language_needs_no_translation_line(
    site, django_capture_on_commit_callbacks
):
    dutch = member_at(site, language="nl")
    schedule(site, django_capture_on_commit_callbacks)

    send_all()

    body = email_to(dutch)
    assert f"Ontmoetingsplek: {PLAIN_PLACE}" in body
    assert NOT_TRANSLATED["nl"] not in body


@pytest.mark.parametrize("language", LANGUAGES)
def test_phrases_are_read_in_each_language(site, language):
    visit = WorkplaceVisitFactory(
        site=site, place="", place_phrase="canteen", note="", note_phrases=["break"]
    )

    notice = rendered(visit, language)

    assert CANTEEN[language] in notice.body
    assert COME_IN_YOUR_BREAK[language] in notice.body
    assert CANTEEN[language] in notice.sms
    assert NOT_TRANSLATED[language] not in notice.body


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_language_reads_the_dutch_plain_text_where_its_own_text_exists(site, language):
    visit = WorkplaceVisitFactory(
        site=site,
        place=PLAIN_PLACE,
        note=PLAIN_NOTE,
        place_translations=PLACES,
        note_translations=NOTES,
    )

    notice = rendered(visit, language)

    text = "\n".join([notice.subject, notice.body, notice.sms])
    assert PLACES[language] in notice.body and PLACES[language] in notice.sms
    assert NOTES[language] in notice.body
    assert PLAIN_PLACE not in text and PLAIN_NOTE not in text
    assert NOT_TRANSLATED[language] not in text


def test_a_phrase_and_a_written_place_are_read_together(site):
    visit = WorkplaceVisitFactory(
        site=site, place="gebouw B", place_translations={"pl": "budynek B"}, place_phrase="canteen"
    )
    source = visit_snapshot(visit)

    assert visit_place(source, "pl").text == "Stołówka, budynek B"
    assert not visit_place(source, "pl").untranslated
    assert visit_place(source, "ro").text == "Cantina, gebouw B"
    assert visit_place(source, "ro").untranslated
    assert visit_note(source, "ro").text == "Koffie staat klaar."  # the factory's plain note


# --- What a notice keeps, and who hears of a change ---------------------------------------------


def test_a_sent_notice_keeps_every_text_and_a_changed_translation_is_not_sent_again(
    site, django_capture_on_commit_callbacks
):
    member_at(site, language="pl")
    visit = schedule(
        site,
        django_capture_on_commit_callbacks,
        place_translations={"pl": PLACES["pl"]},
        note_translations={"pl": NOTES["pl"], "uk": NOTES["uk"]},
        note_phrases=["break"],
    )
    send_all()

    with (
        time_machine.travel(NOTICE_DAY, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        changed = visit_reschedule(
            visit_id=visit.pk, place_translations={"pl": "Stołówka, wejście od tyłu"}
        )

    sent = Notice.objects.get(subject=f"visit:{visit.pk}:v1")
    assert sent.status == Notice.Status.SENT
    assert sent.data["visit"]["place_translations"] == {"pl": PLACES["pl"]}
    assert sent.data["visit"]["note_translations"] == {"pl": NOTES["pl"], "uk": NOTES["uk"]}
    assert sent.data["visit"]["note_phrases"] == ["break"]
    assert changed.version == 2
    assert not Notice.objects.filter(subject=f"visit:{visit.pk}:v2").exists()


def test_a_changed_place_phrase_is_a_moved_place_and_is_told(
    site, django_capture_on_commit_callbacks
):
    member_at(site, language="pl")
    visit = schedule(site, django_capture_on_commit_callbacks, place="", place_phrase="canteen")
    send_all()

    with (
        time_machine.travel(NOTICE_DAY, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        visit_reschedule(visit_id=visit.pk, place_phrase="car_park")

    moved = Notice.objects.get(subject=f"visit:{visit.pk}:v2")
    assert moved.data["change"] == "rescheduled"
    assert moved.data["visit"]["place_phrase"] == "car_park"


@pytest.mark.parametrize(
    "texts, code",
    [
        ({"place": "", "place_translations": {"pl": PLACES["pl"]}}, "invalid_visit_place"),
        (
            {"place": "", "place_phrase": "canteen", "place_translations": {"pl": "B"}},
            "plain_text_missing",
        ),
        ({"note": "", "note_translations": {"uk": NOTES["uk"]}}, "plain_text_missing"),
        ({"place_phrase": "roof"}, "unknown_phrase"),
        ({"note_phrases": ["break", "free_beer"]}, "unknown_phrase"),
        ({"place_translations": {"de": "Kantine"}}, "unknown_language"),
        ({"plain_language": "xx"}, "unknown_language"),
    ],
)
def test_texts_that_cannot_be_read_as_given_are_refused(site, texts, code):
    with pytest.raises(Invalid) as refused:
        visit_schedule(
            site=site,
            starts_at=STARTS,
            ends_at=ENDS,
            **({"place": PLAIN_PLACE, "note": PLAIN_NOTE} | texts),
        )

    assert refused.value.code == code
    assert not WorkplaceVisit.objects.exists()


# --- The languages a site's members read ---------------------------------------------------------


def test_the_site_languages_count_exactly_the_members_a_visit_would_tell(site):
    member_at(site, language="pl")
    member_at(site, language="pl-PL")
    member_at(site, language="uk")
    member_at(site, language="ro", status=Membership.Status.OPTED_OUT)
    member_at(site, language="bg", status=Membership.Status.LAPSED)
    member_at(site, language="de")  # not one of ours: notices go in English

    readers = visit_reader_languages(site_id=site.pk, starts_at=STARTS)

    assert readers == {"pl": 2, "en": 1, "uk": 1}
    assert list(readers) == ["pl", "en", "uk"]


def test_missing_languages_are_those_that_would_read_the_plain_text():
    source = {
        "place": PLAIN_PLACE,
        "place_translations": {"pl": PLACES["pl"], "uk": PLACES["uk"]},
        "note": PLAIN_NOTE,
        "note_translations": {"pl": NOTES["pl"]},
        "plain_language": "nl",
    }

    missing = visit_missing_languages(source, ["pl", "uk", "nl", "ro"])

    assert missing == {"uk": ["note"], "ro": ["place", "note"]}


def test_phrases_alone_leave_no_language_missing():
    source = {"place": "", "place_phrase": "gate", "note": "", "note_phrases": ["payslip"]}

    assert visit_missing_languages(source, list(LANGUAGES)) == {}


# --- The admin form -----------------------------------------------------------------------------


def url(view: str, *args) -> str:
    return reverse(f"admin:notifications_workplacevisit_{view}", args=args)


def visit_form(site, **changes) -> dict:
    data = {
        "site": site.pk,
        "starts_at_0": "2026-12-03",
        "starts_at_1": "12:00:00",
        "ends_at_0": "2026-12-03",
        "ends_at_1": "14:00:00",
        "place": PLAIN_PLACE,
        "languages": ["pl"],
        "note": PLAIN_NOTE,
        "plain_language": "nl",
        "notify_days_ahead": "3",
    }
    return data | changes


@pytest.fixture
def ula(client):
    client.force_login(UnionAdminFactory(username="ula"))
    return client


@pytest.fixture
def readers(site):
    """Four members reading Polish, three Ukrainian; a Romanian who left reads nothing more."""
    for _ in range(4):
        member_at(site, language="pl")
    for _ in range(3):
        member_at(site, language="uk")
    member_at(site, language="ro", status=Membership.Status.OPTED_OUT)


def test_the_change_page_says_which_languages_the_sites_members_read_and_which_are_missing(
    ula, site, readers
):
    visit = WorkplaceVisitFactory(
        site=site,
        place=PLAIN_PLACE,
        place_translations={"pl": PLACES["pl"]},
        note=PLAIN_NOTE,
        note_translations={"pl": NOTES["pl"], "uk": NOTES["uk"]},
    )

    page = ula.get(url("change", visit.pk)).content.decode()

    assert "Members at this site read: Polski (4), Українська (3)." in page
    assert "Missing: Українська (place)." in page
    assert "Română" not in page.split("Members at this site read:")[1].split("</")[0]
    assert f'name="place_pl" value="{PLACES["pl"]}"' in page
    assert NOTES["uk"] in page


def test_saving_with_languages_missing_warns_and_still_saves(
    ula, site, readers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = ula.post(url("add"), visit_form(site, place_pl=PLACES["pl"]))

    assert response.status_code == 302
    visit = WorkplaceVisit.objects.get()
    assert visit.place_translations == {"pl": PLACES["pl"]}
    assert visit.note_translations == {}
    warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert warnings == [
        "Members at this site read: Polski (4), Українська (3). Missing: Polski (note), "
        "Українська (place, note). They read the plain text, with a line saying it is not yet "
        "translated."
    ]


def test_saving_with_every_language_covered_gives_no_warning(
    ula, site, readers, django_capture_on_commit_callbacks
):
    visit = WorkplaceVisitFactory(site=site)

    with django_capture_on_commit_callbacks(execute=True):
        response = ula.post(
            url("change", visit.pk),
            visit_form(
                site,
                place="",
                place_phrase="canteen",
                note="Koffie staat klaar.",
                note_phrases=["break", "payslip"],
                note_pl="Jest kawa.",
                note_uk="Є кава.",
                seen_version="1",
            ),
        )

    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.place, visit.place_phrase) == ("", "canteen")
    assert visit.note_phrases == ["break", "payslip"]
    assert visit.note_translations == {"pl": "Jest kawa.", "uk": "Є кава."}
    levels = [m.level_tag for m in get_messages(response.wsgi_request)]
    assert "warning" not in levels


def test_the_form_refuses_a_text_per_language_without_a_plain_text(ula, site):
    response = ula.post(url("add"), visit_form(site, note="", note_pl=NOTES["pl"]))

    assert response.status_code == 200
    assert "Write the note as plain text too" in response.content.decode()
    assert not WorkplaceVisit.objects.exists()


@pytest.mark.parametrize(
    "who", ["anonymous", "agency_user", "staff_of_an_organisation", "staff_without_admin"]
)
def test_the_wrong_party_neither_sees_the_language_counts_nor_changes_the_texts(
    client, site, readers, who
):
    visit = WorkplaceVisitFactory(site=site, place=PLAIN_PLACE)
    if who == "agency_user":
        client.force_login(UserFactory(organisation=OrganisationFactory()))
    elif who == "staff_of_an_organisation":
        client.force_login(
            UserFactory(organisation=OrganisationFactory(), is_staff=True, is_superuser=True)
        )
    elif who == "staff_without_admin":
        client.force_login(UserFactory(organisation=None, is_staff=False))

    page = client.get(url("change", visit.pk))
    posted = client.post(
        url("change", visit.pk), visit_form(site, place_pl="Gdzie indziej", seen_version="1")
    )

    for response in (page, posted):
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "/login/" in response["Location"]
        assert b"Members at this site read" not in response.content
        assert "Polski (4)" not in response.content.decode()
    visit.refresh_from_db()
    assert (visit.place_translations, visit.version) == ({}, 1)
