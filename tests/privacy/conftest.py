from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from enrolment.models import AccessCode, ContactChange, MembershipEvent, PersonAccess, SignInLink
from enrolment.services import person_access_record
from notifications.models import DeliveryAttempt, Notice
from tests.employers.factories import OrganisationFactory, SiteFactory, UnionAdminFactory
from tests.enrolment.factories import (
    MembershipFactory,
    PersonFactory,
    PossibleDuplicateFactory,
    RosterUploadFactory,
    WorkerNumberFactory,
)
from tests.levies.factories import levy_charge_for
from tests.notifications.factories import NoticeFactory, WorkplaceVisitFactory, recent_line

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def member_with_everything(db):
    """A member with a row in every section of the catalogue."""
    agency = OrganisationFactory(name="Flexwerk Uitzendbureau B.V.")
    site = SiteFactory(name="Vleesfabriek Boxtel")
    person = PersonFactory(
        first_name="Ionuț",
        last_name="Drăgulescu",
        date_of_birth=dt.date(1994, 3, 9),
        phone="+40722111333",
        email="ionut.d@example.ro",
        language="ro",
        phone_set_by_member=True,
        postal_address="Str. Florilor 12\n5281 AB Boxtel",
        bsn_hash="ab" * 32,
    )
    upload = RosterUploadFactory(organisation=agency)
    WorkerNumberFactory(person=person, organisation=agency, worker_number="FW-20931")
    membership = MembershipFactory(
        person=person, sector=site.sector, enrolled_by_upload=upload, status="active"
    )
    MembershipEvent.objects.create(
        membership=membership,
        from_status="enrolled",
        to_status="opted_out",
        actor=MembershipEvent.Actor.MEMBER,
        reason="opt_out",
        note="",
        data={"receipt": "L-7KQ2-M9XD", "spell": 1},
    )
    line = recent_line(
        person=person,
        site=site,
        upload=upload,
        worker_number="FW-20931",
        housing_deduction="95.00",
        cao_phase="A",
    )
    levy_charge_for(line, status="held")
    welcome = NoticeFactory(membership=membership, channel="sms", status="sent", sent_at=NOW)
    DeliveryAttempt.objects.create(
        item="notice", item_id=welcome.pk, attempt=1, channel="sms", result="sent", at=NOW
    )
    visit = WorkplaceVisitFactory(site=site)
    NoticeFactory(
        membership=membership,
        kind=Notice.Kind.VISIT,
        subject=f"visit:{visit.pk}:v1",
        data={"visit": visit.pk},
    )
    NoticeFactory(
        membership=membership,
        kind=Notice.Kind.CONTACT_CHANGED,
        subject="contact:phone:1",
        data={"field": "phone", "previous": "+40722000999"},
    )
    SignInLink.objects.create(
        membership=membership,
        token_hash=hashlib.sha256(b"t").hexdigest(),
        channel="sms",
        purpose="welcome",
        destination="leave",
        expires_at=NOW + dt.timedelta(days=30),
        sent_at=NOW,
        used_at=NOW,
    )
    AccessCode.objects.create(membership=membership, code_hash=hashlib.sha256(b"c").hexdigest())
    ContactChange.objects.create(
        person=person,
        field="phone",
        new_value="+40722111333",
        code_hash=hashlib.sha256(b"x").hexdigest(),
        created_at=NOW,
        expires_at=NOW + dt.timedelta(minutes=15),
        sent_at=NOW,
        confirmed_at=NOW + dt.timedelta(minutes=2),
    )
    PossibleDuplicateFactory(person=person, upload=upload)
    PossibleDuplicateFactory(candidate=PersonFactory(), person=PersonFactory())
    other = PossibleDuplicateFactory(upload=upload)
    other.candidate = person
    other.save()
    person_access_record(
        user=UnionAdminFactory(username="m.jansen"),
        person_ids=[person.pk],
        through=PersonAccess.Through.ADMIN_PERSON,
        detail=f"person {person.pk}",
    )
    assert timezone.is_aware(NOW)
    return person
