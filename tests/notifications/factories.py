from __future__ import annotations

import factory

from notifications.models import Notice
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
