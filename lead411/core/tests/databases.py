"""A database of a test's own, for tests that run the project in subprocesses."""

import os
from pathlib import Path

from django.conf import settings
from django.db import connection


def own_database_url(tmp_path: Path, suffix: str) -> str:
    """Return the URL of an empty database on the vendor the suite runs on.

    SQLite: ``tmp_path/<suffix>.sqlite3``. PostgreSQL: ``<suite database>_<suffix>`` on the
    suite's server, dropped (with its connections) and created again. Subprocesses
    (senders, importers) get it as their ``DATABASE_URL``; run ``migrate`` on it first.
    """
    if connection.vendor != "postgresql":
        return f"sqlite:///{tmp_path / f'{suffix}.sqlite3'}"
    import psycopg

    params = settings.DATABASES["default"]
    name = f"{os.environ.get('DATABASE_URL', '').rsplit('/', 1)[-1] or 'lead411'}_{suffix}"
    host, port = params["HOST"] or "127.0.0.1", params["PORT"] or 5432
    dsn = f"host={host} port={port} user={params['USER']} dbname=postgres"
    if params.get("PASSWORD"):
        dsn += f" password={params['PASSWORD']}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    return f"postgres://{params['USER']}{password}@{host}:{port}/{name}"
