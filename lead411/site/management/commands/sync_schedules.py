"""Write the recurring jobs declared in lead411.site.schedules into the scheduler's table."""

from typing import Any

from django.core.management.base import BaseCommand

from lead411.site.schedules import schedules_sync


class Command(BaseCommand):
    help = "Sync the scheduler's table with the jobs the settings declare. Run at every start."

    def handle(self, *args: Any, **options: Any) -> None:
        for schedule in schedules_sync():
            self.stdout.write(
                f"{schedule.name}: every {schedule.minutes} min, next {schedule.next_run}"
            )
