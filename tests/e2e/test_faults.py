"""Faults against a real gunicorn server: database unavailable, SMTP server down.

See docs/faults.md for what each test shows and for the faults proved elsewhere.
"""

import ast
import json
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import (
    LiveServer,
    free_port,
    log_in,
    server_env,
    start_gunicorn,
    stop,
    wait_until_up,
)
from tests.e2e.personas import MEMBER

MAX_WRITES = 5000  # writes attempted by the crash test; the kill comes after 1.5 s


def _get(url: str) -> tuple[int, str, dict[str, str]]:
    """Return (status, body, headers) of a GET, for any status."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310  # loopback
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


@pytest.fixture
def server_without_database(tmp_path: Path, static_files: None) -> Iterator[str]:
    """gunicorn whose DATABASE_URL points at a PostgreSQL port where nothing listens."""
    port = free_port()
    env = server_env(
        workdir=tmp_path,
        port=port,
        smtp_port=free_port(),
        database_url=f"postgres://lead411:x@127.0.0.1:{free_port()}/gone",
    )
    process = start_gunicorn(env=env, port=port, log=tmp_path / "gunicorn.log", workers=1)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, tmp_path / "gunicorn.log", expect_status=503)
        yield url
    finally:
        stop(process)


def test_database_unavailable_gives_a_clear_503_page_without_a_trace(
    server_without_database: str,
) -> None:
    """Public and member pages answer 503 with Retry-After and a plain page; no stack trace."""
    for path in ("/", "/about/", "/leads/?q=software", "/accounts/login/"):
        status, body, headers = _get(server_without_database + path)
        assert status == 503, path
        assert headers["Retry-After"] == "30"
        assert "Service temporarily unavailable" in body
        assert "Traceback" not in body
        assert "OperationalError" not in body
    status, body, _ = _get(server_without_database + "/healthz")
    assert status == 503
    assert json.loads(body) == {
        "status": "error",
        "database": "unavailable",
        "detail": "OperationalError",
    }


@pytest.fixture
def server_without_smtp(e2e_server: LiveServer, tmp_path: Path) -> Iterator[str]:
    """A second gunicorn over the seeded database whose SMTP server refuses connections."""
    port = free_port()
    env = dict(e2e_server.env)
    env.update(EMAIL_URL=f"smtp://127.0.0.1:{free_port()}", SITE_URL=f"http://127.0.0.1:{port}")
    process = start_gunicorn(env=env, port=port, log=tmp_path / "gunicorn.log", workers=1)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, tmp_path / "gunicorn.log")
        yield url
    finally:
        stop(process)


def _statuses(page) -> list[int]:
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status))
    return statuses


def test_smtp_down_contact_form_still_answers(browser, server_without_smtp: str) -> None:
    """With no SMTP server, a breach report through the contact form is accepted, not a 500."""
    context = browser.new_context(base_url=server_without_smtp)
    page = context.new_page()
    try:
        page.goto("/contact/")
        page.locator("#id_name").fill("Visitor")
        page.locator("#id_email").fill("visitor@example.com")
        page.locator("#id_category").select_option("breach")
        page.locator("#id_message").fill("Is my data kept when SMTP is down?")
        statuses = _statuses(page)
        page.get_by_role("button", name="Send").click()
        page.wait_for_load_state()
        assert all(status < 500 for status in statuses), statuses
        assert "/contact/sent/" in page.url
    finally:
        context.close()


def test_smtp_down_password_reset_still_answers(browser, server_without_smtp: str) -> None:
    """With no SMTP server, a password-reset request answers without a server error."""
    context = browser.new_context(base_url=server_without_smtp)
    page = context.new_page()
    try:
        page.goto("/accounts/password/reset/")
        page.locator("#id_email").fill(MEMBER.email)
        statuses = _statuses(page)
        page.locator("main button[type=submit]").last.click()
        page.wait_for_load_state()
        assert statuses, "the form was not submitted"
        assert all(status < 500 for status in statuses), statuses
    finally:
        context.close()


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL a gunicorn master and its workers (no graceful shutdown: a crash)."""
    import psutil

    parent = psutil.Process(process.pid)
    children = parent.children(recursive=True)
    parent.kill()
    for child in children:
        child.kill()
    process.wait(timeout=10)


def test_killing_the_server_during_writes_loses_no_acknowledged_write(
    browser, e2e_server: LiveServer, tmp_path: Path
) -> None:
    """A member saves searches one after another; gunicorn is SIGKILLed midway and restarted.

    Every save the server acknowledged (302) is there after the restart, none twice, and
    SQLite's integrity check is "ok".
    """
    email_address, password = "kai.crash@e2e.test", "a long password for the crash test"
    # The largest plan, so the saves are still being written when the kill lands.
    e2e_server.shell(
        "from lead411.accounts.models import User; "
        f"User.objects.create_user({email_address!r}, {password!r}, plan='enterprise')"
    )
    port = free_port()
    env = dict(e2e_server.env, SITE_URL=f"http://127.0.0.1:{port}")
    url = f"http://127.0.0.1:{port}"
    process = start_gunicorn(env=env, port=port, log=tmp_path / "gunicorn.log", workers=2)
    context = browser.new_context(base_url=url)
    acknowledged: list[str] = []
    try:
        wait_until_up(url, process, tmp_path / "gunicorn.log")
        log_in(context.new_page(), email_address=email_address, password=password)
        token = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
        killer = threading.Timer(1.5, _kill_tree, args=(process,))
        killer.start()
        # More writes than can finish before the timer fires on any machine, so the
        # kill always lands mid-series; the dead connection ends the loop.
        for i in range(MAX_WRITES):
            name = f"crash-{i:04d}"
            try:
                response = context.request.post(
                    f"/leads/searches/new/?q=crash{i}",
                    form={"csrfmiddlewaretoken": token, "name": name, "params": f"q=crash{i}",
                          "include_in_newsletter": "on"},
                    max_redirects=0,
                    timeout=5_000,
                )  # fmt: skip
            except Exception:  # the connection dies with the server: expected
                break
            if response.status == 302:
                acknowledged.append(name)
        killer.join()
    finally:
        context.close()
        if process.poll() is None:
            stop(process)
    assert acknowledged, "no write was acknowledged before the kill"
    assert len(acknowledged) < MAX_WRITES, "the server was not killed during the writes"
    restarted = start_gunicorn(env=env, port=port, log=tmp_path / "gunicorn2.log", workers=1)
    try:
        wait_until_up(url, restarted, tmp_path / "gunicorn2.log")
        out = e2e_server.shell(
            "from django.db import connection; "
            "from lead411.leads.models import SavedSearch; "
            f"names = list(SavedSearch.objects.filter(member__email={email_address!r})"
            ".values_list('name', flat=True)); "
            "print(sorted(names)); "
            "cur = connection.cursor(); cur.execute('PRAGMA integrity_check'); "
            "print(cur.fetchone()[0])"
        )
    finally:
        stop(restarted)
    saved_line, integrity = out.strip().splitlines()[-2:]
    saved = ast.literal_eval(saved_line)
    assert integrity == "ok"
    assert len(saved) == len(set(saved))
    assert set(acknowledged) <= set(saved)
    assert len(saved) <= len(acknowledged) + 1  # at most the one in flight at the kill
