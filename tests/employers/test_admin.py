"""The admin for union staff: every model reachable, personal data masked, writes via services."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from employers.models import ApiKey, Organisation, User
from employers.selectors import api_key_authenticate
from employers.services import api_key_create
from enrolment.credentials import access_code_issue, signin_link_create
from enrolment.models import (
    EnrolmentPolicy,
    Membership,
    MembershipEvent,
    PayrollLine,
    Person,
    PersonAccess,
    PossibleDuplicate,
    RosterUpload,
    WorkerNumber,
)
from enrolment.services.member_details import person_details_save
from notifications.models import DeliveryAttempt, Notice, OrganisationNotice
from tests.employers.factories import (
    HirerFactory,
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
    PossibleDuplicateFactory,
    RosterUploadFactory,
    WorkerNumberFactory,
)
from tests.notifications.factories import WorkplaceVisitFactory
from unionroll.admin import mask_name

pytestmark = pytest.mark.django_db

APPS = {"employers", "enrolment", "notifications"}


@pytest.fixture
def union_admin_client(client):
    client.force_login(UnionAdminFactory())
    return client


def one_of_each() -> None:
    """At least one row of every model the admin shows, so each change page has something."""
    sector = SectorFactory()
    EnrolmentPolicy.objects.get_or_create(sector=sector)
    agency = OrganisationFactory(sectors=[sector])
    SiteFactory(hirer=HirerFactory(), sector=sector)
    UserFactory(organisation=agency)
    api_key_create(organisation=agency, name="payroll")
    upload = RosterUploadFactory(organisation=agency)
    membership = MembershipFactory(sector=sector, enrolled_by_upload=upload)
    WorkerNumberFactory(organisation=agency, person=membership.person)
    PayrollLineFactory(upload=upload, person=membership.person, sector=sector)
    PossibleDuplicateFactory(upload=upload)
    notice = Notice.objects.create(
        person=membership.person,
        membership=membership,
        kind=Notice.Kind.WELCOME,
        subject=f"membership:{membership.pk}:spell:1",
    )
    DeliveryAttempt.objects.create(
        item="notice", item_id=notice.pk, attempt=1, channel="sms", result="sent", at=timezone.now()
    )
    # A printed letter (the Letters admin shows only those).
    Notice.objects.create(
        person=membership.person,
        membership=membership,
        kind=Notice.Kind.OPT_OUT,
        subject=f"membership:{membership.pk}:spell:1",
        channel=Notice.Channel.LETTER,
        status=Notice.Status.QUEUED_FOR_PRINT,
    )
    visit = WorkplaceVisitFactory(site=SiteFactory(hirer=HirerFactory(), sector=sector))
    OrganisationNotice.objects.create(
        organisation=agency,
        kind="visit_access",
        subject=f"visit:{visit.pk}:v1",
        data={"role": "agency"},
    )
    signin_link_create(membership_id=membership.pk, channel="sms")
    access_code_issue(membership_id=membership.pk)
    person_details_save(
        person_id=membership.person_id,
        language="en",
        phone="+31612345678",
        email=membership.person.email,
        client="192.0.2.1",
    )


def registered_models() -> list[type]:
    return [model for model in admin.site._registry if model._meta.app_label in APPS]


def admin_url(model: type, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


# Kept out of the admin on purpose: a SignInRequest is what someone typed to ask for a sign-in
# link (a phone number or address, a member's or not), kept for the seconds until its task
# looks it up (docs/portal.md). Nobody is to browse it.
NOT_IN_ADMIN = {"enrolment.signinrequest"}


def test_every_model_of_the_apps_is_in_the_admin():
    from django.apps import apps

    expected = {
        m
        for label in APPS
        for m in apps.get_app_config(label).get_models()
        if m._meta.label_lower not in NOT_IN_ADMIN
    }

    assert expected <= set(registered_models())
    assert not [m for m in registered_models() if m._meta.label_lower in NOT_IN_ADMIN]


def test_a_union_admin_can_open_every_changelist_and_change_page(union_admin_client):
    one_of_each()

    for model in registered_models():
        instance = model._default_manager.order_by("pk").first()
        assert instance is not None, model

        changelist = union_admin_client.get(admin_url(model, "changelist"))
        change = union_admin_client.get(admin_url(model, "change", instance.pk))

        assert changelist.status_code == 200, model
        assert change.status_code == 200, model
        if admin.site._registry[model].has_add_permission(changelist.wsgi_request):
            assert union_admin_client.get(admin_url(model, "add")).status_code == 200, model


def test_person_list_masks_names_and_hides_contact_details(union_admin_client):
    person = PersonFactory(
        first_name="Łukasz",
        last_name="Wróblewski",
        email="lukasz.wroblewski@example.com",
        phone="+48601234567",
        date_of_birth=dt.date(1990, 5, 17),
    )

    html = union_admin_client.get(admin_url(Person, "changelist")).content.decode()

    assert "Ł. W****" in html
    assert "1990" in html
    assert "Wróblewski" not in html
    assert "Łukasz" not in html
    assert "lukasz.wroblewski" not in html
    assert "601234567" not in html
    assert "1990-05-17" not in html and "May 17, 1990" not in html
    assert f">{person.pk}<" in html


def test_mask_name_keeps_only_initials():
    assert mask_name("Łukasz", "Wróblewski") == "Ł. W****"
    assert mask_name("", "Popescu") == "P****"


def test_person_page_shows_details_but_never_the_bsn_hash(union_admin_client, caplog):
    person = PersonFactory(last_name="Popescu", bsn_hash="ab" * 32)

    with caplog.at_level(logging.INFO, logger="enrolment.admin"):
        html = union_admin_client.get(admin_url(Person, "change", person.pk)).content.decode()

    assert "Popescu" in html
    assert "ab" * 32 not in html
    assert 'name="bsn_hash"' not in html
    assert 'name="last_name"' not in html  # read-only: persons change through services only
    # The read is in the access log (tests/enrolment/test_access_log.py), not in the logs.
    assert PersonAccess.objects.get().person_id == person.pk
    assert "Popescu" not in caplog.text


def test_membership_and_line_and_worker_number_lists_show_no_personal_data(union_admin_client):
    person = PersonFactory(first_name="Ioana", last_name="Popescu", email="ioana@example.ro")
    agency = OrganisationFactory()
    upload = RosterUploadFactory(organisation=agency, original_filename="Popescu Ioana.csv")
    MembershipFactory(person=person)
    WorkerNumberFactory(organisation=agency, person=person, worker_number="98765432")
    PayrollLineFactory(upload=upload, person=person, worker_number="98765432")

    for model in (Membership, MembershipEvent, PayrollLine, WorkerNumber, RosterUpload):
        html = union_admin_client.get(admin_url(model, "changelist")).content.decode()
        for secret in ("Popescu", "Ioana", "ioana@example.ro", "98765432"):
            assert secret not in html, (model, secret)


def test_membership_events_cannot_be_added_changed_or_deleted_in_the_admin(union_admin_client):
    membership = MembershipFactory()
    event = membership.events.get()
    model_admin = admin.site._registry[MembershipEvent]
    request = union_admin_client.get(admin_url(MembershipEvent, "changelist")).wsgi_request

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert union_admin_client.get(admin_url(MembershipEvent, "add")).status_code == 403
    response = union_admin_client.post(
        admin_url(MembershipEvent, "change", event.pk), {"reason": "edited"}
    )
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.reason == "roster"


def test_membership_status_is_read_only_in_the_admin(union_admin_client):
    membership = MembershipFactory()

    union_admin_client.post(admin_url(Membership, "change", membership.pk), {"status": "active"})

    membership.refresh_from_db()
    assert membership.status == Membership.Status.ENROLLED


def test_admin_action_opts_a_member_out_who_phoned(union_admin_client):
    membership = MembershipFactory()

    response = union_admin_client.post(
        admin_url(Membership, "changelist"),
        {"action": "opt_out_by_phone", "_selected_action": [membership.pk]},
        follow=True,
    )

    membership.refresh_from_db()
    assert membership.status == Membership.Status.OPTED_OUT
    event = membership.events.order_by("id").last()
    assert event.actor == MembershipEvent.Actor.ADMIN
    assert event.actor_user == response.wsgi_request.user
    assert "Opted out 1 membership(s)." in response.content.decode()


def test_api_key_admin_lists_keys_without_hashes_and_revokes_them(union_admin_client):
    api_key, raw_key = api_key_create(organisation=OrganisationFactory(), name="payroll")

    listing = union_admin_client.get(admin_url(ApiKey, "changelist")).content.decode()
    page = union_admin_client.get(admin_url(ApiKey, "change", api_key.pk)).content.decode()
    union_admin_client.post(
        admin_url(ApiKey, "changelist"),
        {"action": "revoke", "_selected_action": [api_key.pk]},
    )

    assert api_key.prefix in listing
    for html in (listing, page):
        assert api_key.key_hash not in html
        assert raw_key not in html
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert api_key_authenticate(raw_key) is None


def test_api_keys_are_not_created_in_the_admin(union_admin_client):
    assert union_admin_client.get(admin_url(ApiKey, "add")).status_code == 403


def test_possible_duplicate_can_be_dismissed_from_the_admin(union_admin_client):
    duplicate = PossibleDuplicateFactory()

    union_admin_client.post(
        admin_url(PossibleDuplicate, "changelist"),
        {"action": "dismiss", "_selected_action": [duplicate.pk]},
    )

    duplicate.refresh_from_db()
    assert duplicate.status == PossibleDuplicate.Status.DISMISSED
    assert duplicate.decided_by is not None


def test_possible_duplicate_can_be_confirmed_from_the_admin(union_admin_client):
    duplicate = PossibleDuplicateFactory()

    union_admin_client.post(
        admin_url(PossibleDuplicate, "changelist"),
        {"action": "confirm", "_selected_action": [duplicate.pk]},
    )

    duplicate.refresh_from_db()
    assert duplicate.status == PossibleDuplicate.Status.CONFIRMED
    merged = {duplicate.person, duplicate.candidate}
    assert any(p.merged_into_id for p in Person.objects.filter(pk__in=[p.pk for p in merged]))


def test_sector_page_edits_its_enrolment_policy_inline(union_admin_client):
    response = union_admin_client.post(
        reverse("admin:employers_sector_add"),
        {
            "code": "dc",
            "name": "Distribution centres",
            "collective_agreement": "",
            "policy-TOTAL_FORMS": "1",
            "policy-INITIAL_FORMS": "0",
            "policy-MIN_NUM_FORMS": "1",
            "policy-MAX_NUM_FORMS": "1",
            "policy-0-covered": "on",
            "policy-0-minimum_age": "18",
            "policy-0-opt_out_window_months": "2",
            "policy-0-reenrol_after_days": "",
            "policy-0-lapse_weeks": "13",
        },
    )

    assert response.status_code == 302
    policy = EnrolmentPolicy.objects.get(sector__code="dc")
    assert (policy.covered, policy.minimum_age, policy.opt_out_window_months) == (True, 18, 2)


def test_user_admin_sets_the_organisation(union_admin_client):
    agency = OrganisationFactory()
    user = UserFactory(organisation=None)
    page = union_admin_client.get(admin_url(User, "change", user.pk)).content.decode()

    response = union_admin_client.post(
        admin_url(User, "change", user.pk),
        {
            "username": user.username,
            "email": user.email,
            "is_active": "on",
            "date_joined_0": "2026-11-01",
            "date_joined_1": "09:00:00",
            "organisation": agency.pk,
        },
    )

    assert 'name="organisation"' in page
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.organisation == agency


@pytest.mark.parametrize("path", ["/admin/", "/admin/enrolment/person/"])
def test_agency_staff_are_sent_away_from_the_admin(client, path):
    client.force_login(UserFactory(organisation=OrganisationFactory()))

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_organisation_admin_search_by_kvk(union_admin_client):
    OrganisationFactory(kvk="12345678", name="Flexwerk B.V.")
    OrganisationFactory(kvk="23456789", name="Other B.V.")

    html = union_admin_client.get(
        admin_url(Organisation, "changelist"), {"q": "12345678"}
    ).content.decode()

    assert "Flexwerk B.V." in html
    assert "Other B.V." not in html
