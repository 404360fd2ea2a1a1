"""Logs never hold a password, a reset or verification key, a token or a session id (issue 8).

One journey runs every flow that handles a secret, through the test client with all
loggers at DEBUG: sign-up and email verification, a failed and a good login, password
change, "forgot password" by the emailed link, the stolen-password link of the
password-changed notice, and the unsubscribe link (its confirmation page and RFC 8058
one-click POST), each also with a damaged secret, which is what makes
``django.request`` log the path ("Not Found: ..." / "Bad Request: ..."). Every secret
met on the way (typed passwords, keys and tokens taken from the emails, every session
cookie) is collected. Then no log record (message with its arguments, and exception
text), no line the configured console handler wrote, and no row of the anonymous web
log (its path and referrer, clause P2) may contain any of them.

gunicorn's access log is not in-process here; its atoms are checked through
``lead411.core.redact.GunicornLogger``, the ``--logger-class`` that ``make run`` uses.

Found and fixed on the way: an unsubscribe, reset, verification or stolen-password link
with a damaged secret was logged with its path by ``django.request``; gunicorn's access
log wrote every such link's secret; the web log stored them as page paths.
"""

import datetime as dt
import io
import logging
import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.test import Client
from gunicorn.config import Config

from lead411.accounts.models import User
from lead411.core.redact import REDACTED, GunicornLogger, SecretRedactingFilter, text_redact
from lead411.mail.services import mail_preferences_set, unsubscribe_url
from lead411.weblog.models import PageView
from lead411.weblog.recorder import buffer

pytestmark = pytest.mark.clause("P10")

EMAIL = "secretive@example.com"
FIRST_PASSWORD = "first Horse battery 2026!"
WRONG_PASSWORD = "wrong Horse battery 2026!"
SECOND_PASSWORD = "second Horse battery 2026!"
THIRD_PASSWORD = "third Horse battery 2026!"


class Journey:
    """A test client that remembers every secret it meets and every email sent."""

    def __init__(self, client: Client, outbox: list[EmailMessage]) -> None:
        self.client = client
        self.outbox = outbox
        self.secrets: set[str] = {FIRST_PASSWORD, WRONG_PASSWORD, SECOND_PASSWORD, THIRD_PASSWORD}

    def request(
        self, method: str, url: str, data: dict[str, str] | None = None, referer: str = ""
    ) -> Any:
        """Send one request; remember the session cookie it left."""
        call = self.client.post if method == "POST" else self.client.get
        headers = {"referer": referer} if referer else None
        response = call(url, data or {}, headers=headers)
        cookie = self.client.cookies.get("sessionid")
        if cookie is not None and cookie.value:
            self.secrets.add(cookie.value)
        return response

    def link_from_last_email(self, pattern: str) -> tuple[str, str]:
        """Return ``(path, secret)`` of the last email's link matching ``pattern``.

        ``pattern`` has one group, the secret; the path is the whole match.
        """
        for message in reversed(self.outbox):
            found = re.search(pattern, str(message.body))
            if found:
                self.secrets.add(found.group(1))
                return found.group(0), found.group(1)
        raise AssertionError(f"no email holds {pattern}: {[m.subject for m in self.outbox]}")

    def damaged(self, path: str, secret: str) -> str:
        """Return ``path`` with its secret cut short by one character (still mostly secret)."""
        self.secrets.add(secret[:-1])
        return path.replace(secret, secret[:-1])


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[io.StringIO]:
    """Every logger at DEBUG into ``caplog``; yield what the console handler writes."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    consoles = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, SecretRedactingFilter) for f in h.filters)
    ]
    assert consoles, "LOGGING lost the redacting filter on its console handler"
    stream = io.StringIO()
    previous = [h.setStream(stream) for h in consoles if isinstance(h, logging.StreamHandler)]
    try:
        yield stream
    finally:
        for handler, old in zip(consoles, previous, strict=True):
            if isinstance(handler, logging.StreamHandler) and old is not None:
                handler.setStream(old)


@pytest.fixture
def weblog_on(settings: Any) -> Iterator[None]:
    """The anonymous web log records every request at once."""
    settings.WEBLOG_RECORDING_ENABLED = True
    settings.WEBLOG_BUFFER_ROWS = 1
    settings.WEBLOG_FLUSH_INTERVAL_SECONDS = 0
    buffer.reset()
    yield
    buffer.reset()


def logged_texts(caplog: pytest.LogCaptureFixture, console: io.StringIO) -> list[str]:
    """Every record's message (arguments formatted) and exception text, and the console output."""
    texts = [console.getvalue()]
    for record in caplog.records:
        texts.append(record.getMessage())
        if record.exc_info:
            texts.append(logging.Formatter().formatException(record.exc_info))
        if record.exc_text:
            texts.append(record.exc_text)
    return texts


def test_no_secret_of_any_flow_reaches_a_log(
    db: None,
    settings: Any,
    all_logs: io.StringIO,
    caplog: pytest.LogCaptureFixture,
    weblog_on: None,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Sign-up, verification, login, password change and reset, stolen password, unsubscribe."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    journey = Journey(Client(raise_request_exception=False), mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = journey.request(
            "POST",
            "/accounts/signup/",
            {
                "email": EMAIL,
                "password1": FIRST_PASSWORD,
                "password2": FIRST_PASSWORD,
                "first_name": "Sid",
                "last_name": "Secret",
                "company": "Acme",
                "job_title": "Buyer",
                "telephone": "+1 555 0199",
                "industry": "Retail",
                "company_size": "11-50",
                "country": "Canada",
            },
        )
    assert response.status_code == 302
    path, key = journey.link_from_last_email(r"/accounts/confirm-email/([^/\s]+)/")
    assert journey.request("GET", journey.damaged(path, key)).status_code in (200, 404)
    assert journey.request("GET", path).status_code == 200
    assert journey.request("POST", path).status_code == 302
    user = User.objects.get(email=EMAIL)
    User.objects.filter(pk=user.pk).update(is_active=True)
    # The application is approved (staff's step) so the login below reaches the site.
    from lead411.accounts.services import application_approve

    staff = User.objects.create_superuser("root@example.com", THIRD_PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        application_approve(actor=staff, application=user.application)  # type: ignore[attr-defined]  # reverse one-to-one

    journey.request("POST", "/accounts/logout/")
    response = journey.request(
        "POST", "/accounts/login/", {"login": EMAIL, "password": WRONG_PASSWORD}
    )
    assert response.status_code == 200
    response = journey.request(
        "POST", "/accounts/login/", {"login": EMAIL, "password": FIRST_PASSWORD}
    )
    assert response.status_code == 302
    assert journey.request("GET", "/members/account/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = journey.request(
            "POST",
            "/accounts/password/change/",
            {
                "oldpassword": FIRST_PASSWORD,
                "password1": SECOND_PASSWORD,
                "password2": SECOND_PASSWORD,
            },
        )
    assert response.status_code == 302, response.content.decode()[:1500]
    stolen_path, stolen_token = journey.link_from_last_email(r"/members/stolen-password/([^/\s]+)/")

    journey.request("POST", "/accounts/logout/")
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            journey.request("POST", "/accounts/password/reset/", {"email": EMAIL}).status_code
            == 302
        )
    reset_path, reset_key = journey.link_from_last_email(r"/accounts/password/reset/key/([^/\s]+)/")
    journey.request("GET", journey.damaged(reset_path, reset_key))
    response = journey.request("GET", reset_path)
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = journey.request(
            "POST", response["Location"], {"password1": THIRD_PASSWORD, "password2": THIRD_PASSWORD}
        )
    assert response.status_code == 302, response.content.decode()[:1500]

    # The reset changed the password hash, which the first notice's link was bound to; the
    # password-reset notice carries a fresh one.
    assert journey.request("GET", stolen_path).status_code == 404
    stolen_path, stolen_token = journey.link_from_last_email(r"/members/stolen-password/([^/\s]+)/")
    journey.request("GET", journey.damaged(stolen_path, stolen_token))
    assert journey.request("GET", stolen_path).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        journey.request("POST", stolen_path, {"confirm": "on"})

    user.refresh_from_db()
    prefs = mail_preferences_set(member=user, consents={"daily": True})
    link = unsubscribe_url(prefs=prefs, stream="daily")
    unsubscribe_path = link[link.index("/newsletter/") :]
    token = unsubscribe_path.rstrip("/").rsplit("/", 1)[1]
    journey.secrets.add(token)
    journey.secrets.add(prefs.unsubscribe_key)
    assert journey.request("GET", journey.damaged(unsubscribe_path, token)).status_code == 400
    assert journey.request("POST", journey.damaged(unsubscribe_path, token)).status_code == 400
    assert journey.request("GET", unsubscribe_path).status_code == 200
    response = journey.request("POST", unsubscribe_path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    # The next page names the unsubscribe link as its referrer.
    journey.request("GET", "/", referer="https://leads.example.com" + unsubscribe_path)
    buffer.flush()

    secrets = {s for s in journey.secrets if len(s) >= 8}
    assert len(secrets) >= 12, secrets  # passwords, keys, tokens, sessions were all met
    assert caplog.records, "nothing was logged: the capture is broken"
    for text in logged_texts(caplog, all_logs):
        leaked = [s for s in secrets if s in text]
        assert not leaked, (leaked, text[:500])
    assert any(REDACTED in t for t in logged_texts(caplog, all_logs)), "no path needed redacting"
    rows = list(PageView.objects.values_list("path", "referrer"))
    assert any(REDACTED in path for path, _ in rows), rows
    assert any(REDACTED in referrer for _, referrer in rows), rows
    for path, referrer in rows:
        leaked = [s for s in secrets if s in path or s in referrer]
        assert not leaked, (path, referrer)


def test_the_redacting_filter_rewrites_a_record_for_every_later_handler() -> None:
    """A "Not Found" warning with an unsubscribe path reaches handlers without its token."""
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        ("/newsletter/unsubscribe/abc.DEF-123:xyz/",),
        None,
    )
    assert SecretRedactingFilter().filter(record)
    assert record.getMessage() == "Not Found: /newsletter/unsubscribe/[redacted]/"
    assert text_redact("/members/stolen-password/") == "/members/stolen-password/"
    assert text_redact("/accounts/password/reset/") == "/accounts/password/reset/"


def test_gunicorn_access_log_atoms_hold_no_secret_and_no_cookie() -> None:
    """The ``--logger-class`` of ``make run``: request line, path, referrer redacted; cookies dropped."""
    cfg = Config()
    logger = GunicornLogger(cfg)
    secret = "eyJzZWNyZXQiOjF9:1v2w3x:ABCDEFGH"
    path = f"/newsletter/unsubscribe/{secret}/"
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": path + "?x=1",
        "PATH_INFO": path,
        "QUERY_STRING": "x=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.1",
        "HTTP_REFERER": f"https://leads.example.com/accounts/password/reset/key/3-{secret}/",
        "HTTP_USER_AGENT": "curl/8",
    }
    request = SimpleNamespace(
        headers=[("COOKIE", "sessionid=s3ss10nk3y"), ("HOST", "leads.example.com")]
    )
    response = SimpleNamespace(
        status="200 OK", sent=10, headers=[("Set-Cookie", "sessionid=s3ss10nk3y")]
    )
    atoms = logger.atoms(response, request, environ, dt.timedelta(milliseconds=5))
    line = cfg.access_log_format % atoms
    everything = line + " " + " ".join(str(v) for v in atoms.values())
    assert secret not in everything
    assert "s3ss10nk3y" not in everything
    assert "POST /newsletter/unsubscribe/[redacted]/?x=1 HTTP/1.1" in line


def test_gunicorn_access_log_escapes_control_characters_of_agent_and_referrer() -> None:
    """Issue 17: U+0085 and U+2028 in a user agent or referrer reached the access log raw."""
    cfg = Config()
    logger = GunicornLogger(cfg)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/about/",
        "PATH_INFO": "/about/",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.1",
        "HTTP_REFERER": "https://example.org/a\x85b\u2028c",
        "HTTP_USER_AGENT": "Agent\r\n192.0.2.9 - - forged line\x1b[31m\x00",
    }
    request = SimpleNamespace(headers=[("HOST", "leads.example.com")])
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(response, request, environ, dt.timedelta(milliseconds=5))
    line = cfg.access_log_format % atoms
    assert line.isprintable(), repr(line)
    assert '"https://example.org/a\\x85b\\u2028c"' in line
    assert '"Agent\\x0d\\x0a192.0.2.9 - - forged line\\x1b[31m\\x00"' in line
