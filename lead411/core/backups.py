"""Backups of the whole database and their restore, for SQLite and PostgreSQL.

Formats:

- **SQLite**: a complete SQLite 3 database file (the ``.sqlite3`` suffix), written with
  SQLite's online backup API (``sqlite3.Connection.backup``, https://sqlite.org/backup.html).
  The copy is one consistent snapshot taken in a single read transaction: with WAL, the
  site keeps writing while it runs. The copy is switched to the ``DELETE`` journal mode,
  so it is one self-contained file that ``sqlite3 FILE`` opens as it is.
- **PostgreSQL**: a ``pg_dump`` archive in the custom format (``--format=custom``, the
  ``.dump`` suffix; https://www.postgresql.org/docs/current/app-pgdump.html), compressed,
  read by ``pg_restore``. ``pg_dump`` must be at least the server's major version.

Each backup is first written to a temporary file beside its target and renamed into place
once complete, so a file at the target path is never a partial backup.

Restore replaces every table of the live database with the backup's:

- SQLite: the backup API copies the file back page by page into the live database,
  through the site's own connection settings (busy timeout), so other processes'
  connections see the restored data at their next transaction; nothing else to restart.
- PostgreSQL: ``pg_restore --clean --if-exists --no-owner --single-transaction``: every
  object of the archive is dropped and recreated in one transaction, so a restore that
  fails leaves the database as it was.

Connection settings come from Django's ``DATABASES`` (the ``DATABASE_URL`` variable): host,
port, user and database name as libpq environment variables, the password as
``PGPASSWORD`` (never on a command line, where ``ps`` would show it).
"""

import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.backends.postgresql.client import DatabaseClient as PostgresClient

SQLITE_MAGIC = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite 3 file
PG_CUSTOM_MAGIC = b"PGDMP"  # the first bytes of a pg_dump custom-format archive
SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".dump"}


class BackupError(Exception):
    """A backup or restore could not be done; the message says why, for an operator."""


@dataclass(frozen=True)
class BackupResult:
    """What a backup or restore did: the file, the database vendor and the file's size."""

    path: Path
    vendor: str
    size_bytes: int


def backup_path_default(*, vendor: str, now: dt.datetime | None = None) -> Path:
    """Return ``var/backups/lead411-<vendor>-<UTC time>.<suffix>`` under the project.

    ``vendor`` is a Django vendor name (``sqlite`` or ``postgresql``); the time is
    ``YYYYmmddTHHMMSSZ`` in UTC, so names sort by age. Raises ``BackupError`` for other
    vendors.
    """
    if vendor not in SUFFIXES:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.VAR_DIR) / "backups" / f"lead411-{vendor}-{stamp}{SUFFIXES[vendor]}"


def database_backup(*, path: Path | None = None, using: str = "default") -> BackupResult:
    """Write a backup of the database ``using`` to ``path`` (see the module for formats).

    ``path`` defaults to ``backup_path_default``; its folder is created; an existing file
    there is replaced only once the new backup is complete. Returns the file, vendor and
    size in bytes. Raises ``BackupError`` when the vendor is not supported, ``pg_dump`` is
    missing, older than the server or fails (its error output is in the message).
    """
    connection = connections[using]
    vendor = connection.vendor
    _database_check(using=using)
    target = Path(path) if path is not None else backup_path_default(vendor=vendor)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".partial", dir=target.parent
    )
    os.close(handle)
    temporary = Path(temporary_name)
    try:
        if vendor == "sqlite":
            _sqlite_backup(using=using, target=temporary)
        elif vendor == "postgresql":
            _postgres_backup(using=using, target=temporary)
        else:
            raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return BackupResult(path=target, vendor=vendor, size_bytes=target.stat().st_size)


def database_restore(*, path: Path, using: str = "default") -> BackupResult:
    """Replace every table of the database ``using`` with the backup at ``path``.

    The file must be a backup of the same vendor (see the module for formats): an SQLite
    file that passes ``PRAGMA quick_check``, or a ``pg_dump`` custom-format archive.
    Returns the file, vendor and size in bytes. Raises ``BackupError`` when the file is
    missing or of the wrong format, or when ``pg_restore`` fails (the database is then
    unchanged: the restore is one transaction). After restoring a backup made by an older
    version of the code, run ``manage.py migrate``.
    """
    source = Path(path)
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    connection = connections[using]
    vendor = connection.vendor
    _database_check(using=using)
    with source.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if vendor == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{source} is not an SQLite database file")
        _sqlite_restore(using=using, source=source)
    elif vendor == "postgresql":
        if not head.startswith(PG_CUSTOM_MAGIC):
            raise BackupError(f"{source} is not a pg_dump custom-format archive")
        _postgres_restore(using=using, source=source)
    else:
        raise BackupError(f"restore supports SQLite and PostgreSQL, not {vendor}")
    return BackupResult(path=source, vendor=vendor, size_bytes=source.stat().st_size)


def _database_check(*, using: str) -> None:
    """Raise ``BackupError`` unless the database ``using`` exists and answers.

    An SQLite file that does not exist would otherwise be created empty by the connection
    and backed up (or restored into) as if it were the site's database.
    """
    connection = connections[using]
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():  # type: ignore[attr-defined]  # SQLite wrapper
        name = Path(str(connection.settings_dict["NAME"]))
        if not name.is_file():
            raise BackupError(f"no SQLite database at {name} (check DATABASE_URL)")
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        raise BackupError(f"cannot connect to the database: {exc}") from exc


def _sqlite_backup(*, using: str, target: Path) -> None:
    connection = connections[using]
    connection.ensure_connection()
    live = connection.connection
    copy = sqlite3.connect(target)
    try:
        # pages=-1: the whole file in one step, hence one read transaction (a snapshot).
        live.backup(copy, pages=-1)
        # The copy inherits WAL from the live file; DELETE makes it one self-contained file.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()


def _sqlite_restore(*, using: str, source: Path) -> None:
    backup = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        (status,) = backup.execute("PRAGMA quick_check").fetchone()
        if status != "ok":
            raise BackupError(f"{source} is damaged (PRAGMA quick_check: {status})")
        connection = connections[using]
        connection.close()  # no transaction of ours may be open on the live file
        connection.ensure_connection()
        try:
            backup.backup(connection.connection, pages=-1)
        finally:
            # The schema may differ from what this connection cached: start afresh.
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"restore from {source} failed: {exc}") from exc
    finally:
        backup.close()


def _postgres_environment(*, using: str) -> dict[str, str]:
    """Return os.environ plus libpq variables for the database ``using``.

    Django's own ``dbshell`` mapping gives the password, SSL and service variables; host,
    port, user and name are added as ``PGHOST``, ``PGPORT``, ``PGUSER``, ``PGDATABASE``.
    """
    settings_dict = connections[using].settings_dict
    _, client_env = PostgresClient.settings_to_cmd_args_env(settings_dict, [])
    environment = {**os.environ, **(client_env or {})}
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("NAME", "PGDATABASE"),
    ):
        if settings_dict.get(key):
            environment[variable] = str(settings_dict[key])
    return environment


def postgres_program(name: str, *, using: str) -> str:
    """Return the path of ``pg_dump``/``pg_restore`` after checking it can read the server.

    Raises ``BackupError`` when the program is missing or its major version is older than
    the server's (an older ``pg_dump`` refuses a newer server).
    """
    program = shutil.which(name)
    if program is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    output = subprocess.run(  # noqa: S603  # a fixed program found on PATH, no shell
        [program, "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    tool_major = int(match.group(1)) if match else 0
    connection = connections[using]
    connection.ensure_connection()
    server_major = connection.pg_version // 10000  # type: ignore[attr-defined]  # PG wrapper
    if tool_major < server_major:
        raise BackupError(
            f"{name} {tool_major} is older than the PostgreSQL {server_major} server; "
            f"install postgresql-client-{server_major}"
        )
    return program


def _postgres_run(command: list[str], *, using: str) -> None:
    completed = subprocess.run(  # noqa: S603  # argument list, no shell; paths from our code
        command, env=_postgres_environment(using=using), capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise BackupError(
            f"{Path(command[0]).name} failed (exit {completed.returncode}): "
            f"{completed.stderr.strip()}"
        )


def _postgres_backup(*, using: str, target: Path) -> None:
    program = postgres_program("pg_dump", using=using)
    _postgres_run([program, "--format=custom", f"--file={target}"], using=using)


def _postgres_restore(*, using: str, source: Path) -> None:
    program = postgres_program("pg_restore", using=using)
    database = str(connections[using].settings_dict["NAME"])
    # Django's connection would hold no lock, but close it so the drop never waits on it.
    connections[using].close()
    _postgres_run(
        [
            program,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={database}",
            str(source),
        ],
        using=using,
    )
