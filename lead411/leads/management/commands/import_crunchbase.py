"""``manage.py import_crunchbase DIR``: load or refresh the CrunchBase 2015 export (clause L5)."""

import datetime as dt
from argparse import ArgumentTypeError
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lead411.leads.sources.base import SourceFileError
from lead411.leads.sources.crunchbase import EXPORT_DATE, crunchbase_import


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = (
        "Import companies.csv, rounds2.csv and acquisitions.csv of the CrunchBase 2015 export "
        "from DIR. Run it once to load the export and again whenever a newer export arrives: "
        "a re-run of the same files changes nothing. Rejected rows go to --rejects."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="folder holding the three CSV files")
        parser.add_argument(
            "--rejects",
            type=Path,
            default=None,
            metavar="FILE",
            help="write every rejected row to FILE as CSV (file, line, reason, raw)",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="do not show the progress bar"
        )
        parser.add_argument(
            "--export-date",
            type=_day,
            default=EXPORT_DATE,
            metavar="YYYY-MM-DD",
            help=f"date of the export: later dates are junk (default {EXPORT_DATE}, the 2015 "
            "export's); give a newer export's date to import its newer rows",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = crunchbase_import(
                directory=options["directory"],
                rejects_path=options["rejects"],
                progress=not options["no_progress"],
                export_date=options["export_date"],
            )
        except SourceFileError as exc:
            raise CommandError(str(exc)) from exc
        for counts in report.files:
            self.stdout.write(counts.summary_line())
        for repair in report.repairs:
            self.stdout.write(f"repaired: {repair}")
        rejected = sum(counts.rejected for counts in report.files)
        if report.rejects_path is not None:
            where = f"rejected rows written to {report.rejects_path}"
        else:
            where = "pass --rejects FILE to keep the rejected rows"
        self.stdout.write(
            f"{report.rows_read} rows in {report.seconds:.1f} s; "
            f"{report.acquired_companies_created} companies created from acquisitions; "
            f"{rejected} rejected ({where})"
        )
