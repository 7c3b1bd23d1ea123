from __future__ import annotations

import datetime as dt

import factory

from enrolment.models import RightsText


class RightsTextFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RightsText

    topic = RightsText.Topic.HOLIDAY_PAY
    language = "en"
    phase = ""
    valid_from = dt.date(2026, 1, 1)
    title = factory.Sequence(lambda n: f"Rights title {n}")
    body = "First paragraph.\n\nSecond paragraph."
