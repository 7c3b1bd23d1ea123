"""Who read what (issue 13): every staff read of one person's data writes an access-log row.

The first test walks every registered admin page whose model refers to a person, a membership or
a notice: a new admin page that shows a person's data without recording the read fails here.
"""

from __future__ import annotations

import datetime as dt
import getpass
import uuid
from io import StringIO

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone

from enrolment.models import (
    AccessCode,
    ContactChange,
    Membership,
    MembershipEvent,
    PayrollLine,
    Person,
    PersonAccess,
    PossibleDuplicate,
    SignInLink,
    WorkerNumber,
)
from enrolment.selectors import person_accesses
from enrolment.services import person_access_record
from levies.models import LevyCharge
from notifications.models import Letter, Notice
from notifications.services import notice_deliver
from privacy.models import Erasure
from tests.employers.factories import (
    OrganisationFactory,
    SectorFactory,
    SiteFactory,
    UnionAdminFactory,
    UserFactory,
)
from tests.enrolment.factories import (
    MembershipFactory,
    PayrollLineFactory,
    PersonFactory,
    WorkerNumberFactory,
)
from tests.levies.factories import levy_charge_for
from tests.notifications.factories import NoticeFactory, WorkplaceVisitFactory, recent_line

pytestmark = pytest.mark.django_db

T = PersonAccess.Through
PERSONAL = (Person, Membership, Notice)
# Reading the access log itself is not logged: it shows ids, staff names and ways in, none of
# the members' data, and logging it would grow the log by every look at it.
# The access log itself (ids and staff names), and the record of an erasure (the person is an id
# and everything personal about them is gone).
NOT_A_READ_OF_PERSONAL_DATA = {PersonAccess, Erasure}


def _refers_to_a_person(model) -> bool:
    if model is Person:
        return True
    return any(
        isinstance(field, models.ForeignKey) and field.related_model in PERSONAL
        for field in model._meta.get_fields()
    )


def _person_pages() -> list:
    return sorted(
        (
            model
            for model in admin.site._registry
            if _refers_to_a_person(model) and model not in NOT_A_READ_OF_PERSONAL_DATA
        ),
        key=lambda model: model._meta.label,
    )


# --- One object of each kind, and whose data its page shows --------------------------------------


def _membership(person) -> Membership:
    return MembershipFactory(person=person)


def _levy_charge(person) -> LevyCharge:
    return levy_charge_for(PayrollLineFactory(person=person))


def _possible_duplicate(person) -> tuple[PossibleDuplicate, list[int]]:
    other = PersonFactory()
    duplicate = PossibleDuplicate.objects.create(person=person, candidate=other)
    return duplicate, [person.pk, other.pk]


def _contact_change(person) -> ContactChange:
    now = timezone.now()
    return ContactChange.objects.create(
        person=person,
        field=ContactChange.Field.PHONE,
        new_value="+48601999999",
        code_hash="0" * 64,
        created_at=now,
        expires_at=now + dt.timedelta(minutes=15),
    )


def _sign_in_link(person) -> SignInLink:
    return SignInLink.objects.create(
        membership=_membership(person),
        token_hash=uuid.uuid4().hex * 2,
        channel="sms",
        expires_at=timezone.now() + dt.timedelta(minutes=15),
    )


def _access_code(person) -> AccessCode:
    return AccessCode.objects.create(membership=_membership(person), code_hash=uuid.uuid4().hex)


def _letter(person) -> Letter:
    notice = NoticeFactory(membership=_membership(person), channel=Notice.Channel.LETTER)
    return Letter.objects.get(pk=notice.pk)


MAKERS = {
    Person: (lambda person: person, T.ADMIN_PERSON),
    Membership: (_membership, T.ADMIN_MEMBERSHIP),
    MembershipEvent: (lambda p: _membership(p).events.get(), T.ADMIN_MEMBERSHIP_EVENT),
    WorkerNumber: (lambda person: WorkerNumberFactory(person=person), T.ADMIN_WORKER_NUMBER),
    PossibleDuplicate: (_possible_duplicate, T.ADMIN_POSSIBLE_DUPLICATE),
    PayrollLine: (lambda person: PayrollLineFactory(person=person), T.ADMIN_PAYROLL_LINE),
    ContactChange: (_contact_change, T.ADMIN_CONTACT_CHANGE),
    SignInLink: (_sign_in_link, T.ADMIN_SIGN_IN_LINK),
    AccessCode: (_access_code, T.ADMIN_ACCESS_CODE),
    Notice: (lambda person: NoticeFactory(membership=_membership(person)), T.ADMIN_NOTICE),
    Letter: (_letter, T.ADMIN_LETTER),
    LevyCharge: (_levy_charge, T.ADMIN_LEVY_CHARGE),
}


def _made(model, person) -> tuple[models.Model, list[int], str]:
    make, through = MAKERS[model]
    made = make(person)
    obj, person_ids = made if isinstance(made, tuple) else (made, [person.pk])
    return obj, person_ids, through


@pytest.fixture
def ula(client):
    user = UnionAdminFactory(username="ula")
    client.force_login(user)
    client.user = user
    return client


def test_the_walk_finds_the_pages_of_persons_memberships_and_notices():
    pages = set(_person_pages())

    assert {Person, Membership, Notice, Letter, PayrollLine, LevyCharge} <= pages


@pytest.mark.parametrize("model", _person_pages(), ids=lambda model: model._meta.label)
def test_opening_a_page_of_one_persons_data_records_exactly_one_read_of_them(ula, model):
    assert model in MAKERS, (
        f"{model._meta.label} has an admin page that refers to a person: make it record reads "
        "(enrolment.admin.PersonAccessLogged) and add it to MAKERS here"
    )
    person = PersonFactory()
    obj, person_ids, through = _made(model, person)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])

    response = ula.get(url)

    assert response.status_code == 200
    rows = list(PersonAccess.objects.order_by("id"))
    assert sorted(row.person_id for row in rows) == sorted(person_ids)
    for row in rows:
        assert row.through == through
        assert row.user == ula.user
        assert row.username == "ula"
        assert row.detail == f"{model._meta.verbose_name} {obj.pk}"
        assert row.at is not None


@pytest.mark.parametrize("model", _person_pages(), ids=lambda model: model._meta.label)
def test_a_list_shows_no_one_persons_data_and_records_nothing(ula, model):
    person = PersonFactory(first_name="Świętosław", last_name="Dąbrowski-Kowalczyk")
    _made(model, person)

    response = ula.get(
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    )

    assert response.status_code == 200
    assert "Dąbrowski" not in response.content.decode()
    assert not PersonAccess.objects.exists()


def test_the_person_page_leaves_an_access_row_and_no_log_line_about_the_person(ula, caplog):
    person = PersonFactory(first_name="Świętosław", last_name="Dąbrowski")
    caplog.set_level("DEBUG")

    ula.get(reverse("admin:enrolment_person_change", args=[person.pk]))

    assert PersonAccess.objects.get().person_id == person.pk
    assert "Dąbrowski" not in caplog.text
    assert f"person {person.pk}" not in caplog.text


def test_saving_the_postal_address_reads_nothing_new_but_its_form_page_did(ula):
    person = PersonFactory()
    url = reverse("admin:enrolment_person_change", args=[person.pk])
    ula.get(url)

    response = ula.post(url, {"postal_address": "ul. Długa 5\n00-001 Warszawa", **_no_inlines()})

    assert response.status_code == 302
    assert PersonAccess.objects.count() == 1


def _no_inlines() -> dict[str, str]:
    data = {}
    for prefix in ("worker_numbers", "memberships"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


# --- Letters ------------------------------------------------------------------------------------

PRINTED = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


def _printed_letter(person, sector) -> Notice:
    notice = NoticeFactory(membership=MembershipFactory(person=person, sector=sector))
    with time_machine.travel(PRINTED, tick=False):
        notice_deliver(notice_id=notice.pk)
    notice.refresh_from_db()
    assert notice.channel == Notice.Channel.LETTER and notice.document
    return notice


def test_downloading_a_letters_pdf_records_a_read_of_its_member(ula):
    person = PersonFactory(phone=None, email=None)
    letter = _printed_letter(person, SectorFactory())

    response = ula.get(reverse("admin:notifications_letter_pdf", args=[letter.pk]))

    assert response.status_code == 200
    row = PersonAccess.objects.get()
    assert (row.person_id, row.through, row.detail) == (
        person.pk,
        T.ADMIN_LETTER,
        f"letter {letter.pk} PDF",
    )


def test_a_visits_print_run_records_a_read_of_each_member_printed(ula):
    site = SiteFactory(sector=SectorFactory(code="meat"))
    visit = WorkplaceVisitFactory(site=site)
    printed = []
    for name in ("Kowalska", "Popescu"):
        person = PersonFactory(phone=None, email=None, last_name=name)
        _printed_letter(person, site.sector)
        recent_line(person=person, site=site, period_end=dt.date(2026, 11, 22))
        printed.append(person.pk)

    response = ula.get(reverse("admin:notifications_workplacevisit_letters_pdf", args=[visit.pk]))

    assert response.status_code == 200
    rows = PersonAccess.objects.all()
    assert sorted(row.person_id for row in rows) == sorted(printed)
    assert {(row.through, row.detail) for row in rows} == {
        (T.ADMIN_LETTER, f"visit {visit.pk} letters PDF")
    }


def test_a_letters_pdf_refused_to_an_agency_user_records_nothing(client):
    person = PersonFactory(phone=None, email=None)
    letter = _printed_letter(person, SectorFactory())
    client.force_login(UserFactory(is_staff=True))

    response = client.get(reverse("admin:notifications_letter_pdf", args=[letter.pk]))

    assert response.status_code == 403
    assert not PersonAccess.objects.exists()


# --- membership_show ------------------------------------------------------------------------------


@pytest.fixture
def membership():
    agency = OrganisationFactory(kvk="12345678", sectors=[SectorFactory()])
    membership = MembershipFactory(sector=agency.sectors.get())
    WorkerNumberFactory(organisation=agency, worker_number="0042", person=membership.person)
    return membership


def show(*extra: str) -> str:
    out = StringIO()
    args = ["--organisation", "12345678", "--worker-number", "0042", *extra]
    call_command("membership_show", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_membership_show_records_the_operating_system_account_that_ran_it(membership):
    show()

    row = PersonAccess.objects.get()
    assert row.person_id == membership.person_id
    assert row.through == T.MEMBERSHIP_SHOW
    assert row.detail == f"membership {membership.pk}"
    assert row.user is None
    assert row.username == getpass.getuser()


def test_membership_show_records_the_union_staff_member_it_is_told(membership):
    staff = UnionAdminFactory(username="ula")

    show("--json", "--staff", "ula")

    row = PersonAccess.objects.get()
    assert (row.user, row.username, row.person_id) == (staff, "ula", membership.person_id)


@pytest.mark.parametrize("who", ["nobody", "agency"])
def test_membership_show_refuses_a_staff_name_that_is_not_union_staff(membership, who):
    UserFactory(username="agency", is_staff=True)

    with pytest.raises(CommandError, match="union staff"):
        show("--staff", who)

    assert not PersonAccess.objects.exists()


def test_membership_show_of_an_unknown_worker_records_nothing(membership):
    with pytest.raises(CommandError):
        call_command(
            "membership_show",
            "--organisation",
            "12345678",
            "--worker-number",
            "9999",
            stdout=StringIO(),
        )

    assert not PersonAccess.objects.exists()


# --- The log itself ---------------------------------------------------------------------------


def test_the_access_log_refuses_updates_and_deletes_in_the_database():
    person = PersonFactory()
    (row,) = person_access_record(
        user=UnionAdminFactory(), person_ids=[person.pk], through=T.ADMIN_PERSON
    )

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        PersonAccess.objects.filter(pk=row.pk).update(detail="nothing to see")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        PersonAccess.objects.filter(pk=row.pk).delete()

    assert PersonAccess.objects.get().detail == ""


def test_a_read_without_a_user_is_a_command_lines_only():
    person = PersonFactory()

    with pytest.raises(ValueError):
        person_access_record(
            user=None, username="root", person_ids=[person.pk], through=T.ADMIN_PERSON
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonAccess.objects.create(username="root", person=person, through=T.ADMIN_PERSON)


def test_one_record_per_person_and_one_for_a_search_that_found_nobody():
    staff = UnionAdminFactory()
    a, b = PersonFactory(), PersonFactory()

    rows = person_access_record(
        user=staff, person_ids=[a.pk, b.pk, a.pk], through=T.SEARCH, detail="by name; 2 shown"
    )
    nobody = person_access_record(user=staff, person_ids=[], through=T.SEARCH)
    nothing = person_access_record(user=staff, person_ids=[], through=T.ADMIN_NOTICE)

    assert [row.person_id for row in rows] == [a.pk, b.pk]
    assert len({row.at for row in PersonAccess.objects.filter(person__isnull=False)}) == 1
    assert [(row.person_id, row.through) for row in nobody] == [(None, T.SEARCH)]
    assert nothing == []


def test_the_members_export_lists_who_read_their_data_when_and_through_what():
    person, other = PersonFactory(), PersonFactory()
    staff = UnionAdminFactory(username="ula")
    person_access_record(user=staff, person_ids=[person.pk], through=T.ADMIN_PERSON)
    person_access_record(user=staff, person_ids=[other.pk], through=T.ADMIN_PERSON)
    person_access_record(
        user=None,
        username="jan",
        person_ids=[person.pk],
        through=T.MEMBERSHIP_SHOW,
        detail="membership 7",
    )

    listed = person_accesses(person_id=person.pk)

    assert [(r["by"], r["through"], r["detail"]) for r in listed] == [
        ("ula", "admin_person", ""),
        ("jan", "membership_show", "membership 7"),
    ]
    assert listed[0]["through_label"] == "admin: the person's page"
    assert all(isinstance(r["at"], dt.datetime) for r in listed)


# --- The access log in the admin ---------------------------------------------------------------


def _staff_with(*codenames: str):
    user = UserFactory(organisation=None, is_staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def test_the_person_page_links_to_who_read_it_and_the_list_shows_that_person_only(ula):
    person, other = PersonFactory(), PersonFactory()
    ula.get(reverse("admin:enrolment_person_change", args=[other.pk]))

    page = ula.get(reverse("admin:enrolment_person_change", args=[person.pk])).content.decode()

    log_url = reverse("admin:enrolment_personaccess_changelist")
    link = f"{log_url}?person__id__exact={person.pk}"
    assert link in page
    listed = ula.get(link)
    assert listed.status_code == 200
    assert [row.person_id for row in listed.context["cl"].result_list] == [person.pk]
    # Reading the log is not a read of anyone's data: no new rows.
    assert PersonAccess.objects.count() == 2


def test_the_access_log_is_read_only_for_everyone(ula):
    (row,) = person_access_record(
        user=ula.user, person_ids=[PersonFactory().pk], through=T.ADMIN_PERSON
    )

    assert ula.get(reverse("admin:enrolment_personaccess_add")).status_code == 403
    assert ula.get(reverse("admin:enrolment_personaccess_delete", args=[row.pk])).status_code == 403
    page = ula.get(reverse("admin:enrolment_personaccess_change", args=[row.pk]))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert ula.post(
        reverse("admin:enrolment_personaccess_change", args=[row.pk]), {}
    ).status_code in (
        302,
        403,
    )
    assert PersonAccess.objects.get().username == "ula"


def test_staff_without_the_permission_and_agency_users_cannot_read_the_access_log(client):
    person = PersonFactory()
    url = reverse("admin:enrolment_personaccess_changelist")

    client.force_login(_staff_with("view_person"))
    assert client.get(url).status_code == 403
    page = client.get(reverse("admin:enrolment_person_change", args=[person.pk])).content.decode()
    assert "Who read this person" not in page

    agency = UserFactory(is_staff=True)
    agency.user_permissions.add(Permission.objects.get(codename="view_personaccess"))
    client.force_login(agency)
    assert client.get(url).status_code == 403

    client.force_login(_staff_with("view_personaccess"))
    assert client.get(url).status_code == 200
