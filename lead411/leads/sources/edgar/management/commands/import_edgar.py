"""``manage.py import_edgar``: SEC EDGAR filings (feed pages, daily index, Form D) as leads."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lead411.leads.sources.edgar.services import edgar_import


class Command(BaseCommand):
    help = (
        "Import SEC EDGAR filings as trigger events: Atom feed pages (--feed), a daily form "
        "index (--index) and Form D documents (--formd), each a file, a directory or a URL. "
        "Run it to backfill or to load saved files; new filings arrive through the scheduled "
        "edgar_poll (settings.EDGAR_POLL_MINUTES). Safe to repeat: a second run changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--feed", nargs="+", default=[], metavar="FILE|DIR|URL")
        parser.add_argument("--index", nargs="+", default=[], metavar="FILE|URL")
        parser.add_argument("--formd", nargs="+", default=[], metavar="FILE|DIR|URL")

    def handle(self, *args: Any, **options: Any) -> None:
        report = edgar_import(
            feeds=options["feed"], indexes=options["index"], form_ds=options["formd"]
        )
        for line in report.lines():
            self.stdout.write(line)
