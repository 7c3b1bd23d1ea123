"""The catalogue of personal data (privacy.catalogue) covers every column that reaches a person.

A new model with a reference to a person or a membership, or a new column on one, fails here
until the catalogue says whether the member sees it in the export and what an erasure does.
"""

from __future__ import annotations

import pytest
from django.apps import apps

from privacy.catalogue import BLANK, DROP, INDIRECT, KEEP, NOT_PERSONAL, SECTIONS, TOKEN

OUR_APPS = {"employers", "enrolment", "levies", "notifications", "api", "privacy"}
PERSON_MODELS = {"enrolment.Person", "enrolment.Membership"}


def _our_models():
    return [m for m in apps.get_models() if m._meta.app_label in OUR_APPS and not m._meta.proxy]


def _reaches_a_person(model) -> bool:
    if model._meta.label == "enrolment.Person":
        return True
    return any(
        f.is_relation and f.many_to_one and f.related_model._meta.label in PERSON_MODELS
        for f in model._meta.concrete_fields
    )


def test_every_model_that_reaches_a_person_is_in_the_catalogue():
    named = {s.model for s in SECTIONS} | set(INDIRECT) | set(NOT_PERSONAL)
    missing = [m._meta.label for m in _our_models() if _reaches_a_person(m)]
    missing = [label for label in missing if label not in named]
    assert missing == [], f"not in privacy.catalogue: {missing}"


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.key)
def test_every_column_of_a_section_is_exported_or_withheld_with_a_reason(section):
    model = apps.get_model(section.model)
    columns = {f.name for f in model._meta.concrete_fields}
    exported, withheld = set(section.exported), set(section.withheld)
    assert exported.isdisjoint(withheld)
    assert columns - exported - withheld == set(), "columns the catalogue does not name"
    assert (exported | withheld) - columns == set(), "the catalogue names columns that are gone"
    assert all(reason.strip() for reason in section.withheld.values())


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.key)
def test_every_rule_is_one_an_erasure_knows(section):
    assert section.rows in (KEEP, DROP)
    rules = {**section.exported, **section.erase_withheld}
    assert set(rules.values()) <= {KEEP, BLANK, TOKEN}
    assert set(section.erase_withheld) <= set(section.withheld)
    # The person lookup is a real path to the person's id.
    model = apps.get_model(section.model)
    assert str(model._base_manager.filter(**{section.person: 0}).query)


def test_section_keys_are_unique():
    keys = [s.key for s in SECTIONS]
    assert len(keys) == len(set(keys))


def test_the_walk_sees_a_new_reference_to_a_person():
    # The walk itself is checked: a model it must see is seen.
    from employers.models import Organisation
    from enrolment.models import ContactChange, PayrollLine

    assert _reaches_a_person(PayrollLine)
    assert _reaches_a_person(ContactChange)
    assert not _reaches_a_person(Organisation)
