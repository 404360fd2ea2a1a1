"""Load: gunicorn as `make run` serves it, 60 s of mixed traffic from locust on loopback.

Prints a Markdown section (## Load) for BENCHMARKS.md: requests per second, latency
percentiles (p50/p95/p99, milliseconds) and errors, overall and per kind of request.

The server runs ``config.settings.local`` with 3 gunicorn workers on 127.0.0.1 over a
fresh database: a temporary SQLite file, or BENCH_DATABASE_URL (e.g. a PostgreSQL
database of your own; its tables are created by ``migrate`` and filled when empty). The
real CrunchBase 2015 export is imported from LEAD411_DATA_DIR first; without it the
script exits with a message. Traffic: half anonymous visitors reading public pages,
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
from pathlib import Path

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


def main() -> None:
    """Set up the database and server, run locust, print the Markdown section."""
    data_dir = Path(os.environ.get("LEAD411_DATA_DIR", ROOT.parent / "shared" / "data"))
    export = data_dir / "crunchbase_2015"
    if not (export / "companies.csv").is_file():
        raise SystemExit(f"No CrunchBase export at {export}: set LEAD411_DATA_DIR.")
    work = Path(tempfile.mkdtemp(prefix="lead411-load-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database_url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{work / 'load.sqlite3'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=database_url,
        SITE_URL=url,
        LOG_LEVEL="WARNING",
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
    import_seconds = time.perf_counter() - started
    locustfile = work / "locustfile.py"
    locustfile.write_text(LOCUSTFILE % {"email": MEMBER_EMAIL, "password": MEMBER_PASSWORD})
    log = (work / "gunicorn.log").open("wb")
    server = subprocess.Popen(  # noqa: S603  # the venv's gunicorn with fixed arguments
        [str(Path(py).with_name("gunicorn")), "config.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", str(WORKERS), "--timeout", "60"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_up(url, server)
        load_before = os.getloadavg()[0]
        prefix = work / "locust"
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
    print("## Load\n")
    print(
        f"gunicorn ({WORKERS} workers, config.settings.local) on 127.0.0.1 over {vendor} with the "
        f"CrunchBase 2015 export ({int(events):,} trigger events; set up in {import_seconds:.0f} s). "
        f"locust, headless: {USERS} users ({USERS // 2} anonymous visitors reading public pages, "
        f"{USERS - USERS // 2} logged-in members searching with words and facets and opening "
        f"leads), 0.2-1 s think time, {SECONDS} s, loopback. Latencies in ms. "
        f"Machine load average (1 min) {load_before:.1f} before and {load_after:.1f} after the run "
        f"on {os.cpu_count()} cores: other work on the machine competes with the server.\n"
    )
    print("| request | req/s | p50 | p95 | p99 | max | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        name = "**all**" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        print(
            f"| {name} | {float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} | "
            f"{row['99%']} | {float(row['Max Response Time']):.0f} | "
            f"{row['Failure Count']} of {row['Request Count']} |"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
