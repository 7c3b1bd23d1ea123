"""The rights texts the system ships with (enrolment/rights_content/*.json); union admins edit
them and add later versions in the admin. Only missing texts are inserted, so this never
overwrites an admin's edit (``manage.py rights_texts_load`` does the same later)."""

from django.db import migrations


def load(apps, schema_editor):
    from enrolment.rights import rights_content_read, rights_texts_insert_missing

    rights_texts_insert_missing(
        model=apps.get_model("enrolment", "RightsText"), texts=rights_content_read()
    )


class Migration(migrations.Migration):
    dependencies = [("enrolment", "0009_member_portal")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
