"""Print the web-log marketing report for a date range (clause P2)."""

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lead411.weblog.selectors import TOTAL_KEYS, weblog_report


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value}") from error


class Command(BaseCommand):
    help = "Print pageviews, visits, visitors and top lists for UTC dates FROM..TO (on demand)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", required=True, help="First UTC date")
        parser.add_argument("--to", dest="end", required=True, help="Last UTC date, inclusive")
        parser.add_argument("--format", choices=["json", "table"], default="table")
        parser.add_argument("--top", type=int, default=10, help="Length of each top list")

    def handle(self, *args: Any, **options: Any) -> None:
        start, end = _date(options["start"]), _date(options["end"])
        if end < start:
            raise CommandError("The end date is before the start date.")
        report = weblog_report(start=start, end=end, top_n=options["top"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_json(), indent=2))
            return
        self.stdout.write(f"Web log {start} .. {end} (UTC)")
        for key in TOTAL_KEYS:
            self.stdout.write(f"  {key:<10} {getattr(report.totals, key):>12}")
        self.stdout.write("\nday          hits  pageviews  visits  visitors  bot_hits")
        for p in report.days:
            self.stdout.write(
                f"{p.label}  {p.hits:>6}  {p.pageviews:>9}  {p.visits:>6}  {p.visitors:>8}  "
                f"{p.bot_hits:>8}"
            )
        for dimension, rows in report.top.items():
            self.stdout.write(f"\nTop {dimension}")
            for key, count in rows:
                self.stdout.write(f"  {count:>8}  {key}")
