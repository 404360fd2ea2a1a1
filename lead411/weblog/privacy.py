"""Minimisation before storage (clause P2): network prefixes, visitor hashes, clean URLs."""

import hashlib
import hmac
import ipaddress
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit

from lead411.core.redact import text_escape_unprintable, text_redact

_SEARCH_ENGINES = (
    ("google.", "Google"),
    ("bing.com", "Bing"),
    ("duckduckgo.com", "DuckDuckGo"),
    ("search.yahoo.", "Yahoo"),
    ("yahoo.", "Yahoo"),
    ("baidu.", "Baidu"),
    ("yandex.", "Yandex"),
    ("ecosia.org", "Ecosia"),
    ("ask.com", "Ask"),
    ("search.brave.com", "Brave"),
)
_ASSET_SUFFIXES = (
    ".css", ".js", ".png", ".jpg", ".jpeg", ".gif", ".ico", ".svg", ".webp",
    ".woff", ".woff2", ".ttf", ".eot", ".map", ".xml", ".txt",
)  # fmt: skip


@lru_cache(maxsize=65536)
def minimise_ip(ip: str) -> str:
    """Return the network of ``ip`` in CIDR form: IPv4 to /24, IPv6 to /48.

    ``"203.0.113.77"`` → ``"203.0.113.0/24"``; ``"2001:db8:1:2::1"`` → ``"2001:db8:1::/48"``.
    An IPv4-mapped IPv6 address is treated as IPv4. Anything unparsable gives ``""``,
    so a malformed field is never stored as it came (clause P2).
    """
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def visitor_hash(*, ip: str, user_agent: str, day_salt: bytes) -> str:
    """Return a pseudonymous visitor id: 16 hex chars of HMAC-SHA256.

    The IP and user agent are hashed, never stored. The salt changes every UTC day
    and is then destroyed, so ids cannot be linked across days (clause P2).
    """
    message = f"{ip}\x00{user_agent}".encode("utf-8", "replace")
    return hmac.new(day_salt, message, hashlib.sha256).hexdigest()[:16]


def clean_path(path: str, *, allowlist: frozenset[str] | set[str]) -> str:
    """Return ``path`` with its query reduced to the allowlisted parameters.

    ``"/p?utm_source=x&email=a@b"`` with allowlist ``{"utm_source"}`` →
    ``"/p?utm_source=x"``. Control characters are escaped (``text_escape_unprintable``).
    Truncated to 500 characters (the column size).
    """
    path = text_escape_unprintable(
        text_redact(path)
    )  # an unsubscribe or reset link's secret is no page name
    if "?" not in path:
        return path[:500]
    base, _, query = path.partition("?")
    if query and allowlist:
        kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k in allowlist]
        if kept:
            return f"{base}?{urlencode(kept)}"[:500]
    return base[:500]


class CameFrom(NamedTuple):
    """The stored columns of a Referer header (``clean_referrer``)."""

    referrer: str
    referrer_domain: str
    search_engine: str


_NOWHERE = CameFrom("", "", "")


@lru_cache(maxsize=16384)
def clean_referrer(referrer: str) -> CameFrom:
    """Return ``(url, domain, search_engine)`` of a Referer header, query and fragment dropped.

    ``url`` is scheme://host/path (≤ 500 chars), ``domain`` the lower-case host without
    port, ``search_engine`` a name such as "Google" or "". Control characters are
    escaped first (``text_escape_unprintable``), so none is stored raw. A missing or
    unparsable referrer (``"-"``, ``""``) gives three empty strings.
    """
    if not referrer or referrer == "-":
        return _NOWHERE
    referrer = text_escape_unprintable(referrer)
    try:
        parts = urlsplit(referrer)
        host = (parts.hostname or "").lower()
    except ValueError:
        return _NOWHERE
    if not host or parts.scheme not in ("http", "https", "android-app"):
        return _NOWHERE
    url = f"{parts.scheme}://{host}{text_redact(parts.path)}"[:500]
    engine = next((name for marker, name in _SEARCH_ENGINES if marker in host), "")
    return CameFrom(url, host[:255], engine)


def is_page_path(path: str) -> bool:
    """Return False for static assets (stylesheets, scripts, images, fonts), True otherwise."""
    return not path.partition("?")[0].lower().endswith(_ASSET_SUFFIXES)
