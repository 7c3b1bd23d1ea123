"""Find a person (issue 13): union staff find a person by name, phone or e-mail in a POST form;
the terms never reach a URL or a log, and every search records whom it showed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import models
from django.urls import reverse

from enrolment.models import ContactChange, PayrollLine, Person, PersonAccess, WorkerNumber
from enrolment.selectors import PERSON_SEARCH_LIMIT
from tests.employers.factories import UnionAdminFactory, UserFactory
from tests.enrolment.factories import PersonFactory

pytestmark = pytest.mark.django_db

URL = "/admin/enrolment/person/find/"


@pytest.fixture
def ula(client):
    user = UnionAdminFactory(username="ula")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def lukasz():
    return PersonFactory(
        first_name="Łukasz",
        last_name="Wróbel-Nowak",
        first_name_key="lukasz",
        last_name_key="wrobelnowak",
        phone="+48601234567",
        email="lukasz.wrobel@example.pl",
        date_of_birth=dt.date(1991, 3, 4),
    )


@pytest.fixture
def others():
    return [
        PersonFactory(
            first_name="Ana",
            last_name="Wróbel",
            first_name_key="ana",
            last_name_key="wrobel",
            phone="+40721000001",
            email="ana@example.ro",
            date_of_birth=dt.date(1988, 1, 2),
        ),
        PersonFactory(
            first_name="Olena",
            last_name="Kovalenko",
            first_name_key="olena",
            last_name_key="kovalenko",
            phone="+380501234567",
            email="olena@example.ua",
        ),
    ]


def find(client, **terms):
    data = {"name": "", "phone": "", "email": "", "date_of_birth": "", **terms}
    return client.post(URL, data)


def shown(response) -> list[int]:
    found = response.context["found"]
    return [person.pk for person in found.persons] if found else []


def test_the_url_is_the_persons_find_page():
    assert reverse("admin:enrolment_person_find") == URL


@pytest.mark.parametrize(
    "name", ["lukasz wrobel", "ŁUKASZ WRÓBEL-NOWAK", "Wrobel Nowak", "nowak l", "Łukasz"]
)
def test_a_name_is_found_whatever_its_case_accents_and_hyphens(ula, lukasz, others, name):
    assert shown(find(ula, name=name)) == [lukasz.pk]


def test_every_word_must_match_and_a_common_part_finds_everyone_who_has_it(ula, lukasz, others):
    assert sorted(shown(find(ula, name="wróbel"))) == sorted([lukasz.pk, others[0].pk])
    assert shown(find(ula, name="wrobel olena")) == []


@pytest.mark.parametrize(
    "phone", ["+48 601 234 567", "0048601234567", "+48-601-234-567", "+48601234567"]
)
def test_a_phone_number_is_normalised_as_a_roster_is(ula, lukasz, others, phone):
    assert shown(find(ula, phone=phone)) == [lukasz.pk]


def test_an_email_address_is_found_in_any_case(ula, lukasz, others):
    assert shown(find(ula, email="Lukasz.Wrobel@Example.PL")) == [lukasz.pk]


def test_a_date_of_birth_narrows_a_name(ula, lukasz, others):
    assert shown(find(ula, name="wrobel", date_of_birth="1988-01-02")) == [others[0].pk]


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"name": "Ł"}, "name"),
        ({"name": "-"}, "name"),
        ({"phone": "not a number"}, "phone"),
        ({"email": "nobody at all"}, "email"),
    ],
)
def test_a_term_too_short_or_malformed_is_refused_without_being_repeated(ula, lukasz, terms, field):
    response = find(ula, **terms)

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert response.context["found"] is None
    errors = " ".join(response.context["form"].errors[field])
    assert next(iter(terms.values())) not in errors
    assert not PersonAccess.objects.exists()


def test_a_date_of_birth_alone_is_not_a_search(ula, lukasz):
    response = find(ula, date_of_birth="1991-03-04")

    assert response.context["form"].non_field_errors()
    assert response.context["found"] is None
    assert not PersonAccess.objects.exists()


def test_each_search_records_one_row_per_person_shown_at_one_time(ula, lukasz, others):
    find(ula, name="wrobel")

    rows = list(PersonAccess.objects.all())
    assert sorted(row.person_id for row in rows) == sorted([lukasz.pk, others[0].pk])
    assert {(row.through, row.user_id, row.username) for row in rows} == {
        (PersonAccess.Through.SEARCH, ula.user.pk, "ula")
    }
    assert len({row.at for row in rows}) == 1
    # Which fields were searched, and how many were shown: never what was typed.
    assert {row.detail for row in rows} == {"by name; 2 shown"}


def test_a_search_that_shows_nobody_still_leaves_a_trace(ula, lukasz):
    find(ula, phone="+31612345678", email="nobody@example.nl")

    row = PersonAccess.objects.get()
    assert row.person_id is None
    assert row.detail == "by phone, e-mail; 0 shown"


def test_at_most_the_limit_is_shown_and_staff_are_told_to_narrow_it(ula):
    PersonFactory.create_batch(
        PERSON_SEARCH_LIMIT + 1, first_name="Ion", first_name_key="ion", last_name="Popescu"
    )

    response = find(ula, name="ion")

    assert len(shown(response)) == PERSON_SEARCH_LIMIT
    assert response.context["found"].more
    assert "narrow the search" in response.content.decode()
    assert PersonAccess.objects.count() == PERSON_SEARCH_LIMIT


def test_the_terms_never_reach_a_url_or_a_log(ula, lukasz, caplog):
    caplog.set_level("DEBUG")
    terms = {"name": "Łukasz Wróbel", "phone": "+48 601 234 567", "email": lukasz.email}

    response = find(ula, **terms)

    assert response.status_code == 200
    assert "Location" not in response
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    # The person is shown (that is the point), but every link carries an id alone.
    assert "Wróbel-Nowak" in page
    for href in re.findall(r'(?:href|action)="([^"]*)"', page):
        for value in ("Łukasz", "Wróbel", "lukasz", "wrobel", "601", "%C5%81", "example.pl"):
            assert value not in href
    assert f'href="/admin/enrolment/person/{lukasz.pk}/change/"' in page
    # The form posts to its own address, with no query string.
    assert re.search(r'<form method="post" id="person-find"', page)
    for value in ("Łukasz", "Wróbel", "601 234", "601234", "lukasz.wrobel"):
        assert value not in caplog.text


def test_opening_the_form_searches_nothing_and_records_nothing(ula, lukasz):
    response = ula.get(URL)

    assert response.status_code == 200
    assert response.context["found"] is None
    assert not PersonAccess.objects.exists()


def test_query_parameters_are_not_a_way_to_search(ula, lukasz):
    response = ula.get(URL, {"name": "lukasz"})

    assert response.context["found"] is None
    assert not PersonAccess.objects.exists()


def _staff_with(*codenames: str, organisation=None):
    user = UserFactory(organisation=organisation, is_staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def test_an_agency_user_with_a_staff_flag_and_the_permission_is_refused(client, lukasz):
    agency_user = UserFactory(is_staff=True)
    agency_user.user_permissions.add(Permission.objects.get(codename="view_person"))
    client.force_login(agency_user)

    assert find(client, name="lukasz").status_code == 403
    assert client.get(URL).status_code == 403
    assert not PersonAccess.objects.exists()


def test_union_staff_without_the_view_person_permission_are_refused(client, lukasz):
    client.force_login(_staff_with("view_personaccess"))

    assert find(client, name="lukasz").status_code == 403
    assert not PersonAccess.objects.exists()


def test_union_staff_with_the_view_person_permission_may_search(client, lukasz):
    client.force_login(_staff_with("view_person"))

    assert shown(find(client, name="lukasz")) == [lukasz.pk]


def test_someone_not_signed_in_is_sent_to_the_login_without_the_terms(client, lukasz):
    response = find(client, name="lukasz")

    assert response.status_code == 302
    assert "lukasz" not in response["Location"]
    assert not PersonAccess.objects.exists()


def test_the_person_list_offers_the_form_but_searches_by_id_only(ula, lukasz):
    page = ula.get(reverse("admin:enrolment_person_changelist")).content.decode()
    assert f'href="{URL}"' in page

    by_name = ula.get(reverse("admin:enrolment_person_changelist"), {"q": "Wróbel"})
    assert list(by_name.context["cl"].result_list) == []


# Fields that hold a member's name, date of birth, contact details or a worker number: no
# admin list may search them, because the changelist's ?q= puts the term in the URL.
PERSONAL_FIELDS = {
    Person: {
        "first_name",
        "last_name",
        "first_name_key",
        "last_name_key",
        "date_of_birth",
        "email",
        "phone",
        "postal_address",
        "bsn_hash",
    },
    WorkerNumber: {
        "worker_number",
        "first_name",
        "last_name",
        "first_name_key",
        "last_name_key",
        "date_of_birth",
    },
    PayrollLine: {"worker_number"},
    ContactChange: {"new_value"},
}


def _searched_field(model, path: str):
    path = path.lstrip("=^@")
    field = None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except Exception:
            return None  # a lookup such as __exact
        if field.is_relation and field.related_model is not None:
            model = field.related_model
    return field


def test_no_admin_list_searches_a_members_name_contact_details_or_worker_number():
    offending = []
    for model, model_admin in admin.site._registry.items():
        for path in model_admin.search_fields:
            field = _searched_field(model, path)
            if field is None or isinstance(field, models.ForeignObjectRel):
                continue
            if field.name in PERSONAL_FIELDS.get(field.model, ()):
                offending.append(f"{model._meta.label}: {path}")
    assert offending == []
