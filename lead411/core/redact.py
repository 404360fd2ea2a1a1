"""Keep secrets that travel in URLs out of every log (issue 8, "Security").

Four links carry their secret in the path: the unsubscribe link (signed token, clause
P7), the password-reset link (allauth's key, P12), the email-verification link (P10)
and the "report a stolen password" link of the password-changed notice (P13). Anything
that logs a request line, a path or a referrer would otherwise write the secret down:
``django.request``'s "Not Found: <path>" warnings, gunicorn's access log, and the
anonymous web log (``lead411.weblog``, P2), which stores public pages' paths and
referrers.

`text_escape_unprintable` writes control characters as escapes, so a user agent or
referrer holding U+0085, U+2028 or another C0/C1 control can neither break a log line
in two nor reach a stored column raw (issue 17).

`text_redact` replaces the secret segment of those paths, wherever they appear in a
text, by ``[redacted]``. The path prefixes come from the URL configuration (``reverse``
with a sample value), so a route that moves stays covered. `SecretRedactingFilter`
applies it to log records (configured on the console handler in ``LOGGING``) and
`GunicornLogger` to gunicorn's access-log atoms (``--logger-class``).
"""

import logging
import re
from functools import cache
from typing import Any

import gunicorn.glogging
from django.conf import settings
from django.urls import NoReverseMatch, get_urlconf, reverse

REDACTED = "[redacted]"
_SAMPLE = "SECRETSAMPLE"
# URL name -> the sample kwargs whose first value marks where the secret starts.
SECRET_URLS: dict[str, dict[str, str]] = {
    "mail:unsubscribe": {"token": _SAMPLE},
    "accounts:stolen-password-link": {"token": _SAMPLE},
    "account_reset_password_from_key": {"uidb36": _SAMPLE, "key": "k"},
    "account_confirm_email": {"key": _SAMPLE},
}
# Request headers that hold a session id or credentials: never in an access log.
SECRET_HEADER_ATOMS = ("{cookie}i", "{authorization}i", "{set-cookie}o")


@cache
def _secret_paths_of(urlconf: Any) -> re.Pattern[str] | None:
    """Return a regex of each secret-bearing path prefix of ``urlconf`` and its secret.

    None when ``urlconf`` (a module or its dotted name) has none of those routes.
    """
    prefixes = []
    for name, kwargs in SECRET_URLS.items():
        try:
            sample = reverse(name, kwargs=kwargs, urlconf=urlconf)
        except NoReverseMatch:  # an app switched off in this deployment
            continue
        prefixes.append(re.escape(sample[: sample.index(_SAMPLE)]))
    if not prefixes:  # an empty alternation would match, and redact, every word
        return None
    # The secret runs to the next slash, query, fragment, quote or space, in raw or
    # percent-encoded form (%2F stays inside the match, so nothing of it is left).
    return re.compile(r"(?P<prefix>" + "|".join(prefixes) + r")[^/?#\s\"'<>]+")


def _secret_paths() -> re.Pattern[str] | None:
    """The pattern of the URL configuration in force (a test may switch it)."""
    return _secret_paths_of(get_urlconf() or settings.ROOT_URLCONF)


def text_redact(text: str) -> str:
    """Return ``text`` with the secret of every secret-bearing path replaced by ``[redacted]``.

    ``"Not Found: /newsletter/unsubscribe/abc.def/"`` →
    ``"Not Found: /newsletter/unsubscribe/[redacted]/"``. Works on paths, full URLs,
    request lines and free text; other text comes back unchanged.
    """
    pattern = _secret_paths() if text else None
    return pattern.sub(r"\g<prefix>" + REDACTED, text) if pattern else text


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def text_escape_unprintable(text: str) -> str:
    """Return ``text`` with every character that ``str.isprintable`` refuses escaped.

    Controls (C0, DEL, C1 such as U+0085), line and paragraph separators (U+2028,
    U+2029), format characters and spaces other than U+0020 become Python-style escapes:
    U+0085 becomes the four characters ``\\x85``, U+2028 the six ``\\u2028``.
    Printable text, letters of any script included, comes back unchanged.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


class SecretRedactingFilter(logging.Filter):
    """A logging filter that redacts secret-bearing paths from each record's message.

    It also drops the exception of ``django.template``'s DEBUG records (see below). The
    record is rewritten in place (``msg`` becomes the redacted message, ``args``
    empty), so every handler after this one sees the redacted text too. Never drops a
    record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place and return True."""
        try:
            message = record.getMessage()
            redacted = text_redact(message)
            exc_text = text_redact(record.exc_text) if record.exc_text else record.exc_text
        except Exception:  # a broken record, or URLs not loaded yet at startup
            return True
        if redacted != message:
            record.msg, record.args = redacted, ()
        record.exc_text = exc_text
        if record.name.startswith("django.template") and record.exc_info:
            # At DEBUG, django.template logs each missing variable with its exception, whose
            # text is the repr of the whole template context: reset and verification keys,
            # the reset URL, bound forms. The message (variable and template) is kept.
            record.exc_info, record.exc_text = None, None
        return True


class GunicornLogger(gunicorn.glogging.Logger):
    """gunicorn's logger with secret paths redacted and cookies dropped from the access log.

    Use with ``gunicorn --logger-class lead411.core.redact.GunicornLogger``. The request
    line (``%(r)s``), path (``%(U)s``), query (``%(q)s``) and referrer (``%(f)s``)
    atoms, and any header atom, go through `text_redact`; ``Cookie``,
    ``Authorization`` and ``Set-Cookie`` become ``-``. Every text atom (user agent and
    referrer included) then goes through `text_escape_unprintable`, so one request is
    one line.
    """

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        """Return gunicorn's atoms for one access-log line, redacted."""
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str):
                atoms[key] = text_escape_unprintable(text_redact(value))
        for key in SECRET_HEADER_ATOMS:
            if key in atoms:
                atoms[key] = "-"
        return atoms
