"""Backup and restore round trips: after a restore every table holds exactly the backed-up rows.

SQLite: the suite's own test database is in memory, while the commands exist for the
live file (WAL, other processes connected). So the SQLite test builds a file database in
a temporary folder and drives ``manage.py migrate``, ``backup`` and ``restore`` as an
operator would, in subprocesses; the test process reads and changes the file with the
standard ``sqlite3`` module and keeps a second connection open throughout, as a running
web worker would. It runs whatever database the suite uses.

PostgreSQL: when the suite runs on PostgreSQL (``DATABASE_URL=postgres://...``), the test
database itself is dumped with ``pg_dump``, changed and restored with ``pg_restore``.
"""

import datetime as dt
import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from lead411.accounts.models import User
from lead411.core.backups import BackupError, database_restore, postgres_program
from lead411.leads.models import SavedSearch

REPO = Path(__file__).resolve().parents[3]
SEED = """
import datetime as dt
from lead411.accounts.models import User
from lead411.leads.models import SavedSearch
now = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
for n, name in enumerate(["Ana", "Bjørn", "Chloé"]):
    user = User.objects.create_user(f"m{n}@example.com", "pw-" + name, first_name=name)
    SavedSearch.objects.create(
        member=user, name=f"Search {n}", criteria={"q": ["software"], "country": ["USA"]},
        created_at=now, updated_at=now,
    )
"""


def table_checksums(cursor: Any, tables: Iterable[str]) -> dict[str, tuple[int, str]]:
    """Return ``{table: (row count, SHA-256 of every row in a fixed order)}``.

    Rows are ordered by all their columns, so the digest depends on content only, not on
    the physical order a restore wrote them in.
    """
    sums = {}
    for table in sorted(tables):
        cursor.execute(f'SELECT * FROM "{table}" WHERE 1 = 0')  # noqa: S608  # names from the catalogue
        order = ", ".join(str(i + 1) for i in range(len(cursor.description)))
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY {order}')  # noqa: S608  # as above
        digest = hashlib.sha256()
        rows = 0
        for row in cursor.fetchall():
            digest.update(repr(tuple(row)).encode())
            rows += 1
        sums[table] = (rows, digest.hexdigest())
    return sums


def _sqlite_checksums(db: sqlite3.Connection) -> dict[str, tuple[int, str]]:
    tables = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return table_checksums(db.cursor(), tables)


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  # this interpreter and manage.py, no shell
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def test_sqlite_backup_then_restore_brings_back_every_row(tmp_path: Path) -> None:
    """Backup of a live WAL file, changes, refused then confirmed restore: the rows are back."""
    live = tmp_path / "live.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{live}",
    }
    for args in (("migrate", "--noinput", "-v", "0"), ("shell", "-c", SEED)):
        done = _manage(env, *args)
        assert done.returncode == 0, done.stderr
    worker = sqlite3.connect(live)  # another process's connection, open all along
    assert worker.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    before = _sqlite_checksums(worker)
    assert before["accounts_user"][0] == 3
    assert before["newsletter_savedsearch"][0] == 3
    assert before["auth_permission"][0] > 100

    backup = tmp_path / "backups" / "nightly.sqlite3"
    done = _manage(env, "backup", str(backup))
    assert done.returncode == 0, done.stderr
    assert f"sqlite backup written to {backup}" in done.stdout
    with sqlite3.connect(backup) as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert _sqlite_checksums(copy) == before

    with sqlite3.connect(live) as editor:
        editor.execute(
            "UPDATE accounts_user SET first_name = 'Changed' WHERE email = 'm1@example.com'"
        )
        editor.execute("DELETE FROM newsletter_savedsearch WHERE name = 'Search 0'")
        editor.execute("DELETE FROM auth_permission WHERE id % 2 = 0")
        editor.execute(
            "INSERT INTO django_content_type (app_label, model) VALUES ('extra', 'thing')"
        )
    changed = _sqlite_checksums(worker)
    assert {t for t in before if changed[t] != before[t]} == {
        "accounts_user",
        "newsletter_savedsearch",
        "auth_permission",
        "django_content_type",
    }

    refused = _manage(env, "restore", str(backup))
    assert refused.returncode == 1
    assert "Pass --yes to confirm" in refused.stderr
    assert _sqlite_checksums(worker) == changed

    done = _manage(env, "restore", "--yes", str(backup))
    assert done.returncode == 0, done.stderr
    assert _sqlite_checksums(worker) == before
    assert worker.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert worker.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    worker.close()


@pytest.mark.django_db
def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    """A wrong file is refused before anything is touched, with the reason."""
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database")
    vendor_word = {"sqlite": "SQLite database file", "postgresql": "pg_dump custom-format"}
    with pytest.raises(BackupError, match=vendor_word[connection.vendor]):
        database_restore(path=junk)
    with pytest.raises(CommandError, match="no backup file at"):
        call_command("restore", str(tmp_path / "missing.dump"), yes=True)


def _pg_checksums() -> dict[str, tuple[int, str]]:
    with connection.cursor() as cursor:
        return table_checksums(cursor, connection.introspection.table_names(cursor))


@pytest.mark.django_db(transaction=True)
def test_postgres_backup_then_restore_brings_back_every_row(tmp_path: Path) -> None:
    """pg_dump of the test database, changes, pg_restore --clean: every table as backed up."""
    if connection.vendor != "postgresql":
        pytest.skip("the suite runs on SQLite; set DATABASE_URL=postgres://... for this test")
    try:
        postgres_program("pg_dump", using="default")
        postgres_program("pg_restore", using="default")
    except BackupError as exc:
        pytest.skip(f"no usable PostgreSQL client tools: {exc}")
    now = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    for n, name in enumerate(["Ana", "Bjørn", "Chloé"]):
        user = User.objects.create_user(f"m{n}@example.com", f"pw-{name}", first_name=name)
        SavedSearch.objects.create(
            member=user, name=f"Search {n}", criteria={"q": ["x"]}, created_at=now, updated_at=now
        )
    before = _pg_checksums()
    assert before["accounts_user"][0] == 3

    backup = tmp_path / "nightly.dump"
    call_command("backup", str(backup))
    assert backup.read_bytes().startswith(b"PGDMP")

    User.objects.filter(email="m1@example.com").update(first_name="Changed")
    SavedSearch.objects.filter(name="Search 0").delete()
    User.objects.create_user("intruder@example.com", "pw", first_name="New")
    changed = _pg_checksums()
    # A new user also gets allauth's address row: at least these two tables differ.
    assert {t for t in before if changed[t] != before[t]} >= {
        "accounts_user",
        "newsletter_savedsearch",
    }

    call_command("restore", str(backup), yes=True)
    assert _pg_checksums() == before
    # The sequences came back too: the next row takes an id after the backed-up ones.
    again = User.objects.create_user("after@example.com", "pw")
    assert again.pk > max(User.objects.exclude(pk=again.pk).values_list("pk", flat=True))


def test_backup_refuses_an_sqlite_file_that_does_not_exist(tmp_path: Path) -> None:
    """A wrong DATABASE_URL is an error, not a backup of a freshly created empty file."""
    missing = tmp_path / "typo.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{missing}",
    }
    done = _manage(env, "backup", str(tmp_path / "copy.sqlite3"))
    assert done.returncode == 1
    assert f"no SQLite database at {missing}" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []
