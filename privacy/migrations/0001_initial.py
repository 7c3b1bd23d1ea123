

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('enrolment', '0022_membership_events_erasable'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Erasure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('persons', models.JSONField(blank=True, default=list)),
                ('at', models.DateTimeField()),
                ('by_name', models.CharField(blank=True, default='', max_length=150)),
                ('via', models.CharField(choices=[('command', 'Command line'), ('admin', 'Admin action'), ('retention', 'Retention (no activity for the set time)')], max_length=10)),
                ('reason', models.TextField()),
                ('counts', models.JSONField(blank=True, default=dict)),
                ('by_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='enrolment.person')),
            ],
            options={
                'ordering': ['-at', '-id'],
                'permissions': [('erase_person', "Can erase a person's personal data")],
            },
        ),
    ]
