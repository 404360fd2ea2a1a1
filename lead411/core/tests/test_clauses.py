from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from lead411.core import clauses

SPEC = """| id | requirement |
|----|-------------|
| L1 | A database of companies. |

| id | promise | what it means |
|----|---------|---------------|
| P7 | Members can unsubscribe. | A link in every email. |
"""


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy-clauses.md"
    path.write_text(SPEC)
    return path


def test_spec_clauses_reads_ids_and_texts_in_order(spec_file):
    assert clauses.spec_clauses(spec_file) == {
        "L1": "A database of companies.",
        "P7": "Members can unsubscribe.",
    }


def test_code_mentions_find_single_and_listed_clauses_outside_tests(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "tests").mkdir(parents=True)
    (pkg / "mod.py").write_text('"""Unsubscribe (clause P7)."""\n# clauses L1 and P7\n')
    (pkg / "tests" / "test_mod.py").write_text("# clause L1\n")

    assert clauses.code_mentions(pkg) == {
        "P7": {"pkg/mod.py:1", "pkg/mod.py:2"},
        "L1": {"pkg/mod.py:2"},
    }


def test_table_passes_only_with_a_passing_test_and_no_failure_on_any_vendor(spec_file):
    results: dict[str, dict[str, dict[str, object]]] = {
        "sqlite": {
            "t::a": {"clauses": ["L1"], "outcome": "passed"},
            "t::b": {"clauses": ["P7"], "outcome": "passed"},
        },
        "postgresql": {"t::b": {"clauses": ["P7"], "outcome": "failed"}},
    }
    rows = clauses.build_table(spec=clauses.spec_clauses(spec_file), mentions={}, results=results)

    assert [(r.clause_id, r.passing) for r in rows] == [("L1", True), ("P7", False)]
    text = clauses.render_markdown(rows)
    assert "| [L1](#l1) | A database of companies. | 0 | 1 | pass |" in text
    assert "`t::b` — postgresql: failed, sqlite: passed" in text


def test_check_fails_when_a_clause_has_no_passing_test(spec_file, settings, tmp_path):
    settings.LEAD411_SPEC_FILE = spec_file
    settings.VAR_DIR = tmp_path
    settings.BASE_DIR = tmp_path
    (tmp_path / "lead411").mkdir()

    with pytest.raises(CommandError, match="Clauses without a passing test: L1, P7"):
        call_command("clauses_table", "--check")
    assert (tmp_path / "docs" / "clauses.md").read_text().count("no test") == 2
