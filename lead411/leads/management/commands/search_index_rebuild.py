"""Rebuild, check or catch up the lead search index (tantivy) from the database."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from lead411.leads.models import TriggerEvent
from lead411.leads.search.index import (
    search_index_check,
    search_index_rebuild,
    search_index_sync,
)


class Command(BaseCommand):
    help = (
        "Rebuild the lead search index from the database (after a restore, a schema "
        "change, or when --check finds differences). --check compares the index with the "
        "database and exits non-zero when they differ (for monitoring); --update catches "
        "up with changes since the last sync (cron on hosts that import nothing)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--check", action="store_true", help="Compare; change nothing.")
        mode.add_argument("--update", action="store_true", help="Sync changed rows only.")

    def handle(self, *args: Any, check: bool, update: bool, **options: Any) -> None:
        if check:
            differences = search_index_check()
            self.stdout.write(differences.line())
            if not differences.ok:
                raise CommandError("The search index differs from the database; rebuild it.")
            return
        if update:
            self.stdout.write(search_index_sync(reconcile=True).line())
            return
        total = TriggerEvent.objects.count()
        quiet = options["verbosity"] < 1
        with tqdm(total=total, unit=" events", desc="search index", disable=quiet) as bar:
            report = search_index_rebuild(progress=bar.update)
        self.stdout.write(report.line())
