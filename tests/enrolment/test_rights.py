"""What a member reads about their rights: dated texts per sector, phase and language that union
admins edit, with the minimum wage for the member's age filled in."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from enrolment.models import MinimumWageRate, MinimumWageYouthShare, RightsText
from enrolment.rights import (
    CONTENT_DIR,
    TOPIC_ORDER,
    minimum_wage_unknown_text,
    rights_content_read,
    rights_for,
    rights_texts_load,
)
from tests.employers.factories import (
    OrganisationFactory,
    SectorFactory,
    UnionAdminFactory,
    UserFactory,
)
from unionroll.exceptions import ApplicationError

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _ in settings.LANGUAGES]
TODAY = dt.date(2026, 11, 29)
NO_SECTOR = 0  # a sector id with no texts of its own: the member reads the general texts

STATUTORY_HOURLY = {
    dt.date(2024, 1, 1): "13.27",
    dt.date(2024, 7, 1): "13.68",
    dt.date(2025, 1, 1): "14.06",
    dt.date(2025, 7, 1): "14.40",
    dt.date(2026, 1, 1): "14.71",
}
STATUTORY_YOUTH_PERCENT = {20: "80", 19: "60", 18: "50", 17: "39.5", 16: "34.5", 15: "30"}


@pytest.fixture(autouse=True)
def shipped_content_and_rates():
    # Migrations 0008 and 0010 load both; a transactional test elsewhere may have flushed them.
    for valid_from, hourly in STATUTORY_HOURLY.items():
        MinimumWageRate.objects.get_or_create(valid_from=valid_from, defaults={"hourly": hourly})
    for age, percent in STATUTORY_YOUTH_PERCENT.items():
        MinimumWageYouthShare.objects.get_or_create(age=age, defaults={"percent": percent})
    rights_texts_load()


def read(language="en", *, sector_id=NO_SECTOR, phase="", on=TODAY, age=30):
    return rights_for(sector_id=sector_id, phase=phase, language=language, on=on, age=age)


def section(sections, topic):
    [found] = [s for s in sections if s.topic == topic]
    return found


def general_text(**fields) -> RightsText:
    defaults = {"language": "en", "phase": "", "sector": None, "body": "Body."}
    return RightsText.objects.create(**(defaults | fields))


# --- The shipped content: six-language completeness check --------------------------------------


def test_shipped_content_covers_every_topic_in_all_six_languages():
    texts = rights_content_read()
    keys = Counter((t["language"], t["topic"], t["phase"]) for t in texts)

    assert sorted(p.stem for p in CONTENT_DIR.glob("*.json")) == sorted(LANGUAGES)
    for language in LANGUAGES:
        for topic in TOPIC_ORDER:
            assert keys[(language, topic, "")] == 1, (language, topic)
        for phase in ["A", "B", "C"]:
            assert keys[(language, "phases", phase)] == 1, (language, phase)
    assert len(texts) == len(keys) == len(LANGUAGES) * (len(TOPIC_ORDER) + 3)


def test_shipped_texts_are_translated_and_short():
    texts = rights_content_read()
    english = {(t["topic"], t["phase"]): t for t in texts if t["language"] == "en"}

    for text in texts:
        paragraphs = text["body"].split("\n\n")
        assert 2 <= len(paragraphs) <= 5, (text["language"], text["topic"], text["phase"])
        assert all(p.strip() for p in paragraphs) and text["title"].strip()
        assert text["valid_from"] == dt.date(2026, 1, 1)
        if text["language"] != "en":
            original = english[(text["topic"], text["phase"])]
            # No English left in place: every title and paragraph differs from the English one.
            assert text["title"] != original["title"], (text["language"], text["title"])
            assert not set(paragraphs) & set(original["body"].split("\n\n")), text["language"]


def test_every_minimum_wage_text_names_the_amount_and_the_age():
    minimum_wage_texts = [t for t in rights_content_read() if t["topic"] == "minimum_wage"]

    assert {t["language"] for t in minimum_wage_texts} == set(LANGUAGES)
    for text in minimum_wage_texts:
        assert "{minimum_wage}" in text["body"], text["language"]
        assert "{age}" in text["body"], text["language"]


def test_every_language_has_a_sentence_for_a_minimum_wage_it_cannot_show():
    sentences = {}
    for language in LANGUAGES:
        content = json.loads((CONTENT_DIR / f"{language}.json").read_text(encoding="utf-8"))
        sentences[language] = content["minimum_wage_unknown"]

    assert all(sentences.values())
    assert len(set(sentences.values())) == len(LANGUAGES)
    assert not any("{" in s for s in sentences.values())


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("phase", ["", "A", "B", "C"])
def test_a_member_reads_every_topic_in_their_own_language_with_nothing_left_unfilled(
    language, phase
):
    sections = read(language, phase=phase, age=21)
    shipped = {
        (t["topic"], t["phase"]): t["title"]
        for t in rights_content_read()
        if t["language"] == language
    }

    assert [s.topic for s in sections] == TOPIC_ORDER
    for s in sections:
        topic_phase = phase if s.topic == "phases" else ""
        assert s.title == shipped[(s.topic, topic_phase)]
        assert s.paragraphs and all(p for p in s.paragraphs)
        assert not any("{" in p or "}" in p for p in s.paragraphs)


# --- Which text a member reads -------------------------------------------------------------------


def test_the_newest_valid_text_wins_and_a_future_one_is_not_shown_yet():
    general_text(topic="holiday_pay", valid_from=dt.date(2026, 6, 1), title="Holiday pay (June)")
    general_text(topic="holiday_pay", valid_from=dt.date(2027, 1, 1), title="Holiday pay 2027")

    assert section(read(on=dt.date(2026, 5, 31)), "holiday_pay").title == "Holiday pay"
    assert section(read(on=TODAY), "holiday_pay").title == "Holiday pay (June)"
    assert section(read(on=dt.date(2027, 1, 1)), "holiday_pay").title == "Holiday pay 2027"


def test_before_any_text_is_valid_the_topic_is_left_out():
    assert read(on=dt.date(2025, 12, 31)) == []


def test_a_text_for_the_members_sector_beats_the_general_one():
    meat = SectorFactory(code="meat")
    other = SectorFactory(code="dc", name="Distribution centres")
    general_text(
        topic="help",
        sector=meat,
        valid_from=dt.date(2026, 1, 1),
        title="Help in the meat plants",
        body="Ask the shop steward at your plant.",
    )
    # A newer general version does not replace the sector's own text.
    general_text(topic="help", valid_from=dt.date(2026, 9, 1), title="Help (September)")

    assert section(read(sector_id=meat.pk), "help").title == "Help in the meat plants"
    assert section(read(sector_id=meat.pk), "help").paragraphs == [
        "Ask the shop steward at your plant."
    ]
    assert section(read(sector_id=other.pk), "help").title == "Help (September)"
    assert section(read(sector_id=meat.pk), "sick_pay").title == "Sick pay"


def test_a_text_for_the_members_phase_beats_the_one_for_every_phase():
    assert section(read(phase=""), "phases").title == "Agency phases A, B and C"
    assert section(read(phase="A"), "phases").title == "You are in phase A"
    assert section(read(phase="b"), "phases").title == "You are in phase B"
    assert section(read(phase=" C "), "phases").title == "You are in phase C"
    # An NBBU phase number has no texts of its own: the member reads the overview.
    assert section(read(phase="3"), "phases").title == "Agency phases A, B and C"


def test_a_sector_text_for_every_phase_beats_a_general_text_for_the_members_phase():
    meat = SectorFactory(code="meat")
    general_text(topic="phases", sector=meat, valid_from=dt.date(2026, 1, 1), title="Meat phases")

    assert section(read(sector_id=meat.pk, phase="A"), "phases").title == "Meat phases"


def test_english_is_shown_only_for_a_topic_the_members_language_has_no_text_for():
    RightsText.objects.filter(language="pl", topic="holiday_pay").delete()

    sections = read("pl")

    assert section(sections, "holiday_pay").title == "Holiday pay"
    assert section(sections, "sick_pay").title == "Wynagrodzenie w czasie choroby"
    assert section(sections, "minimum_wage").paragraphs[1].startswith("W Twoim wieku (30)")


def test_a_language_the_system_does_not_offer_reads_english():
    assert section(read("de-DE"), "minimum_wage").title == "Minimum wage"
    assert section(read("PL"), "minimum_wage").title == "Płaca minimalna"


def test_paragraphs_are_split_on_blank_lines():
    general_text(
        topic="help",
        valid_from=dt.date(2026, 2, 1),
        title="Help",
        body="First line\nsame paragraph.\r\n\r\nSecond.\n  \n\n\nThird.\n",
    )

    assert section(read(), "help").paragraphs == [
        "First line\nsame paragraph.",
        "Second.",
        "Third.",
    ]


# --- The minimum wage for the member's age ------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "age", "english", "polish"),
    [
        (dt.date(2025, 3, 1), 21, "€14.06", "€ 14,06"),
        (dt.date(2025, 3, 1), 20, "€11.25", "€ 11,25"),  # 14.06 x 80 % = 11.248
        (dt.date(2025, 3, 1), 18, "€7.03", "€ 7,03"),
        (dt.date(2025, 8, 1), 21, "€14.40", "€ 14,40"),
        (dt.date(2025, 8, 1), 20, "€11.52", "€ 11,52"),
        (dt.date(2025, 8, 1), 18, "€7.20", "€ 7,20"),
        (dt.date(2026, 3, 1), 21, "€14.71", "€ 14,71"),
        (dt.date(2026, 3, 1), 20, "€11.77", "€ 11,77"),  # 11.768
        (dt.date(2026, 3, 1), 18, "€7.36", "€ 7,36"),  # 7.355, half-up
        (dt.date(2026, 3, 1), 45, "€14.71", "€ 14,71"),
    ],
)
def test_the_minimum_wage_shown_is_the_statutory_amount_for_the_age_on_the_day(
    on, age, english, polish
):
    sector = SectorFactory(code="meat")
    for language in ["en", "pl"]:
        general_text(
            topic="minimum_wage",
            language=language,
            sector=sector,
            valid_from=dt.date(2024, 1, 1),
            title="Minimum wage",
            body="{age}: {minimum_wage}",
        )

    shown_en = section(read("en", sector_id=sector.pk, on=on, age=age), "minimum_wage")
    shown_pl = section(read("pl", sector_id=sector.pk, on=on, age=age), "minimum_wage")

    assert shown_en.paragraphs == [f"{age}: {english}"]
    assert shown_pl.paragraphs == [f"{age}: {polish}"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "At your age (19), the minimum wage is €8.83 gross per hour."),
        ("nl", "Voor jouw leeftijd (19) is het minimumloon € 8,83 bruto per uur."),
        ("pl", "W Twoim wieku (19) płaca minimalna wynosi € 8,83 brutto za godzinę."),
        ("ro", "Pentru vârsta ta (19), salariul minim este € 8,83 brut pe oră."),
        ("uk", "Для Вашого віку (19) мінімальна зарплата становить € 8,83 брутто за годину."),
        ("bg", "За Вашата възраст (19) минималната заплата е € 8,83 бруто на час."),  # noqa: RUF001 - Bulgarian
    ],
)
def test_the_shipped_text_shows_the_amount_as_the_language_writes_money(language, expected):
    paragraphs = section(read(language, age=19), "minimum_wage").paragraphs

    assert paragraphs[1].startswith(expected)


@pytest.mark.parametrize("language", LANGUAGES)
def test_under_fifteen_the_text_says_it_cannot_show_an_amount_instead_of_making_one_up(language):
    paragraphs = section(read(language, age=14), "minimum_wage").paragraphs

    assert minimum_wage_unknown_text(language) in paragraphs
    assert not any("€" in p or "{" in p for p in paragraphs)
    assert len(paragraphs) == 4  # only the paragraph with the amount is replaced


def test_before_the_first_stored_rate_no_amount_is_shown():
    general_text(
        topic="minimum_wage",
        valid_from=dt.date(2020, 1, 1),
        title="Minimum wage",
        body="Yours: {minimum_wage}.\n\nBoth: {minimum_wage} at {age}.\n\nAged {age}.",
    )

    paragraphs = section(read(on=dt.date(2023, 6, 1), age=30), "minimum_wage").paragraphs

    assert paragraphs == [minimum_wage_unknown_text("en"), "Aged 30."]


# --- Loading the shipped content -----------------------------------------------------------------


def test_loading_twice_inserts_nothing_the_second_time_and_keeps_an_admins_edit(capsys):
    RightsText.objects.all().delete()
    shipped = len(rights_content_read())

    first = rights_texts_load()
    text = RightsText.objects.get(topic="help", language="pl", phase="")
    text.body = "Zadzwoń do nas.\n\nNapisz do nas."
    text.save()
    RightsText.objects.filter(topic="sick_pay", language="bg").delete()
    second = rights_texts_load()
    call_command("rights_texts_load")

    assert first == shipped == RightsText.objects.count()
    assert second == 1  # only the deleted one came back
    assert "Inserted 0 rights text(s)." in capsys.readouterr().out
    text.refresh_from_db()
    assert text.body == "Zadzwoń do nas.\n\nNapisz do nas."


def test_loading_refuses_a_file_in_a_language_the_system_does_not_offer(tmp_path):
    (tmp_path / "de.json").write_text(
        json.dumps({"language": "de", "minimum_wage_unknown": "-", "texts": []}),
        encoding="utf-8",
    )

    with pytest.raises(ApplicationError) as error:
        rights_texts_load(path=tmp_path)

    assert error.value.code == "rights_content_invalid"


def test_loading_one_file_inserts_only_its_texts(tmp_path):
    RightsText.objects.all().delete()

    inserted = rights_texts_load(path=CONTENT_DIR / "ro.json")

    assert inserted == len(TOPIC_ORDER) + 3
    assert set(RightsText.objects.values_list("language", flat=True)) == {"ro"}


# --- The admin -----------------------------------------------------------------------------------


CHANGELIST = "admin:enrolment_rightstext_changelist"


def test_a_union_admin_can_list_filter_and_search_rights_texts(client):
    client.force_login(UnionAdminFactory())

    listed = client.get(reverse(CHANGELIST))
    filtered = client.get(reverse(CHANGELIST), {"language": "ro", "topic": "sick_pay"})
    searched = client.get(reverse(CHANGELIST), {"q": "You are in phase B"})
    text = RightsText.objects.get(topic="minimum_wage", language="uk", phase="")
    change = client.get(reverse("admin:enrolment_rightstext_change", args=[text.pk]))

    assert listed.status_code == 200
    assert change.status_code == 200
    assert "Save as new" in change.content.decode()
    assert filtered.context["cl"].result_count == 1
    assert [t.title for t in searched.context["cl"].result_list] == ["You are in phase B"]


def test_a_union_admin_adds_a_new_dated_version_that_members_read_from_its_date(client):
    client.force_login(UnionAdminFactory())
    sector = SectorFactory(code="meat")

    response = client.post(
        reverse("admin:enrolment_rightstext_add"),
        {
            "topic": "deductions",
            "language": "nl",
            "sector": sector.pk,
            "phase": "",
            "valid_from": "2027-01-01",
            "title": "Inhoudingen in de vleessector",
            "body": "Eerste alinea.\r\n\r\nTweede alinea.",
        },
    )

    assert response.status_code == 302
    before = section(read("nl", sector_id=sector.pk, on=dt.date(2026, 12, 31)), "deductions")
    after = section(read("nl", sector_id=sector.pk, on=dt.date(2027, 1, 1)), "deductions")
    assert before.title == "Wat er van je loon af mag"
    assert after.paragraphs == ["Eerste alinea.", "Tweede alinea."]


def test_the_admin_refuses_a_minimum_wage_text_without_the_amount(client):
    client.force_login(UnionAdminFactory())

    response = client.post(
        reverse("admin:enrolment_rightstext_add"),
        {
            "topic": "minimum_wage",
            "language": "en",
            "phase": "",
            "valid_from": "2027-01-01",
            "title": "Minimum wage",
            "body": "The minimum wage is €15 per hour.",
        },
    )

    assert response.status_code == 200
    assert "must contain {minimum_wage}" in response.content.decode()
    assert not RightsText.objects.filter(valid_from=dt.date(2027, 1, 1)).exists()


def test_agency_staff_are_sent_away_from_the_rights_texts_admin(client):
    client.force_login(UserFactory(organisation=OrganisationFactory()))

    response = client.get(reverse(CHANGELIST))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_anonymous_visitors_are_sent_away_from_the_rights_texts_admin(client):
    response = client.get(reverse(CHANGELIST))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_money_is_written_the_way_each_language_writes_it():
    from enrolment.rights import money_text

    assert money_text(Decimal("14.71"), "en") == "€14.71"
    assert money_text(Decimal("7.5"), "nl") == "€ 7,50"
    assert money_text(Decimal("14.71"), "bg") == "€ 14,71"
