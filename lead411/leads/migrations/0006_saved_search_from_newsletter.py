"""Models that moved here from the newsletter app, with their tables."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = ['savedsearch']


def content_types_move(apps, schema_editor):
    """Point the moved models' content types (permissions, admin log) at this app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    taken = set(
        ContentType.objects.filter(app_label="leads", model__in=MODELS).values_list("model", flat=True)
    )
    ContentType.objects.filter(app_label="newsletter", model__in=set(MODELS) - taken).update(
        app_label="leads"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('newsletter', '0004_mail_and_saved_searches_move_out'),
        ('leads', '0005_sort_indexes_by_kind_and_amount'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables exist already, created by the newsletter app (Meta.db_table keeps
        # their names): only Django's state learns that the models live here now.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SavedSearch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100)),
                        ('criteria', models.JSONField(blank=True, default=dict)),
                        ('include_in_newsletter', models.BooleanField(default=True, verbose_name='include in my daily newsletter')),
                        ('created_at', models.DateTimeField()),
                        ('updated_at', models.DateTimeField()),
                        ('member', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='saved_searches', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name_plural': 'saved searches',
                        'db_table': 'newsletter_savedsearch',
                        'ordering': ['name', 'id'],
                        'indexes': [models.Index(fields=['member', 'include_in_newsletter'], name='saved_search_alert_idx')],
                        'constraints': [models.UniqueConstraint(fields=('member', 'name'), name='saved_search_name_unique')],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_move, migrations.RunPython.noop),
    ]
