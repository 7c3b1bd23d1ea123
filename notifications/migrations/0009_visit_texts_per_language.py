# A visit's place and note per language, and phrases from translated lists
# (notifications/visit_texts.py). The plain place and note stay as the fallback text.

import django.contrib.postgres.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0008_letter_handover'),
    ]

    operations = [
        migrations.AddField(
            model_name='workplacevisit',
            name='note_phrases',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=30), blank=True, default=list, size=None),
        ),
        migrations.AddField(
            model_name='workplacevisit',
            name='note_translations',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='workplacevisit',
            name='place_phrase',
            field=models.CharField(blank=True, default='', max_length=30),
        ),
        migrations.AddField(
            model_name='workplacevisit',
            name='place_translations',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='workplacevisit',
            name='plain_language',
            field=models.CharField(default='nl', max_length=8),
        ),
        migrations.AlterField(
            model_name='workplacevisit',
            name='place',
            field=models.CharField(blank=True, max_length=200),
        ),
    ]
