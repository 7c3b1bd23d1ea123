# The workplace visit, moved here from employers (docs/notifications.md, "Workplace visits live
# in notifications"). employers 0004 has renamed the table to notifications_workplacevisit,
# rows and all; this records the model in this app's state, and moves its content type along so
# that the admin's history of each visit and any permissions on visits stay attached to it.

import django.contrib.postgres.fields
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _content_type_move(apps, schema_editor, *, source, target):
    """Relabel the visit's content type, unless the target already has one (a fresh database
    has neither: content types are made after migrating)."""
    ContentType = apps.get_model('contenttypes', 'ContentType')
    if ContentType.objects.filter(app_label=target, model='workplacevisit').exists():
        return
    ContentType.objects.filter(app_label=source, model='workplacevisit').update(app_label=target)


def content_type_forwards(apps, schema_editor):
    _content_type_move(apps, schema_editor, source='employers', target='notifications')


def content_type_backwards(apps, schema_editor):
    _content_type_move(apps, schema_editor, source='notifications', target='employers')


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('employers', '0004_workplacevisit_to_notifications'),
        ('notifications', '0006_delivery_attempt'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='WorkplaceVisit',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('starts_at', models.DateTimeField()),
                        ('ends_at', models.DateTimeField()),
                        ('place', models.CharField(max_length=200)),
                        ('languages', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=8), blank=True, default=list, size=None)),
                        ('note', models.TextField(blank=True, default='')),
                        ('notify_days_ahead', models.PositiveSmallIntegerField(default=3)),
                        ('status', models.CharField(choices=[('scheduled', 'Scheduled'), ('cancelled', 'Cancelled')], default='scheduled', max_length=10)),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('site', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='visits', to='employers.site')),
                    ],
                    options={
                        'ordering': ['starts_at', 'id'],
                        'indexes': [models.Index(fields=['site', 'starts_at'], name='visit_site_start')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('ends_at__gt', models.F('starts_at'))), name='visit_ends_after_start')],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_type_forwards, content_type_backwards),
    ]
