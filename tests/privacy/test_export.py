"""The member's export holds every personal datum of the catalogue, and nobody else's."""

from __future__ import annotations

import io
import json

import pytest
from django.apps import apps
from pypdf import PdfReader

from privacy.catalogue import SECTIONS
from privacy.export import person_export
from privacy.export_pdf import person_export_pdf
from tests.enrolment.factories import PersonFactory, WorkerNumberFactory

pytestmark = pytest.mark.django_db


def test_every_section_of_the_catalogue_is_exported_with_every_exported_field(
    member_with_everything,
):
    person = member_with_everything
    export = person_export(person.pk)
    for section in SECTIONS:
        model = apps.get_model(section.model)
        held = model._base_manager.filter(**{section.person: person.pk}).count()
        assert held >= 1, f"the fixture has no {section.key}: add one, so the export is tested"
        rows = [export[section.key]] if section.key == "person" else export[section.key]
        assert len(rows) == held, section.key
        for row in rows:
            assert set(section.exported) <= set(row), section.key
            for name in section.withheld:
                assert name not in row or name in section.exported, (section.key, name)


def test_the_personal_values_are_in_the_export_in_full(member_with_everything):
    person = member_with_everything
    text = json.dumps(person_export(person.pk), ensure_ascii=False)
    for value in (
        "Ionuț",
        "Drăgulescu",
        "1994-03-09",
        "+40722111333",
        "ionut.d@example.ro",
        "Str. Florilor 12\\n5281 AB Boxtel",
        "FW-20931",
        "+40722000999",  # the replaced number a notice went to
        "Flexwerk Uitzendbureau B.V.",
        "Vleesfabriek Boxtel",
        "562.40",
        "95.00",
        "L-7KQ2-M9XD",
    ):
        assert value in text, value


def test_secrets_and_other_peoples_data_are_not_in_the_export(member_with_everything):
    person = member_with_everything
    export = person_export(person.pk)
    text = json.dumps(export, ensure_ascii=False)
    assert "ab" * 32 not in text  # the BSN hash
    assert export["person"]["bsn_held"] is True
    for section in SECTIONS:
        for row in [export[section.key]] if section.key == "person" else export[section.key]:
            assert "token_hash" not in row and "code_hash" not in row
    # The duplicate candidates are other people: their names are not the member's to see.
    others = PersonFactory._meta.model.objects.exclude(pk=person.pk)
    assert others.count() >= 3
    for other in others.exclude(last_name=person.last_name):
        assert other.last_name not in text
    for other in others.exclude(phone=None):
        assert other.phone not in text


def test_contact_details_say_where_they_came_from(member_with_everything):
    export = person_export(member_with_everything.pk)
    sources = export["contact_sources"]
    assert sources["phone"]["source"] == "member"
    assert sources["phone"]["confirmed_at"] is not None
    assert sources["email"]["source"] == "roster"
    assert sources["email"]["latest_roster"]["from"] == "Flexwerk Uitzendbureau B.V."


def test_visits_and_delivery_attempts_are_told(member_with_everything):
    export = person_export(member_with_everything.pk)
    assert [v["site"] for v in export["visits_told_of"]] == ["Vleesfabriek Boxtel"]
    sent = [n for n in export["notices"] if n["delivery_attempts"]]
    assert sent and sent[0]["delivery_attempts"][0]["result"] == "sent"


def test_an_unknown_person_is_not_found(db):
    from enrolment.models import Person

    with pytest.raises(Person.DoesNotExist):
        person_export(10**9)


def test_records_joined_into_the_members_are_exported_with_it(member_with_everything):
    person = member_with_everything
    old = PersonFactory(first_name="Ionut", last_name="Dragulescu", merged_into=person)
    WorkerNumberFactory(person=old, worker_number="OLD-555")
    export = person_export(person.pk)
    assert [r["id"] for r in export["merged_records"]] == [old.pk]
    assert export["merged_records"][0]["last_name"] == "Dragulescu"
    assert "OLD-555" in [r["worker_number"] for r in export["worker_numbers"]]
    assert export["person"]["id"] == person.pk
    pdf = PdfReader(io.BytesIO(person_export_pdf(export, language="pl")))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "Inne Twoje wpisy, połączone z tym" in text and "OLD-555" in text
