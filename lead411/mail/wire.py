"""The wire form of an outbox email, built without the ``email`` package's object model.

The outbox sends one email per member a day. Building its bytes through Django's
``EmailMultiAlternatives`` and Python's ``email`` generator costs about a millisecond for a
15 KiB newsletter: more than the whole SMTP exchange with a nearby server (issue 15 asks
for at least 80 % of a bare ``smtplib`` loop's rate). This module writes the same message
directly: the headers Django would write, encoded by Django's own ``forbid_multi_line_headers``
where they are not plain ASCII, and each body part as ``7bit``/``8bit`` or, when a line is
longer than RFC 5322's 998 octets, quoted-printable, as Django chooses (``SafeMIMEText``).

What "the same" means is tested, not assumed: ``tests/test_wire.py`` parses this form and
Django's with the standard parser and compares every header and decoded part, over
generated subjects, names, bodies and addresses. Anything this module does not handle
(a header value that Django would reject or fold, such as a newline or a value longer
than a line) is a ``WireUnsupported``, and the caller uses Django's builder.
"""

import binascii
import secrets
from collections.abc import Mapping
from email.utils import formatdate
from functools import lru_cache

from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, forbid_multi_line_headers

# A header line this long or longer is left to Django, which folds it.
_HEADER_LIMIT = 900


class WireUnsupported(ValueError):
    """The message needs the ``email`` package's folding or checks; build it with Django."""


def _header(name: str, value: str) -> bytes:
    """Return the header line ``name: value`` (CRLF), RFC 2047-encoded as Django encodes it.

    Raises ``WireUnsupported`` for values Django would fold or reject.
    """
    if "\n" in value or "\r" in value or len(name) + len(value) > _HEADER_LIMIT:
        raise WireUnsupported(f"header {name} needs folding or is invalid")
    if value.isascii():
        return f"{name}: {value}\r\n".encode("ascii")
    return _encoded_header(name, value)


@lru_cache(maxsize=1024)
def _encoded_header(name: str, value: str) -> bytes:
    """Return a header line with a non-ASCII value, encoded by Django (cached: a daily
    build's messages share their sender and a few subjects)."""
    _, encoded = forbid_multi_line_headers(name, value, "utf-8")
    line = f"{name}: {encoded}"
    if "\n" in line or len(line) > _HEADER_LIMIT:
        raise WireUnsupported(f"header {name} is folded when encoded")
    return (line + "\r\n").encode("ascii")


_OWN_HEADERS = frozenset({"subject", "from", "to", "date", "mime-version", "content-type"})


def _crlf(data: bytes) -> bytes:
    """Return ``data`` with every line ending (CRLF, CR or LF, as the email generator reads
    them) written as CRLF."""
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data.replace(b"\n", b"\r\n")


def _part(subtype: str, body: str) -> bytes:
    """Return one ``text/<subtype>`` MIME part, headers and CRLF body, as Django writes it."""
    data = body.encode("utf-8", errors="surrogateescape")
    long_lines = (
        len(data) > RFC5322_EMAIL_LINE_LENGTH_LIMIT
        and max(map(len, data.replace(b"\r", b"\n").split(b"\n"))) > RFC5322_EMAIL_LINE_LENGTH_LIMIT
    )
    if long_lines:
        encoding = "quoted-printable"
        # Soft line breaks keep every line under 77 octets (RFC 2045 section 6.7).
        data = binascii.b2a_qp(_crlf(data).replace(b"\r\n", b"\n"), istext=True)
    else:
        encoding = "7bit" if data.isascii() else "8bit"
    head = (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        f"MIME-Version: 1.0\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n"
    ).encode("ascii")
    return head + _crlf(data)


def message_wire_bytes(
    *,
    subject: str,
    from_email: str,
    to_email: str,
    headers: Mapping[str, str],
    text: str,
    html: str = "",
    localtime: bool = False,
) -> bytes:
    """Return the CRLF wire form of a text email, with an HTML alternative when ``html``.

    ``headers`` are extra headers (Message-ID, List-Unsubscribe...), written after Date in
    their order. Raises ``WireUnsupported`` where Django's builder must be used instead.
    """
    if any(name.lower() in _OWN_HEADERS for name in headers):
        raise WireUnsupported("extra headers replace a header this module writes")
    if not text or subject != subject.strip():
        # Django leaves out an empty text part; parsers differ on an encoded subject's
        # outer spaces depending on how it is folded.
        raise WireUnsupported("empty text part or a subject with outer spaces")
    out = [
        _header("Subject", subject),
        _header("From", from_email),
        _header("To", to_email),
        _header("Date", formatdate(localtime=localtime)),
    ]
    out += [_header(name, value) for name, value in headers.items()]
    header_block = b"".join(out)
    plain = _part("plain", text)
    if not html:
        return plain.replace(b"\r\n\r\n", b"\r\n" + header_block + b"\r\n", 1)
    alternative = _part("html", html)
    boundary = secrets.token_hex(16).encode("ascii")
    while boundary in plain or boundary in alternative:
        boundary = secrets.token_hex(16).encode("ascii")
    delimiter = b"--" + boundary
    return b"".join(
        (
            b'Content-Type: multipart/alternative;\r\n boundary="' + boundary + b'"\r\n',
            b"MIME-Version: 1.0\r\n",
            header_block,
            b"\r\n",
            delimiter + b"\r\n",
            plain,
            b"\r\n" + delimiter + b"\r\n",
            alternative,
            b"\r\n" + delimiter + b"--\r\n",
        )
    )
