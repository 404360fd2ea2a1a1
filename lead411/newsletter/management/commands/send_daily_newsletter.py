"""``send_daily_newsletter``: build a day's newsletter and send the outbox.

Meant to run once a day; the scheduler runs it by itself at NEWSLETTER_SEND_TIME
(lead411.site.schedules). Running it again the same day sends nobody twice.
"""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lead411.core import clock
from lead411.mail.outbox import OutboxHalted, outbox_send
from lead411.newsletter.digest import IssueDateOutOfRange, newsletter_issue_build


class Command(BaseCommand):
    help = (
        "Build the Daily eMail Newsletter for a date (default: today in TIME_ZONE) and send "
        "the outbox. Runs daily at NEWSLETTER_SEND_TIME through the scheduler; safe to rerun "
        "and to interrupt: nobody gets an issue twice; a second run started while one builds "
        "says so and exits 0."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD, the issue's date (default: today).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the newsletters; write and send nothing."
        )
        parser.add_argument(
            "--no-send",
            action="store_true",
            help="Build (queue) only; leave sending to a later run.",
        )
        parser.add_argument(
            "--send-only", action="store_true", help="Send what is queued; build nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            date = dt.date.fromisoformat(options["date"]) if options["date"] else clock.today()
        except ValueError:
            raise CommandError(f"--date must be YYYY-MM-DD, not {options['date']!r}.") from None
        if not options["send_only"]:
            try:
                report = newsletter_issue_build(date=date, dry_run=options["dry_run"])
            except IssueDateOutOfRange as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(str(report))
        if options["dry_run"] or options["no_send"]:
            return
        try:
            sent = outbox_send()
        except OutboxHalted as exc:
            raise CommandError(
                f"The SMTP server refused at {exc.phase.upper()} ({exc}): a problem of the "
                "sending set-up, not of a member's address. Nothing was marked failed; every "
                "message waits. Fix the cause (NEWSLETTER_ENVELOPE_FROM, DEFAULT_FROM_EMAIL, "
                "the relay's policy) and run again; staff see this on the admin index."
            ) from None
        self.stdout.write(f"Outbox: {sent}.")
