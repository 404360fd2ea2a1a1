"""Write docs/clauses.md; with --check, fail when a clause has no passing test. Run after the suite."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lead411.core import clauses


class Command(BaseCommand):
    help = "Write docs/clauses.md from the spec, the code and the last test run (`make clauses`)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="Exit 1 if a clause lacks a passing test."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        spec_path = Path(settings.LEAD411_SPEC_FILE)
        if not spec_path.is_file():
            raise CommandError(f"No clause spec at {spec_path}; set LEAD411_SPEC_FILE.")
        rows = clauses.build_table(
            spec=clauses.spec_clauses(spec_path),
            mentions=clauses.code_mentions(Path(settings.BASE_DIR) / "lead411"),
            results=clauses.load_results(Path(settings.VAR_DIR) / "clause-results.json"),
        )
        out = Path(settings.BASE_DIR) / "docs" / "clauses.md"
        out.parent.mkdir(exist_ok=True)
        out.write_text(clauses.render_markdown(rows))
        missing = [row.clause_id for row in rows if not row.passing]
        self.stdout.write(
            f"Wrote {out.relative_to(settings.BASE_DIR)}: {len(rows) - len(missing)}/{len(rows)} clauses pass."
        )
        if options["check"] and missing:
            raise CommandError(f"Clauses without a passing test: {', '.join(missing)}")
