"""Restore the database from a file written by the backup command."""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from lead411.core.backups import BackupError, database_restore


class Command(BaseCommand):
    help = (
        "Replace every table of the database with the backup at PATH (from the backup "
        "command). SQLite: the online backup API copies the file into the live database. "
        "PostgreSQL: pg_restore --clean --if-exists in one transaction. Destroys the current "
        "data: asks for confirmation, or pass --yes. Run migrate afterwards if the backup is "
        "older than the code."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The backup file to restore.")
        parser.add_argument("--database", default="default", help="Database alias.")
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask: overwrite the current data."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        using = options["database"]
        name = connections[using].settings_dict["NAME"]
        if not options["yes"]:
            if not sys.stdin.isatty():
                raise CommandError(
                    f"Restoring replaces all data in {name}; nothing was changed. "
                    "Pass --yes to confirm."
                )
            answer = input(f"Replace all data in {name} with {options['path']}? Type 'yes': ")
            if answer.strip() != "yes":
                raise CommandError("Restore cancelled; nothing was changed.")
        try:
            result = database_restore(path=options["path"], using=using)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{result.vendor} database {name} restored from {result.path}")
