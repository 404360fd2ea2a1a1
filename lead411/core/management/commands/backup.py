"""Back up the database: SQLite online backup API, or pg_dump's custom format."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lead411.core.backups import BackupError, database_backup


class Command(BaseCommand):
    help = (
        "Write a backup of the database to PATH (default var/backups/lead411-<vendor>-<UTC "
        "time>.sqlite3 or .dump). SQLite: a consistent copy through the online backup API, "
        "safe while the site runs. PostgreSQL: pg_dump --format=custom. Run it daily (cron) "
        "and before every upgrade; copy the file off the machine."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", type=Path, help="Where to write the backup.")
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = database_backup(path=options["path"], using=options["database"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{result.vendor} backup written to {result.path} ({result.size_bytes} bytes)"
        )
