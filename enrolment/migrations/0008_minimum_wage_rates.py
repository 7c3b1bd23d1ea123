"""The minimum wage rates the system ships with; admins add later ones in the admin."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

ADULT_HOURLY = {
    dt.date(2024, 1, 1): Decimal("13.27"),
    dt.date(2024, 7, 1): Decimal("13.68"),
    dt.date(2025, 1, 1): Decimal("14.06"),
    dt.date(2025, 7, 1): Decimal("14.40"),
    dt.date(2026, 1, 1): Decimal("14.71"),
}
YOUTH_PERCENT = {
    20: Decimal("80"),
    19: Decimal("60"),
    18: Decimal("50"),
    17: Decimal("39.5"),
    16: Decimal("34.5"),
    15: Decimal("30"),
}


def load(apps, schema_editor):
    rate = apps.get_model("enrolment", "MinimumWageRate")
    share = apps.get_model("enrolment", "MinimumWageYouthShare")
    for valid_from, hourly in ADULT_HOURLY.items():
        rate.objects.get_or_create(valid_from=valid_from, defaults={"hourly": hourly})
    for age, percent in YOUTH_PERCENT.items():
        share.objects.get_or_create(age=age, defaults={"percent": percent})


class Migration(migrations.Migration):
    dependencies = [("enrolment", "0007_minimum_wage")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
