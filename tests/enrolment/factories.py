from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import factory

from enrolment.models import (
    EnrolmentPolicy,
    Membership,
    MembershipEvent,
    PayrollLine,
    Person,
    PossibleDuplicate,
    RosterUpload,
    WorkerNumber,
)
from tests.employers.factories import OrganisationFactory, SectorFactory


class EnrolmentPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnrolmentPolicy
        django_get_or_create = ("sector",)

    sector = factory.SubFactory(SectorFactory)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = "Łukasz"
    last_name = factory.Sequence(lambda n: f"Wróblewski{n}")
    first_name_key = factory.LazyAttribute(lambda p: p.first_name.lower().replace("ł", "l"))
    last_name_key = factory.LazyAttribute(
        lambda p: p.last_name.lower().replace("ó", "o").replace("ł", "l")
    )
    date_of_birth = dt.date(1990, 5, 17)
    email = factory.Sequence(lambda n: f"lukasz.w{n}@example.com")
    phone = factory.Sequence(lambda n: f"+48601{n:06d}")
    language = "pl"


class WorkerNumberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkerNumber

    organisation = factory.SubFactory(OrganisationFactory)
    worker_number = factory.Sequence(lambda n: f"W{n:06d}")
    person = factory.SubFactory(PersonFactory)
    first_name = factory.SelfAttribute("person.first_name")
    last_name = factory.SelfAttribute("person.last_name")
    first_name_key = factory.SelfAttribute("person.first_name_key")
    last_name_key = factory.SelfAttribute("person.last_name_key")
    date_of_birth = factory.SelfAttribute("person.date_of_birth")


class RosterUploadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RosterUpload

    organisation = factory.SubFactory(OrganisationFactory)
    source = RosterUpload.Source.CLI
    original_filename = "roster-2026-45.csv"
    storage_key = factory.LazyFunction(lambda: uuid.uuid4().hex)
    sha256 = factory.LazyAttribute(lambda u: hashlib.sha256(u.storage_key.encode()).hexdigest())
    size = 1024
    status = RosterUpload.Status.APPLIED
    period_start = dt.date(2026, 11, 2)
    period_end = dt.date(2026, 11, 8)
    rows = 1


class MembershipFactory(factory.django.DjangoModelFactory):
    """A membership enrolled by a roster, with the event that created it (invariant 2 of
    docs/architecture.md)."""

    class Meta:
        model = Membership
        skip_postgeneration_save = True

    person = factory.SubFactory(PersonFactory)
    sector = factory.SubFactory(SectorFactory)
    status = Membership.Status.ENROLLED
    covered_from = dt.date(2026, 11, 2)
    enrolled_on = dt.date(2026, 11, 10)
    window_ends = dt.date(2026, 12, 10)
    last_seen_period_end = dt.date(2026, 11, 8)

    @factory.post_generation
    def creation_event(self, create, extracted, **kwargs):
        if create and extracted is not False:
            MembershipEvent.objects.create(
                membership=self,
                from_status=None,
                to_status=self.status,
                actor=MembershipEvent.Actor.UPLOAD,
                upload=self.enrolled_by_upload,
                reason="roster",
            )


class PayrollLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PayrollLine

    upload = factory.SubFactory(RosterUploadFactory)
    organisation = factory.SelfAttribute("upload.organisation")
    person = factory.SubFactory(PersonFactory)
    sector = factory.SubFactory(SectorFactory)
    row_number = factory.Sequence(lambda n: n + 2)
    worker_number = factory.Sequence(lambda n: f"W{n:06d}")
    period_start = factory.SelfAttribute("upload.period_start")
    period_end = factory.SelfAttribute("upload.period_end")
    hours_worked = "38.00"
    gross_wages = "562.40"


class PossibleDuplicateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PossibleDuplicate

    person = factory.SubFactory(PersonFactory)
    candidate = factory.SubFactory(
        PersonFactory,
        first_name=factory.SelfAttribute("..person.first_name"),
        last_name=factory.SelfAttribute("..person.last_name"),
        date_of_birth=factory.SelfAttribute("..person.date_of_birth"),
        email=None,
        phone=None,
    )
