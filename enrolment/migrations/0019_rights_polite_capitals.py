"""The shipped rights texts in Polish and Bulgarian address the reader with a capital, as the
rest of the portal and the notices do ("Twoja umowa", "Вашата заплата").

Only a row still exactly as shipped is changed: a row whose text, capitalised, equals the shipped
text now (enrolment/rights_content/*.json, already capitalised). A text a union admin edited
stays as the admin wrote it.
"""

import re

from django.db import migrations

POLITE = {
    "pl": (
        "ci cię ciebie tobie tobą twój twoja twoje twojego twojej twojemu twoim twoją twoi "
        "twoich twoimi"
    ).split(),
    "bg": "вие ви вас вам ваш ваша ваше ваши вашия вашият вашата вашето вашите".split(),
}


def capitalised(language: str, text: str) -> str:
    """The polite pronouns of ``language`` with a capital, whole words only."""
    words = POLITE.get(language)
    if not words:
        return text
    pattern = re.compile(r"\b(" + "|".join(words) + r")\b")
    return pattern.sub(lambda m: m.group(1)[0].upper() + m.group(1)[1:], text)


def forwards(apps, schema_editor):
    from enrolment.rights import rights_content_read

    RightsText = apps.get_model("enrolment", "RightsText")
    shipped = {
        (t["topic"], t["language"], t["phase"], t["valid_from"]): t
        for t in rights_content_read()
        if t["language"] in POLITE
    }
    for row in RightsText.objects.filter(sector__isnull=True, language__in=list(POLITE)):
        text = shipped.get((row.topic, row.language, row.phase, row.valid_from))
        if text is None:
            continue
        title = capitalised(row.language, row.title)
        body = capitalised(row.language, row.body)
        if (title, body) == (row.title, row.body):
            continue
        if (title, body) == (text["title"], text["body"]):
            RightsText.objects.filter(pk=row.pk).update(title=title, body=body)


class Migration(migrations.Migration):
    dependencies = [("enrolment", "0018_membership_window_waits_for_letter")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
