"""Give databases loaded before imports ran ``ANALYZE`` their planner statistics.

Imports now refresh them (``lead411.core.database.planner_statistics_refresh``); this runs
it once for existing installations. Reversing leaves the statistics, which are harmless.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("leads", "0002_full_text_search")]

    operations = [migrations.RunSQL("ANALYZE", reverse_sql=migrations.RunSQL.noop)]
