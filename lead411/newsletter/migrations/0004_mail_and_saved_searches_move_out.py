"""SavedSearch moved to leads; consent, suppression, the outbox and the member export to mail."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('newsletter', '0003_suppression_email_hash'),
    ]

    operations = [
        # The day's issue is known from Delivery.issue_date; the outbox (now in the mail
        # app) no longer points back at the newsletter.
        migrations.RemoveField(
            model_name='delivery',
            name='issue',
        ),
        # The models below moved to the mail and leads apps with their tables
        # (Meta.db_table keeps the names): only Django's state changes here.
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.RemoveField(
                model_name='delivery',
                name='member',
            ),
            migrations.RemoveField(
                model_name='mailpreferences',
                name='member',
            ),
            migrations.RemoveField(
                model_name='memberexportrecord',
                name='actor',
            ),
            migrations.RemoveField(
                model_name='savedsearch',
                name='member',
            ),
            migrations.DeleteModel(
                name='Suppression',
            ),
            migrations.DeleteModel(
                name='Delivery',
            ),
            migrations.DeleteModel(
                name='MailPreferences',
            ),
            migrations.DeleteModel(
                name='MemberExportRecord',
            ),
            migrations.DeleteModel(
                name='SavedSearch',
            ),
            ],
        ),
    ]
