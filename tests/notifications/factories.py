from __future__ import annotations

import datetime as dt

import factory

from notifications.models import Notice, WorkplaceVisit
from tests.employers.factories import OrganisationFactory, SiteFactory
from tests.enrolment.factories import MembershipFactory


class NoticeFactory(factory.django.DjangoModelFactory):
    """A welcome notice for a fresh enrolment, due; pass ``kind``/``data`` for the others."""

    class Meta:
        model = Notice

    membership = factory.SubFactory(MembershipFactory)
    person = factory.SelfAttribute("membership.person")
    kind = Notice.Kind.WELCOME
    subject = factory.LazyAttribute(
        lambda n: f"membership:{n.membership.pk}:spell:{n.membership.spell}"
    )
    status = Notice.Status.DUE


def recent_line(*, person, site, period_end=dt.date(2026, 11, 22), **kwargs):
    """A current payroll line of ``person`` at ``site`` for the week ending ``period_end``."""
    from tests.enrolment.factories import PayrollLineFactory, RosterUploadFactory

    upload = kwargs.pop("upload", None) or RosterUploadFactory(
        organisation=kwargs.pop("organisation", None) or OrganisationFactory(),
        period_start=period_end - dt.timedelta(days=6),
        period_end=period_end,
    )
    return PayrollLineFactory(
        upload=upload,
        person=person,
        sector=kwargs.pop("sector", None) or site.sector,
        hirer=site.hirer,
        site=site,
        **kwargs,
    )


class WorkplaceVisitFactory(factory.django.DjangoModelFactory):
    """A workplace visit on Thursday 3 December 2026, 12:00-14:00 Dutch time."""

    class Meta:
        model = WorkplaceVisit

    site = factory.SubFactory(SiteFactory)
    starts_at = dt.datetime(2026, 12, 3, 11, 0, tzinfo=dt.UTC)
    ends_at = factory.LazyAttribute(lambda visit: visit.starts_at + dt.timedelta(hours=2))
    place = "Kantine, gebouw B"
    languages = factory.LazyFunction(lambda: ["pl", "ro"])
    note = "Koffie staat klaar."
    notify_days_ahead = 3
