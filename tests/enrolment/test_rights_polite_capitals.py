"""Migration 0019 gives the shipped Polish and Bulgarian rights texts their polite capitals, and
leaves a text a union admin edited as the admin wrote it."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps as django_apps

from enrolment.models import RightsText
from enrolment.rights import rights_content_read

pytestmark = pytest.mark.django_db

migration = import_module("enrolment.migrations.0019_rights_polite_capitals")


def _shipped(language: str, topic: str) -> dict:
    return next(
        t
        for t in rights_content_read()
        if (t["language"], t["topic"], t["phase"]) == (language, topic, "")
    )


def _as_first_shipped(text: str) -> str:
    # What the first release shipped: the same words, the pronouns in lower case.
    for word in migration.POLITE["pl"] + migration.POLITE["bg"]:
        capital = word[0].upper() + word[1:]
        text = text.replace(f" {capital} ", f" {word} ").replace(f" {capital}.", f" {word}.")
    return text


@pytest.mark.parametrize(("language", "topic"), [("pl", "holiday_pay"), ("bg", "minimum_wage")])
def test_a_shipped_text_as_first_loaded_gets_its_capitals(language, topic):
    shipped = _shipped(language, topic)
    row = RightsText.objects.get(language=language, topic=topic, phase="", sector=None)
    RightsText.objects.filter(pk=row.pk).update(body=_as_first_shipped(shipped["body"]))
    assert RightsText.objects.get(pk=row.pk).body != shipped["body"]

    migration.forwards(django_apps, None)

    assert RightsText.objects.get(pk=row.pk).body == shipped["body"]


def test_a_text_an_admin_edited_is_left_as_written():
    shipped = _shipped("pl", "holiday_pay")
    row = RightsText.objects.get(language="pl", topic="holiday_pay", phase="", sector=None)
    edited = _as_first_shipped(shipped["body"]) + "\n\nDopisek związku: twoja sprawa jest ważna."
    RightsText.objects.filter(pk=row.pk).update(body=edited, valid_from=dt.date(2026, 1, 1))

    migration.forwards(django_apps, None)

    assert RightsText.objects.get(pk=row.pk).body == edited


def test_the_shipped_polish_and_bulgarian_texts_already_have_their_capitals():
    for text in rights_content_read():
        for part in (text["title"], text["body"]):
            assert migration.capitalised(text["language"], part) == part, text["topic"]
