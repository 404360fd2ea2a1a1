"""Models that moved here from the newsletter app, with their tables."""

import django.db.models.deletion
import lead411.mail.models
from django.conf import settings
from django.db import migrations, models


MODELS = ['mailpreferences', 'suppression', 'memberexportrecord', 'delivery']


def content_types_move(apps, schema_editor):
    """Point the moved models' content types (permissions, admin log) at this app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    taken = set(
        ContentType.objects.filter(app_label="mail", model__in=MODELS).values_list("model", flat=True)
    )
    ContentType.objects.filter(app_label="newsletter", model__in=set(MODELS) - taken).update(
        app_label="mail"
    )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('newsletter', '0004_mail_and_saved_searches_move_out'),
        ('accounts', '0004_admin_log_names_no_one'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables exist already, created by the newsletter app (Meta.db_table keeps
        # their names): only Django's state learns that the models live here now.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='MailPreferences',
                    fields=[
                        ('member', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='mail_preferences', serialize=False, to=settings.AUTH_USER_MODEL)),
                        ('unsubscribe_key', models.CharField(default=lead411.mail.models._new_unsubscribe_key, max_length=32, unique=True)),
                        ('daily', models.BooleanField(default=True, verbose_name='the daily newsletter')),
                        ('replies', models.BooleanField(default=True, verbose_name='replies to my messages')),
                        ('updates', models.BooleanField(default=False, verbose_name='product updates and new features')),
                        ('updated_at', models.DateTimeField()),
                    ],
                    options={
                        'verbose_name_plural': 'mail preferences',
                        'db_table': 'newsletter_mailpreferences',
                    },
                ),
                migrations.CreateModel(
                    name='Suppression',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('email_hash', models.CharField(help_text='HMAC-SHA256 of the lower-cased address.', max_length=64, unique=True)),
                        ('reason', models.CharField(max_length=300)),
                        ('smtp_code', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('created_at', models.DateTimeField()),
                    ],
                    options={
                        'db_table': 'newsletter_suppression',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='MemberExportRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('actor_label', models.CharField(max_length=254)),
                        ('exported_at', models.DateTimeField()),
                        ('rows', models.PositiveIntegerField()),
                        ('purpose', models.CharField(max_length=300)),
                        ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'newsletter_memberexportrecord',
                        'ordering': ['-exported_at'],
                    },
                ),
                migrations.CreateModel(
                    name='Delivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(help_text='Idempotency key of the message.', max_length=200, unique=True)),
                        ('stream', models.CharField(choices=[('daily', 'The Daily eMail Newsletter'), ('replies', 'Replies to messages you sent us'), ('updates', 'Product updates and new features')], max_length=10)),
                        ('issue_date', models.DateField(blank=True, null=True)),
                        ('to_email', models.EmailField(max_length=254)),
                        ('subject', models.CharField(max_length=300)),
                        ('text_body', models.TextField()),
                        ('html_body', models.TextField(blank=True)),
                        ('packed_body', models.BinaryField(blank=True, default=b'', help_text='Text and HTML parts compressed (see bodies_pack); empty when stored as text.')),
                        ('headers', models.JSONField(blank=True, default=dict)),
                        ('message_id', models.CharField(max_length=200, unique=True)),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('sending', 'Claimed by a sender'), ('handed_over', 'Handed over to SMTP'), ('sent', 'Sent'), ('failed', 'Failed permanently'), ('suppressed', 'Not sent: address suppressed'), ('cancelled', 'Not sent: no consent')], default='pending', max_length=12)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('next_attempt_at', models.DateTimeField()),
                        ('claim_token', models.CharField(blank=True, max_length=36)),
                        ('claimed_at', models.DateTimeField(blank=True, null=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('smtp_code', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('last_error', models.CharField(blank=True, max_length=500)),
                        ('created_at', models.DateTimeField()),
                        ('member', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name_plural': 'deliveries',
                        'db_table': 'newsletter_delivery',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['status', 'next_attempt_at'], name='delivery_due_idx'), models.Index(fields=['stream', 'member', 'issue_date'], name='delivery_member_idx')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('issue_date__isnull', False)), fields=('issue_date', 'member', 'stream'), name='delivery_one_per_day_member_stream')],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_move, migrations.RunPython.noop),
    ]
