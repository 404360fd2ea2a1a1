"""Queue the notice email of a published policy version again, for members not yet sent it."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lead411.policy.selectors import policy_version_get
from lead411.policy.services import policy_notice_email_send


class Command(BaseCommand):
    help = (
        "Queue the notice email of published policy version N to every member who consented "
        "to product updates. Publishing does this already; run it after a failure. The "
        "outbox key policy-vN keeps it to one email per member however often it runs."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("number", type=int, help="The version number.")

    def handle(self, *args: Any, **options: Any) -> None:
        version = policy_version_get(number=options["number"])
        if version is None:
            raise CommandError(f"No published version {options['number']}.")
        count = policy_notice_email_send(version=version)
        self.stdout.write(f"Notice of version {version.number} queued for {count} member(s).")
