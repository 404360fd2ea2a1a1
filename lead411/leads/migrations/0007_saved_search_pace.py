"""Saved searches get a pace (daily, weekly on a weekday, instant): additive, default daily."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("leads", "0006_saved_search_from_newsletter")]

    operations = [
        migrations.AddField(
            model_name="savedsearch",
            name="pace",
            field=models.CharField(
                choices=[
                    ("daily", "Daily, in my newsletter"),
                    ("weekly", "Weekly, in the newsletter of one day"),
                    ("instant", "Instant alerts, minutes after an import"),
                ],
                default="daily",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="savedsearch",
            name="weekday",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"),
                    (4, "Friday"), (5, "Saturday"), (6, "Sunday"),
                ],
                default=0,
                help_text="The day of a weekly digest.",
            ),
        ),
    ]
