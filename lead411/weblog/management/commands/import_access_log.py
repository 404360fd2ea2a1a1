"""Import Apache/nginx access logs into the anonymous web log (clause P2)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from lead411.weblog.services import access_log_import


class Command(BaseCommand):
    help = (
        "Import Apache/nginx access logs (plain or .gz) into the web log, minimising IPs. "
        "Run by hand or after each log rotation; importing a file again adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, help="Log files, plain or .gz")
        parser.add_argument("--format", choices=["combined", "common"], default="combined")
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar")
        parser.add_argument(
            "--bulk",
            choices=["auto", "always", "never"],
            default="auto",
            help=(
                "Load a file in one transaction with the pageview index rebuilt at the end "
                "(auto: a big file into a smaller SQLite table); never: commit every batch"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for path in options["files"]:
            if not path.is_file():
                raise CommandError(f"No such file: {path}")
        for path in options["files"]:
            with tqdm(
                total=path.stat().st_size if path.suffix != ".gz" else None,
                unit="B",
                unit_scale=True,
                desc=path.name,
                disable=options["no_progress"],
                file=self.stderr._out,
            ) as bar:
                result = access_log_import(
                    path=path,
                    log_format=options["format"],
                    progress=bar.update,
                    bulk={"auto": None, "always": True, "never": False}[options["bulk"]],
                )
            self.stdout.write(f"{path.name}: {result.summary()}")
            # Samples name the line and the reason only: lines hold real IP addresses.
            for name, line_no, reason in result.bad_samples:
                self.stdout.write(f"  bad line {name}:{line_no}: {reason}")
