"""A worker number keeps who its organisation last gave it for (name and date of birth as that
organisation's roster wrote them), so that a later roster's worker is compared with the
organisation's own earlier files, not with the person record (docs/enrolment.md, "Who is a
person"). Numbers that exist already take their person's values."""

from django.db import migrations, models

BACKFILL = """
UPDATE enrolment_workernumber n
SET first_name = p.first_name, last_name = p.last_name,
    first_name_key = p.first_name_key, last_name_key = p.last_name_key,
    date_of_birth = p.date_of_birth
FROM enrolment_person p
WHERE p.id = n.person_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("enrolment", "0013_roster_upload_failure_reason"),
    ]

    operations = [
        migrations.AddField(
            model_name="workernumber",
            name="first_name",
            field=models.CharField(max_length=200, null=True),
        ),
        migrations.AddField(
            model_name="workernumber",
            name="last_name",
            field=models.CharField(max_length=200, null=True),
        ),
        migrations.AddField(
            model_name="workernumber",
            name="first_name_key",
            field=models.CharField(db_collation="C", max_length=200, null=True),
        ),
        migrations.AddField(
            model_name="workernumber",
            name="last_name_key",
            field=models.CharField(db_collation="C", max_length=200, null=True),
        ),
        migrations.AddField(
            model_name="workernumber",
            name="date_of_birth",
            field=models.DateField(null=True),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="workernumber",
            name="first_name",
            field=models.CharField(max_length=200),
        ),
        migrations.AlterField(
            model_name="workernumber",
            name="last_name",
            field=models.CharField(max_length=200),
        ),
        migrations.AlterField(
            model_name="workernumber",
            name="first_name_key",
            field=models.CharField(db_collation="C", max_length=200),
        ),
        migrations.AlterField(
            model_name="workernumber",
            name="last_name_key",
            field=models.CharField(db_collation="C", max_length=200),
        ),
        migrations.AlterField(
            model_name="workernumber",
            name="date_of_birth",
            field=models.DateField(),
        ),
    ]
