# Workplace visits move to the notifications app (docs/notifications.md, "Workplace visits live
# in notifications"). The rows stay where they are: the table and its id sequence are renamed
# here, and the model leaves this app's state; notifications 0007 takes it into its own state
# without touching the database.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('employers', '0003_visits_and_contact'),
    ]

    operations = [
        migrations.AlterModelTable(
            name='workplacevisit',
            table='notifications_workplacevisit',
        ),
        # The identity sequence keeps its old name on a table rename; renamed too, so that a
        # migrated database names it as one migrated from empty does.
        migrations.RunSQL(
            'ALTER SEQUENCE IF EXISTS employers_workplacevisit_id_seq'
            ' RENAME TO notifications_workplacevisit_id_seq',
            'ALTER SEQUENCE IF EXISTS notifications_workplacevisit_id_seq'
            ' RENAME TO employers_workplacevisit_id_seq',
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='WorkplaceVisit')],
        ),
    ]
