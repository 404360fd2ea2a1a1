"""Load: gunicorn as `make run` serves it, 60 s of mixed traffic from locust on loopback.

Prints a Markdown section (## Load) for BENCHMARKS.md: requests per second, latency
percentiles (p50/p95/p99, milliseconds) and errors, overall and per kind of request.

The server runs ``config.settings.local`` with 3 gunicorn workers on 127.0.0.1 over a
fresh database: a temporary SQLite file, or BENCH_DATABASE_URL (e.g. a PostgreSQL
database of your own; its tables are created by ``migrate`` and filled when empty). The
real CrunchBase 2015 export is imported from LEAD411_DATA_DIR first; without it the
script exits with a message. After SQLite it runs again on PostgreSQL when a server
answers (BENCH_LOAD_POSTGRES_URL, default database ``lead411_load`` on 127.0.0.1; it is
created if missing and filled once). Traffic: half anonymous visitors reading public pages,
half members who log in once and search (words, facets, a lead's page). Bounded: 60 s
(BENCH_LOAD_SECONDS), 20 users (BENCH_LOAD_USERS), loopback only.
"""

import csv
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
USERS = int(os.environ.get("BENCH_LOAD_USERS", "20"))
WORKERS = 3  # as `make run`
MEMBER_EMAIL = "load.member@bench.test"
MEMBER_PASSWORD = "load benchmark member password 2026"  # noqa: S105  # a throwaway bench account

LOCUSTFILE = '''
import random
import re

from locust import HttpUser, between, task

WORDS = ["software", "biotech", "analytics", "mobile", "health", "energy", "games", "security"]
COUNTRIES = ["USA", "GBR", "CAN", "DEU", "FRA", "IND"]


class Visitor(HttpUser):
    """An anonymous visitor reading the public pages."""

    wait_time = between(0.2, 1.0)

    @task(3)
    def home(self):
        self.client.get("/", name="public: /")

    @task(1)
    def others(self):
        path = random.choice(["/about/", "/privacy/", "/contact/", "/accounts/login/"])
        self.client.get(path, name="public: other page")


class Member(HttpUser):
    """A member who logs in once, then searches, filters and opens leads."""

    wait_time = between(0.2, 1.0)

    def on_start(self):
        page = self.client.get("/accounts/login/", name="login form")
        token = self.client.cookies.get("csrftoken")
        self.client.post(
            "/accounts/login/",
            {"login": "%(email)s", "password": "%(password)s", "csrfmiddlewaretoken": token},
            headers={"Referer": self.host + "/accounts/login/"},
            name="login",
        )
        self.lead_ids = []

    @task(4)
    def search(self):
        response = self.client.get("/leads/", params={"q": random.choice(WORDS)}, name="member: search")
        self.lead_ids = [int(x) for x in re.findall(r'href="/leads/(\\d+)/"', response.text)][:25]

    @task(2)
    def search_with_facets(self):
        params = {"q": random.choice(WORDS), "country": random.choice(COUNTRIES), "kind": "funding_round"}
        self.client.get("/leads/", params=params, name="member: search + facets")

    @task(2)
    def lead(self):
        if self.lead_ids:
            self.client.get(f"/leads/{random.choice(self.lead_ids)}/", name="member: lead")
'''


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(cmd: list[str], env: dict[str, str], timeout: int = 1800) -> str:
    """Run ``cmd`` in the repository with ``env``; return stdout or raise with its stderr."""
    done = subprocess.run(  # noqa: S603  # our own interpreter and commands
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def wait_up(url: str, process: subprocess.Popen[bytes]) -> None:
    """Wait until ``url``/healthz answers 200 (at most 60 s)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited at start")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310  # loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer within 60 s")


def stats_rows(prefix: Path) -> list[dict[str, str]]:
    """Return the rows of locust's ``<prefix>_stats.csv``."""
    with open(f"{prefix}_stats.csv", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass
class LoadRun:
    """One load run: the database, its size and set-up time, locust's rows, machine load."""

    vendor: str
    events: int
    setup_seconds: float
    rows: list[dict[str, str]]
    load_before: float
    load_after: float


def postgres_url() -> str | None:
    """Return a PostgreSQL URL for the load run, creating its database; None without a server.

    BENCH_LOAD_POSTGRES_URL chooses it (default: database ``lead411_load`` on
    127.0.0.1:5432, trust auth, as on the development machines); ``-`` skips PostgreSQL.
    """
    url = os.environ.get(
        "BENCH_LOAD_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/lead411_load"
    )
    if url == "-":
        return None
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    try:
        with psycopg.connect(admin, connect_timeout=3, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as exc:
        print(f"No PostgreSQL at {parts.hostname}:{parts.port}: {exc}", file=sys.stderr)
        return None
    return url


def load_run(database_url: str, export: Path, work: Path) -> LoadRun:
    """Migrate and fill ``database_url`` (when empty), serve it with gunicorn, load it with locust."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=database_url,
        SITE_URL=url,
        LOG_LEVEL="WARNING",
        # Its own cache, empty at the start: no counts cached by an earlier run.
        CACHE_DIR=str(work / f"cache-{port}"),
        # No mail is sent by these pages; a dummy backend keeps a stray send off the network.
        EMAIL_URL="dummymail://",
    )
    py = sys.executable
    run([py, "manage.py", "migrate", "--noinput", "--verbosity", "0"], env)
    run([py, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], env)
    started = time.perf_counter()
    setup = (
        "from lead411.leads.models import TriggerEvent\n"
        "from lead411.accounts.models import User\n"
        "from django.core.management import call_command\n"
        "if not TriggerEvent.objects.exists():\n"
        f"    call_command('import_crunchbase', {str(export)!r}, '--no-progress')\n"
        f"if not User.objects.filter(email={MEMBER_EMAIL!r}).exists():\n"
        f"    User.objects.create_user({MEMBER_EMAIL!r}, {MEMBER_PASSWORD!r})\n"
        "print(TriggerEvent.objects.count())\n"
    )
    events = run([py, "manage.py", "shell", "-c", setup], env).strip().splitlines()[-1]
    setup_seconds = time.perf_counter() - started
    locustfile = work / "locustfile.py"
    locustfile.write_text(LOCUSTFILE % {"email": MEMBER_EMAIL, "password": MEMBER_PASSWORD})
    log = (work / f"gunicorn-{port}.log").open("wb")
    server = subprocess.Popen(  # noqa: S603  # the venv's gunicorn with fixed arguments
        [str(Path(py).with_name("gunicorn")), "config.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", str(WORKERS), "--timeout", "60"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_up(url, server)
        load_before = os.getloadavg()[0]
        prefix = work / f"locust-{port}"
        run(
            [str(Path(py).with_name("locust")), "-f", str(locustfile), "--headless",
             "--host", url, "--users", str(USERS), "--spawn-rate", str(max(1, USERS // 5)),
             "--run-time", f"{SECONDS}s", "--stop-timeout", "5", "--csv", str(prefix),
             "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"],
            env, timeout=SECONDS + 120,
        )  # fmt: skip
        rows = stats_rows(prefix)
        load_after = os.getloadavg()[0]
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    vendor = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    return LoadRun(vendor, int(events), setup_seconds, rows, load_before, load_after)


def main() -> None:
    """Load SQLite, then PostgreSQL when a server answers; print the Markdown section."""
    data_dir = Path(os.environ.get("LEAD411_DATA_DIR", ROOT.parent / "shared" / "data"))
    export = data_dir / "crunchbase_2015"
    if not (export / "companies.csv").is_file():
        raise SystemExit(f"No CrunchBase export at {export}: set LEAD411_DATA_DIR.")
    work = Path(tempfile.mkdtemp(prefix="lead411-load-"))
    urls = [os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{work / 'load.sqlite3'}"]
    pg = None if os.environ.get("BENCH_DATABASE_URL") else postgres_url()
    if pg:
        urls.append(pg)
    runs = [load_run(url, export, work) for url in urls]
    print("## Load\n")
    print(
        f"gunicorn ({WORKERS} workers, config.settings.local, as `make run`) on 127.0.0.1 with "
        f"the CrunchBase 2015 export. locust, headless: {USERS} users ({USERS // 2} anonymous "
        f"visitors reading public pages, {USERS - USERS // 2} logged-in members searching with "
        f"words and facets and opening leads), 0.2-1 s think time, {SECONDS} s per database, "
        "loopback; each server starts with an empty cache, so the first search of each filter "
        "is counted and later ones reuse the cached total and facets (as in production). "
        f"Latencies in ms; {os.cpu_count()} cores shared by server, database and locust.\n"
    )
    print("| database | request | req/s | p50 | p95 | p99 | max | errors |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for result in runs:
        for row in result.rows:
            name = "**all**" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
            print(
                f"| {result.vendor} | {name} | {float(row['Requests/s']):.1f} | {row['50%']} | "
                f"{row['95%']} | {row['99%']} | {float(row['Max Response Time']):.0f} | "
                f"{row['Failure Count']} of {row['Request Count']} |"
            )
    print()
    for result in runs:
        print(
            f"- {result.vendor}: {result.events:,} trigger events (set up in "
            f"{result.setup_seconds:.0f} s); load average (1 min) {result.load_before:.1f} "
            f"before and {result.load_after:.1f} after the run."
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
