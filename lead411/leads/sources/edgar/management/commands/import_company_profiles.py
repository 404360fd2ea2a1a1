"""``manage.py import_company_profiles``: SEC company records into company profiles."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lead411.leads.sources.edgar.services import company_profiles_import


class Command(BaseCommand):
    help = (
        "Fill company profiles (ticker, exchange, SIC code and industry, state of "
        "incorporation, business address, website) from SEC submissions-API records "
        "(CIK##########.json) and company_tickers.json, each a file or a directory of *.json. "
        "Companies are matched by CIK only and none is created; only blanks are filled, so "
        "a value a filing stated is kept. Safe to repeat. Exits non-zero when a file could "
        "not be read, after importing the others."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sources", nargs="+", metavar="FILE|DIR")

    def handle(self, *args: Any, **options: Any) -> None:
        report = company_profiles_import(sources=options["sources"])
        for line in report.lines():
            self.stdout.write(line)
        if report.files_failed:
            raise CommandError(
                f"{report.files_failed} file(s) could not be read; see the problems above"
            )
