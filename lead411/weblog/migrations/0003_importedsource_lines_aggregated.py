"""ImportedSource.lines_aggregated: how far a file's old-day lines are in DailyCount.

Before this field every line became a raw row, so existing files have aggregated (or
stored raw, which the roll-up aggregates) exactly their ``lines_done``.
"""

from django.db import migrations, models
from django.db.models import F


def _copy_lines_done(apps, schema_editor):
    imported = apps.get_model("weblog", "ImportedSource")
    imported.objects.update(lines_aggregated=F("lines_done"))


class Migration(migrations.Migration):
    dependencies = [
        ("weblog", "0002_import_salt_seed_day_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="importedsource",
            name="lines_aggregated",
            field=models.PositiveBigIntegerField(
                default=0,
                help_text=(
                    "Lines whose old-day requests (older than the raw retention) are in "
                    "DailyCount; written only when an import reaches the end of the file."
                ),
            ),
        ),
        migrations.AlterField(
            model_name="importedsource",
            name="lines_done",
            field=models.PositiveBigIntegerField(
                default=0, help_text="Lines whose recent-day requests are stored as PageView rows."
            ),
        ),
        migrations.RunPython(_copy_lines_done, migrations.RunPython.noop),
    ]
