"""Conversations and their messages, moved here from the policy app with their tables."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = ["conversation", "message"]


def content_types_move(apps, schema_editor):
    """Point the moved models' content types (permissions, admin log) at this app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    taken = set(
        ContentType.objects.filter(app_label="contact", model__in=MODELS).values_list("model", flat=True)
    )
    ContentType.objects.filter(app_label="policy", model__in=set(MODELS) - taken).update(
        app_label="contact"
    )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('policy', '0002_conversations_move_to_contact'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables exist already, created by the policy app (Meta.db_table keeps their
        # names): only Django's state learns that the models live here now.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Conversation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100)),
                        ('email', models.EmailField(max_length=254)),
                        ('category', models.CharField(choices=[('breach', 'Report a breach of this policy'), ('privacy', 'A question about my data or this policy'), ('membership', 'Membership, sign-up or my account'), ('leads', 'Leads and the daily newsletter'), ('other', 'Something else')], max_length=16)),
                        ('is_breach_report', models.BooleanField(db_index=True, default=False, editable=False)),
                        ('status', models.CharField(choices=[('open', 'Waiting for staff'), ('answered', 'Answered'), ('closed', 'Closed')], db_index=True, default='open', max_length=10)),
                        ('created_at', models.DateTimeField()),
                        ('last_message_at', models.DateTimeField(db_index=True)),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='conversations', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'policy_conversation',
                        'ordering': ['-is_breach_report', '-last_message_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='Message',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('author_kind', models.CharField(choices=[('sender', 'Sender'), ('staff', 'Staff')], max_length=6)),
                        ('body', models.TextField()),
                        ('created_at', models.DateTimeField()),
                        ('author', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('conversation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='contact.conversation')),
                    ],
                    options={
                        'db_table': 'policy_message',
                        'ordering': ['created_at', 'id'],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_move, migrations.RunPython.noop),
    ]
