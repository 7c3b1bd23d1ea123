# Joins two branches that each started from 0014: the member's postal address (0015) and the
# sign-in link's purpose (0017). Nothing to do in the database.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("enrolment", "0015_person_postal_address"),
        ("enrolment", "0017_sign_in_link_purpose"),
    ]

    operations = []
