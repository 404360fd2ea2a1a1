"""Fixtures for the browser journeys: a real server as `make run` starts it, and Chromium.

``e2e_server`` runs gunicorn (the production WSGI server) with ``config.settings.local``
on 127.0.0.1 and a free port, over a fresh temporary SQLite database that ``migrate`` and
``tests/e2e/seed.py`` fill. Its mail goes to an aiosmtpd server on loopback
(``smtp_sink``), so a journey reads the emails a person would receive. The pytest process
never touches that database: it drives the server through the browser and through
``manage.py`` commands run with the server's environment (``LiveServer.manage``).
"""

import email
import email.policy
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
# LEAD411_CHROMIUM points elsewhere (a test of the missing-browser notice uses it).
CHROMIUM = Path(os.environ.get("LEAD411_CHROMIUM", "/usr/bin/chromium"))
# Every reason a browser test is skipped for want of a browser starts with this.
BROWSER_MISSING = "the browser journeys need"
# Debian's Chromium; Playwright cannot download its own browser here.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_START_TIMEOUT_SECONDS = 60
MAIL_WAIT_SECONDS = 20

try:
    from playwright import sync_api as playwright_sync
except ImportError:  # the dev extra is not installed: the journeys skip, the rest runs
    playwright_sync = None  # type: ignore[assignment]


def _skip_without_browser() -> None:
    """Skip the browser tests without Playwright or Chromium; fail them when ``CI=true``.

    CI installs Chromium (.ci/run), so there a missing browser is an error, not a skip.
    Elsewhere ``pytest_terminal_summary`` below says loudly how many did not run.
    """
    if playwright_sync is None:
        reason = f"{BROWSER_MISSING} the playwright package (pip install -e '.[dev]')"
    elif not CHROMIUM.exists():
        reason = (
            f"{BROWSER_MISSING} Chromium at {CHROMIUM} (Debian: apt-get install chromium; "
            "README, 'Browser tests')"
        )
    else:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    """End the run with a red banner when browser tests were skipped for want of a browser.

    A skipped journey proves nothing, and one ``s`` among hundreds of dots goes unseen
    (issue 17).
    """
    reasons = [
        str(report.longrepr[2]).removeprefix("Skipped: ")
        for report in terminalreporter.stats.get("skipped", [])
        if isinstance(report.longrepr, tuple) and BROWSER_MISSING in str(report.longrepr[2])
    ]
    if not reasons:
        return
    count = len(reasons)
    terminalreporter.write_sep(
        "!", f"{count} BROWSER TEST{'S' if count != 1 else ''} DID NOT RUN", red=True, bold=True
    )
    for reason in sorted(set(reasons)):
        terminalreporter.write_line(f"Skipped because {reason}.", red=True, bold=True)
    terminalreporter.write_line(
        "The browser journeys, accessibility checks and screenshots were not tested.",
        red=True,
        bold=True,
    )


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _MailHandler:
    """aiosmtpd handler keeping every accepted message."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.raw: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.raw.append(bytes(envelope.original_content or envelope.content))
        return "250 Message accepted"


@dataclass
class SmtpSink:
    """A running SMTP server on loopback; ``wait_for`` returns a message a person got."""

    port: int
    handler: _MailHandler = field(default_factory=_MailHandler)

    def messages(self) -> list[EmailMessage]:
        """Return every accepted message, oldest first."""
        with self.handler.lock:
            raw = list(self.handler.raw)
        return [email.message_from_bytes(b, policy=email.policy.default) for b in raw]  # type: ignore[misc]

    def wait_for(self, *, to: str, subject_contains: str, after: int = 0) -> EmailMessage:
        """Return the first message (from index ``after`` on) to ``to`` whose subject matches.

        Raises AssertionError after MAIL_WAIT_SECONDS with the subjects that did arrive.
        """
        deadline = time.monotonic() + MAIL_WAIT_SECONDS
        while True:
            for message in self.messages()[after:]:
                if to in str(message["To"]) and subject_contains in str(message["Subject"]):
                    return message
            if time.monotonic() > deadline:
                seen = [(str(m["To"]), str(m["Subject"])) for m in self.messages()]
                raise AssertionError(f"no mail to {to} about {subject_contains!r}; got {seen}")
            time.sleep(0.2)

    def count(self) -> int:
        """Return how many messages arrived so far."""
        with self.handler.lock:
            return len(self.handler.raw)


def text_of(message: EmailMessage) -> str:
    """Return the plain-text body of ``message``."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the message has no text/plain part"
    return str(part.get_content())  # type: ignore[attr-defined]


def links_in(text: str) -> list[str]:
    """Return the http(s) URLs in ``text``."""
    return re.findall(r"https?://[^\s<>\"]+", text)


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    """An aiosmtpd server on 127.0.0.1 receiving the live server's mail."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink(port=free_port())
    controller = Controller(sink.handler, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@dataclass
class LiveServer:
    """A gunicorn server over its own database; ``url`` is its base URL (no trailing /)."""

    url: str
    env: dict[str, str]
    workdir: Path

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``manage.py *args`` against the server's database; return the finished process."""
        return subprocess.run(  # noqa: S603  # our own manage.py with fixed arguments
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

    def shell(self, code: str) -> str:
        """Run Python ``code`` in ``manage.py shell`` against the server's database; return stdout."""
        return self.manage("shell", "--no-imports", "-c", code).stdout


def wait_until_up(
    url: str, process: subprocess.Popen[bytes], log: Path, expect_status: int = 200
) -> None:
    """Wait until ``url``/healthz answers ``expect_status``; raise with the log if it dies."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310  # loopback
                if response.status == expect_status:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code == expect_status:
                return
            time.sleep(0.2)
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {SERVER_START_TIMEOUT_SECONDS} s")


def _static_files_stale() -> bool:
    """Return True when var/static lacks the manifest or is older than a source static file.

    collectstatic with the compressing storage takes half a minute; `make run` runs it too,
    so an up-to-date var/static is reused.
    """
    manifest = REPO / "var" / "static" / "staticfiles.json"
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = (p for p in (REPO / "lead411").glob("*/static/**/*") if p.is_file())
    return any(p.stat().st_mtime > built for p in sources)


def server_env(
    *, workdir: Path, port: int, smtp_port: int, database_url: str = ""
) -> dict[str, str]:
    """Return the environment `make run` gives the server, pointed at ``workdir``'s database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=database_url or f"sqlite:///{workdir / 'e2e.sqlite3'}",
        # Not the checkout's var/cache: rate limits and cached counts stay with this server.
        CACHE_DIR=str(workdir / "cache"),
        # Prepared exports (issue 16) stay with this server, not in the checkout's var/.
        LEADS_EXPORT_DIR=str(workdir / "exports"),
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        SITE_URL=f"http://127.0.0.1:{port}",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # The outbox is drained by the journeys themselves (manage.py), not by a scheduler.
        NEWSLETTER_RETRY_BASE_SECONDS="1",
        # `make run` polls SEC EDGAR; no test reaches the network, even if a scheduler ran.
        EDGAR_POLL_MINUTES="0",
        # The API journey's webhook receiver runs in the test process on 127.0.0.1 (issue 16).
        WEBHOOKS_ALLOW_LOOPBACK="true",
        LOG_LEVEL="WARNING",
    )
    return env


def start_gunicorn(
    *, env: dict[str, str], port: int, log: Path, workers: int = 2
) -> subprocess.Popen[bytes]:
    """Start gunicorn as `make run` does (config.wsgi, 127.0.0.1) and return its process."""
    return subprocess.Popen(  # noqa: S603  # the venv's gunicorn with fixed arguments
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
        ],
        cwd=REPO,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server process we started (TERM, then KILL after 10 s)."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def static_files() -> None:
    """Collect static files into var/static when stale: every gunicorn here needs the manifest."""
    if _static_files_stale():
        subprocess.run(  # our own manage.py
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=REPO,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local"},
            check=True,
            timeout=300,
        )


@pytest.fixture(scope="session")
def e2e_server(
    tmp_path_factory: pytest.TempPathFactory, smtp_sink: SmtpSink, static_files: None
) -> Iterator[LiveServer]:
    """gunicorn with config.settings.local over a fresh, seeded SQLite database."""
    workdir = tmp_path_factory.mktemp("e2e-server")
    port = free_port()
    env = server_env(workdir=workdir, port=port, smtp_port=smtp_sink.port)
    server = LiveServer(url=f"http://127.0.0.1:{port}", env=env, workdir=workdir)
    server.manage("migrate", "--noinput", "--verbosity", "0")
    subprocess.run(  # noqa: S603  # our own seed script
        [sys.executable, str(REPO / "tests" / "e2e" / "seed.py"), str(workdir / "crunchbase")],
        cwd=REPO,
        env=env,
        check=True,
        timeout=120,
    )
    log = workdir / "gunicorn.log"
    process = start_gunicorn(env=env, port=port, log=log)
    try:
        wait_until_up(server.url, process, log)
        yield server
    finally:
        stop(process)
        shutil.rmtree(workdir / "crunchbase", ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium, driven by Playwright."""
    _skip_without_browser()
    with playwright_sync.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, e2e_server: LiveServer) -> Iterator[Any]:
    """A fresh browser context (no cookies) at desktop size; its base URL is the live server."""
    context = browser.new_context(base_url=e2e_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def log_in(page: Any, *, email_address: str, password: str, remember: bool = False) -> None:
    """Log in through the site's own form (allauth), as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email_address)
    page.get_by_label("Password").fill(password)
    if remember:
        page.get_by_label("Remember me").check()
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
