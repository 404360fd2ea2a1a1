"""Publish the first privacy-policy version from the product's own text."""

from typing import Any

from django.core.management.base import BaseCommand

from lead411.policy.services import policy_seed, policy_text_render


class Command(BaseCommand):
    help = (
        "Publish version 1 of the privacy policy, rendered from policy/policy_text.md with "
        "the figures in settings, when no version exists yet. Run once per installation "
        "(setup_demo runs it; safe to repeat). --print shows the text without saving."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--print", action="store_true", help="Print the rendered Markdown and save nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["print"]:
            self.stdout.write(policy_text_render())
            return
        version = policy_seed()
        if version is None:
            self.stdout.write("A privacy policy version exists already; nothing to do.")
            return
        self.stdout.write(
            f"Published privacy policy version {version.number}, effective {version.effective_at:%Y-%m-%d %H:%M} UTC."
        )
