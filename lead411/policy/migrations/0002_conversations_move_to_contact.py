"""The contact conversations moved to the contact app."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('policy', '0001_initial'),
    ]

    operations = [
        # Conversation and Message moved to the contact app with their tables
        # (Meta.db_table keeps the names): only Django's state changes here.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='message',
                    name='conversation',
                ),
                migrations.RemoveField(
                    model_name='message',
                    name='author',
                ),
                migrations.DeleteModel(
                    name='Conversation',
                ),
                migrations.DeleteModel(
                    name='Message',
                ),
            ],
        ),
    ]
