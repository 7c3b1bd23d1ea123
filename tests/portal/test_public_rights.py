"""The public rights pages (/rights/<lang>/): the general rights in six languages, with no
sign-in, no session and no cookie, cacheable; the member's own page stays personal."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import translation

from enrolment.models import MinimumWageRate, MinimumWageYouthShare, Person
from enrolment.rights import CONTENT_DIR, rights_texts_load
from portal.context import LANGUAGE_NAMES
from portal.session import SESSION_KEY
from tests.enrolment.factories import MembershipFactory, PayrollLineFactory, PersonFactory
from tests.portal.factories import RightsTextFactory

pytestmark = [pytest.mark.django_db]

LANGUAGES = [code for code, _ in settings.LANGUAGES]
TODAY = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
STATUTORY_HOURLY = {dt.date(2025, 7, 1): "14.40", dt.date(2026, 1, 1): "14.71"}
STATUTORY_YOUTH_PERCENT = {20: "80", 19: "60", 18: "50", 17: "39.5", 16: "34.5", 15: "30"}
# The page's own words in English: none may be left on a page in another language.
ENGLISH_PAGE_WORDS = [
    "Your rights at work",
    "What every agency worker in the Netherlands has a right to.",
    "See your own rights and membership",
    "On this page",
    "Minimum wage per hour, gross, from",
    "Per hour, gross",
    "and older",
    "Contact the union",
    "When a representative is available",
    "Skip to content",
]


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture(autouse=True)
def shipped_content_and_rates():
    # Migrations 0008 and 0010 load both; a transactional test elsewhere may have flushed them.
    for valid_from, hourly in STATUTORY_HOURLY.items():
        MinimumWageRate.objects.get_or_create(valid_from=valid_from, defaults={"hourly": hourly})
    for age, percent in STATUTORY_YOUTH_PERCENT.items():
        MinimumWageYouthShare.objects.get_or_create(age=age, defaults={"percent": percent})
    rights_texts_load()


def page_url(language: str) -> str:
    return reverse("public:rights_page", args=[language])


def text_of(response) -> str:
    page = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html_lib.unescape(page).split())


def main_text(response) -> str:
    """The text of <main>: the page without the language switch (which names "English")."""
    page = response.content.decode()
    main = page[page.index("<main") : page.index("</main>")]
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", main)).split())


def content(language: str) -> dict:
    return json.loads((CONTENT_DIR / f"{language}.json").read_text(encoding="utf-8"))


def shipped_text(language: str, topic: str, phase: str = "") -> dict:
    return next(
        t for t in content(language)["texts"] if t["topic"] == topic and t.get("phase", "") == phase
    )


def wage_rows(response) -> dict[str, str]:
    """The minimum wage table as {age label: amount}."""
    table = re.search(r'<table class="wage-table">(.*?)</table>', response.content.decode(), re.S)
    assert table, "no minimum wage table"
    rows = re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', table.group(1))
    return {html_lib.unescape(label): html_lib.unescape(amount) for label, amount in rows}


def sign_in(client, membership) -> None:
    session = client.session
    session[SESSION_KEY] = membership.pk
    session.save()


# --- Six languages -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_renders_in_that_language(client, language):
    response = client.get(page_url(language))

    assert response.status_code == 200
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert response["Content-Language"] == language
    body = main_text(response)
    for topic in ["minimum_wage", "holiday_pay", "deductions", "sick_pay", "phases", "help"]:
        assert shipped_text(language, topic)["title"] in body, topic
    assert shipped_text(language, "holiday_pay")["body"][0] in body
    for phase in "ABC":
        assert shipped_text(language, "phases", phase)["body"][1] in body, phase
    if language != "en":
        english = [*ENGLISH_PAGE_WORDS]
        for text in content("en")["texts"]:
            english += [text["title"], *text["body"]]
        left = [words for words in english if words in body]
        assert left == [], left


def test_the_english_check_above_has_english_to_find(client):
    # Guard for the check above: it would pass on an empty page.
    english = text_of(client.get(page_url("en")))
    polish = text_of(client.get(page_url("pl")))

    assert "Your rights at work" in english
    assert "Your rights at work" not in polish
    with translation.override("pl"):
        assert translation.gettext("Your rights at work") in polish


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_switch_links_to_the_other_five_in_their_own_names(client, language):
    page = client.get(page_url(language)).content.decode()

    link = r'<a href="/rights/([a-z]+)/" lang="([a-z]+)" hreflang="[a-z]+">([^<]+)</a>'
    links = re.findall(link, page)
    expected = [(code, code, name) for code, name in LANGUAGE_NAMES if code != language]
    assert links == expected


def test_the_page_is_one_h1_a_captioned_table_and_a_link_to_sign_in(client):
    page = client.get(page_url("ro")).content.decode()

    assert page.count("<h1") == 1
    assert "<caption>" in page
    assert page.count('<th scope="col">') == 2
    assert f'href="{reverse("portal:sign_in")}"' in page
    assert page.count('<section class="card"') == 6
    # Every phase explained, each under its own heading.
    assert re.findall(r'<h3 id="rights-phase-([abc])"', page) == ["a", "b", "c"]


def test_a_language_without_a_text_yet_shows_the_english_one_marked_english(client):
    from enrolment.models import RightsText

    RightsText.objects.filter(topic="holiday_pay", language="bg").delete()

    page = client.get(page_url("bg")).content.decode()

    assert re.search(r'<section class="card" aria-labelledby="rights-holiday_pay" lang="en">', page)
    assert shipped_text("en", "holiday_pay")["title"] in page


# --- The minimum wage table ----------------------------------------------------------------------


def test_minimum_wage_table_shows_todays_rate_per_age(client):
    rows = wage_rows(client.get(page_url("en")))

    assert rows == {
        "15": "€4.41",
        "16": "€5.07",
        "17": "€5.81",
        "18": "€7.36",
        "19": "€8.83",
        "20": "€11.77",
        "21 and older": "€14.71",
    }


def test_a_new_rate_dated_today_is_in_the_table_and_a_later_one_is_not(client):
    MinimumWageRate.objects.create(valid_from=dt.date(2026, 11, 20), hourly=Decimal("15.00"))
    MinimumWageRate.objects.create(valid_from=dt.date(2026, 11, 21), hourly=Decimal("16.00"))
    MinimumWageYouthShare.objects.filter(age=20).update(percent=Decimal("85"))

    response = client.get(page_url("pl"))

    rows = wage_rows(response)
    with translation.override("pl"):
        adult = translation.gettext("%(age)s and older") % {"age": 21}
    assert rows[adult] == "€ 15,00"
    assert rows["20"] == "€ 12,75"
    assert "20 listopada 2026" in text_of(response)
    assert "16,00" not in text_of(response)


def test_no_rate_yet_says_so_instead_of_a_table(client):
    MinimumWageRate.objects.all().delete()

    response = client.get(page_url("nl"))

    assert '<table class="wage-table">' not in response.content.decode()
    assert content("nl")["minimum_wage_unknown"] in main_text(response)


def test_no_personal_sentence_with_an_empty_age_or_amount(client):
    page = client.get(page_url("en")).content.decode()

    assert "{age}" not in page and "{minimum_wage}" not in page
    assert "At your age" not in page


# --- Public and cacheable ------------------------------------------------------------------------


def test_works_signed_out_and_sets_no_cookie_and_writes_no_session(client):
    response = client.get(page_url("uk"))

    assert response.status_code == 200
    assert response.cookies == {}
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.get("Vary", "")
    assert response["Cache-Control"] == "public, max-age=300"
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert Session.objects.count() == 0


def test_a_signed_in_member_gets_the_same_public_page_and_no_cookie(client, meat):
    member = MembershipFactory(person=PersonFactory(first_name="Łukasz"), sector=meat)
    sign_in(client, member)
    expiry = Session.objects.get().expire_date

    response = client.get(page_url("pl"))

    assert response.status_code == 200
    assert response.cookies == {}
    assert "Cookie" not in response.get("Vary", "")
    assert "Łukasz" not in text_of(response)
    assert Session.objects.get().expire_date == expiry


def test_texts_written_for_one_sector_stay_off_the_public_page(client, meat):
    RightsTextFactory(sector=meat, topic="holiday_pay", title="Holiday pay in meat only")

    body = text_of(client.get(page_url("en")))

    assert "Holiday pay in meat only" not in body
    assert shipped_text("en", "holiday_pay")["title"] in body


@pytest.mark.parametrize("path", ["/rights/xx/", "/rights/EN/", "/rights/en-gb/", "/rights/de/"])
def test_unknown_language_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_only_reading_is_allowed(client):
    assert client.post(page_url("en")).status_code == 405


# --- /rights/ picks the browser's language -------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "language"),
    [
        ("pl-PL,pl;q=0.9,en;q=0.8", "pl"),
        ("uk", "uk"),
        ("bg-BG", "bg"),
        ("de-DE,de;q=0.9", "en"),
        ("", "en"),
    ],
)
def test_rights_sends_the_browser_to_its_language(client, accept, language):
    response = client.get(reverse("public:rights"), headers={"accept-language": accept})

    assert response.status_code == 302
    assert response["Location"] == page_url(language)
    assert "Accept-Language" in response["Vary"]
    assert response.cookies == {}


# --- Links from the portal -----------------------------------------------------------------------


def test_sign_in_page_links_to_the_public_page_in_its_language(client):
    response = client.get(reverse("portal:sign_in"), headers={"accept-language": "ro"})

    assert f'href="{page_url("ro")}"' in response.content.decode()


def test_signed_in_rights_page_stays_personal_and_links_to_the_general_page(client, meat):
    person = PersonFactory(language="pl", date_of_birth=dt.date(2007, 1, 10))  # 19 today
    member = MembershipFactory(person=person, sector=meat)
    PayrollLineFactory(person=person, sector=meat, cao_phase="B")
    RightsTextFactory(sector=meat, topic="help", language="pl", title="Pomoc w branży mięsnej")
    sign_in(client, member)

    response = client.get(reverse("portal:rights"))

    page = response.content.decode()
    body = text_of(response)
    assert response["Cache-Control"] == "no-store"
    assert shipped_text("pl", "phases", "B")["title"] in body
    assert shipped_text("pl", "phases", "A")["title"] not in body
    assert "€ 8,83" in body  # 60 % of € 14,71 at 19
    assert "Pomoc w branży mięsnej" in body
    assert '<table class="wage-table">' not in page
    assert f'href="{page_url("pl")}"' in page


def test_signed_in_link_follows_the_members_language(client, meat):
    member = MembershipFactory(person=PersonFactory(language="bg"), sector=meat)
    sign_in(client, member)
    Person.objects.filter(pk=member.person_id).update(language="uk")

    page = client.get(reverse("portal:rights")).content.decode()

    assert f'href="{page_url("uk")}"' in page
