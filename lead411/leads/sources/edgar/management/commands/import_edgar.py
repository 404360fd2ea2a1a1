"""``manage.py import_edgar``: SEC EDGAR filings (feed, daily index, Form D, 8-K, IPO) as leads."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lead411.leads.sources.edgar.services import edgar_import


class Command(BaseCommand):
    help = (
        "Import SEC EDGAR filings as trigger events: Atom feed pages (--feed), a daily form "
        "index (--index), Form D documents (--formd), 8-K documents (--8k) and IPO "
        "registration statements or prospectuses, S-1, F-1, 424B4 (--ipo), each a file, a "
        "directory or a URL. Run it to backfill or to load saved files; new filings arrive "
        "through the scheduled edgar_poll (settings.EDGAR_POLL_MINUTES). Safe to repeat: a "
        "second run changes nothing. Exits non-zero when a file could not be read, after "
        "importing the others, so a scheduled job notices."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--feed", nargs="+", default=[], metavar="FILE|DIR|URL")
        parser.add_argument("--index", nargs="+", default=[], metavar="FILE|URL")
        parser.add_argument("--formd", nargs="+", default=[], metavar="FILE|DIR|URL")
        parser.add_argument("--8k", dest="eight_k", nargs="+", default=[], metavar="FILE|DIR|URL")
        parser.add_argument("--ipo", nargs="+", default=[], metavar="FILE|DIR|URL")

    def handle(self, *args: Any, **options: Any) -> None:
        report = edgar_import(
            feeds=options["feed"],
            indexes=options["index"],
            form_ds=options["formd"],
            eight_ks=options["eight_k"],
            ipos=options["ipo"],
        )
        for line in report.lines():
            self.stdout.write(line)
        if report.files_failed:
            raise CommandError(
                f"{report.files_failed} file(s) could not be read; see the problems above"
            )
