"""The suite's check that every email it sends links only to ``SITE_URL`` (issue 15).

Issue 15: links and the List-Unsubscribe header pointed at port 8000 while the site ran
on another port. The root conftest runs ``off_site_links`` over every message a test
left in Django's locmem outbox and every message its ``smtp_sink`` accepted, and fails
the test when one holds a link whose origin (scheme, host and port) is not
``SITE_URL``'s: an ``http(s)://`` URL anywhere in a text or HTML part, an ``href`` or
``src`` that is not absolute on ``SITE_URL``, a List-Unsubscribe URL. ``mailto:``
links and in-page anchors (``#top``) are not web links and are left alone.
"""

import email
import email.policy
import re
from collections.abc import Iterable
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

_URL = re.compile(r"https?://[^\s<>\"'()\[\]]+", re.IGNORECASE)
_BRACKETED = re.compile(r"<([^>]*)>")
_LINK_ATTRIBUTES = frozenset({"href", "src"})
_NOT_WEB = ("mailto:", "#", "cid:")


class _Links(HTMLParser):
    """Collects the ``href`` and ``src`` values of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [v.strip() for k, v in attrs if k in _LINK_ATTRIBUTES and v is not None]


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def parsed(message: Any) -> EmailMessage:
    """Return ``message`` (Django ``EmailMessage``, bytes or a parsed message) as parsed MIME."""
    if isinstance(message, EmailMessage):
        return message
    raw = message if isinstance(message, bytes) else message.message().as_bytes()
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def links_of(message: EmailMessage) -> list[str]:
    """Return the web links of a parsed message: List-Unsubscribe URLs, URLs and HTML links."""
    found = [
        url
        for url in _BRACKETED.findall(str(message.get("List-Unsubscribe", "")))
        if not url.lower().startswith(_NOT_WEB)
    ]
    for part in message.walk():
        if part.get_content_maintype() != "text":
            continue
        body = str(part.get_content())  # type: ignore[attr-defined]
        found += _URL.findall(body)
        if part.get_content_subtype() == "html":
            collector = _Links()
            collector.feed(body)
            found += [v for v in collector.found if v and not v.lower().startswith(_NOT_WEB)]
    return found


def off_site_links(
    messages: Iterable[Any], *, site_url: str, also: Iterable[str] = ()
) -> list[str]:
    """Return ``"<subject>: <link>"`` for each link of ``messages`` not on ``site_url``'s origin.

    ``messages`` are Django ``EmailMessage`` objects (the locmem outbox), raw bytes (an
    SMTP sink) or parsed messages. A relative link counts as off-site: an email has no
    base to resolve it against. ``also`` are further allowed origins (``https://host``):
    links written by staff into content, which the site does not build.
    """
    allowed = {_origin(site_url), *(_origin(origin) for origin in also)}
    problems = []
    for message in messages:
        mime = parsed(message)
        for link in links_of(mime):
            if _origin(link) not in allowed:
                problems.append(f"{mime.get('Subject', '')}: {link}")
    return problems
