"""Outbound HTTP to members' webhook endpoints, refusing internal addresses (SSRF; issue 16).

A member names the URL, so the site must not become a way into its own network:

- The URL is https (plain http only to loopback when ``WEBHOOKS_ALLOW_LOOPBACK``, the
  tests' setting), without user info, on any port.
- The host is resolved and **every** address it resolves to must be global unicast:
  private (RFC 1918, fc00::/7), loopback, link-local (169.254/16 with cloud metadata,
  fe80::/10), multicast, shared (100.64/10), reserved and unspecified addresses are
  refused, IPv4-mapped IPv6 addresses by their IPv4 address. Loopback passes only with
  ``WEBHOOKS_ALLOW_LOOPBACK``.
- The connection goes to the address that was checked (TLS still verifies the URL's
  host name through SNI), so a DNS answer that changes between the check and the
  connect (DNS rebinding) cannot redirect it.
- Redirects are never followed: a 3xx is a failed attempt.
- Connect and read time out (``WEBHOOKS_CONNECT_TIMEOUT_SECONDS``,
  ``WEBHOOKS_READ_TIMEOUT_SECONDS``, also a deadline for the whole answer) and at most
  ``WEBHOOKS_RESPONSE_MAX_BYTES`` of the answer are read.

urllib3 does the HTTP (docs/decisions/0008-webhooks.md).
"""

import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_CHUNK_BYTES = 8192


class OutboundRefused(Exception):
    """The URL, or an address its host resolves to, may not be called; ``str`` says why."""


@dataclass(frozen=True)
class Target:
    """A checked URL: its scheme, host name, port, path with query, and the address to use."""

    scheme: str
    host: str
    port: int
    path: str
    address: IpAddress


@dataclass(frozen=True)
class PostResult:
    """One attempt's outcome: the HTTP status (None without an answer) and an error text.

    ``ok`` is a 2xx answer; any other answer, a refusal or a network error is a failure.
    """

    status: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def address_allowed(address: IpAddress) -> bool:
    """Return whether a webhook may connect to ``address`` (see the module doc)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return bool(settings.WEBHOOKS_ALLOW_LOOPBACK)
    return address.is_global and not address.is_multicast


def url_check(url: str) -> tuple[str, str, int, str]:
    """Check ``url`` without any network use; return (scheme, host, port, path with query).

    Raises ``OutboundRefused`` for another scheme than https (http only when loopback is
    allowed), user info, no host, a bad port, or a host that is an address not allowed.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise OutboundRefused("The URL cannot be read.") from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and settings.WEBHOOKS_ALLOW_LOOPBACK):
        raise OutboundRefused("The URL must start with https://.")
    if parts.username is not None or parts.password is not None:
        raise OutboundRefused("The URL may not hold a user name or password.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise OutboundRefused("The URL has no host.")
    try:
        host = host.encode("idna").decode("ascii")  # "münchen.de" -> "xn--mnchen-3ya.de"
    except UnicodeError:
        raise OutboundRefused("The host name is not valid.") from None
    try:
        literal: IpAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and not address_allowed(literal):
        raise OutboundRefused(f"The address {literal} is not a public internet address.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port or (443 if scheme == "https" else 80), path


def target_resolve(url: str) -> Target:
    """Return the checked ``Target`` of ``url``: every address of its host must be allowed.

    Raises ``OutboundRefused`` (the URL, a refused address, or a host that does not
    resolve). Plain http is only allowed when every address is loopback.
    """
    scheme, host, port, path = url_check(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise OutboundRefused(f"The host {host} does not resolve.") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    if not addresses:
        raise OutboundRefused(f"The host {host} does not resolve.")
    for address in addresses:
        if not address_allowed(address):
            raise OutboundRefused(
                f"The host {host} resolves to {address}, not a public internet address."
            )
    if scheme == "http" and not all(a.is_loopback for a in addresses):
        raise OutboundRefused("The URL must start with https://.")
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])


class OutboundClient:
    """POSTs to checked targets, keeping one connection pool per (scheme, host, port).

    A host is resolved and checked once per client; make a new client per run so DNS
    changes are seen. Not thread-safe.
    """

    def __init__(self) -> None:
        self._pools: dict[tuple[str, str, int], tuple[Target, urllib3.HTTPConnectionPool]] = {}
        self._timeout = urllib3.Timeout(
            connect=settings.WEBHOOKS_CONNECT_TIMEOUT_SECONDS,
            read=settings.WEBHOOKS_READ_TIMEOUT_SECONDS,
        )

    def _pool(self, url: str) -> tuple[Target, urllib3.HTTPConnectionPool]:
        scheme, host, port, _ = url_check(url)
        key = (scheme, host, port)
        if key not in self._pools:
            target = target_resolve(url)
            options: dict[str, Any] = {
                "host": str(target.address),
                "port": port,
                "maxsize": 1,
                "retries": False,
                "timeout": self._timeout,
            }
            if scheme == "https":
                # Connect to the checked address, verify the certificate of the URL's host.
                pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
                    **options, server_hostname=host, assert_hostname=host, cert_reqs="CERT_REQUIRED"
                )
            else:
                pool = urllib3.HTTPConnectionPool(**options)
            self._pools[key] = (target, pool)
        target, pool = self._pools[key]
        return Target(**{**vars(target), "path": url_check(url)[3]}), pool

    def post(self, *, url: str, body: bytes, headers: dict[str, str]) -> PostResult:
        """POST ``body`` to ``url`` and return the outcome; never raises for network trouble."""
        try:
            target, pool = self._pool(url)
        except OutboundRefused as exc:
            return PostResult(status=None, error=f"refused: {exc}")
        default_port = 443 if target.scheme == "https" else 80
        host = f"[{target.host}]" if ":" in target.host else target.host
        host_header = host if target.port == default_port else f"{host}:{target.port}"
        deadline = (
            time.monotonic()
            + settings.WEBHOOKS_CONNECT_TIMEOUT_SECONDS
            + settings.WEBHOOKS_READ_TIMEOUT_SECONDS
        )
        try:
            response = pool.urlopen(
                "POST",
                target.path,
                body=body,
                headers={**headers, "Host": host_header},
                redirect=False,
                retries=False,
                assert_same_host=False,
                preload_content=False,
                decode_content=False,
            )
        except (Urllib3Error, OSError) as exc:
            return PostResult(status=None, error=_network_error(exc))
        status = response.status
        try:
            complete = _read_capped(response, deadline=deadline)
        except (Urllib3Error, OSError) as exc:
            response.close()
            return PostResult(status=None, error=_network_error(exc))
        if complete:
            response.release_conn()
        else:
            response.close()  # an answer past the cap is dropped unread, with its connection
        if 300 <= status < 400:
            return PostResult(status=status, error="redirect refused: redirects are not followed")
        if not 200 <= status < 300:
            return PostResult(status=status, error=f"HTTP {status}")
        return PostResult(status=status)

    def close(self) -> None:
        for _, pool in self._pools.values():
            pool.close()
        self._pools.clear()


def _read_capped(response: Any, *, deadline: float) -> bool:
    """Read at most ``WEBHOOKS_RESPONSE_MAX_BYTES`` of the answer before ``deadline``.

    Returns True when the answer ended within the cap. Raises ``TimeoutError`` past the
    deadline (a receiver that trickles bytes cannot hold a sender).
    """
    left = settings.WEBHOOKS_RESPONSE_MAX_BYTES
    while left > 0:
        if time.monotonic() > deadline:
            raise TimeoutError("the answer took longer than the read timeout")
        chunk = response.read(min(_CHUNK_BYTES, left))
        if not chunk:
            return True
        left -= len(chunk)
    return bool(response.length_remaining == 0)


def _network_error(exc: BaseException) -> str:
    """Return a short, member-readable reason for a network failure."""
    # urllib3's NewConnectionError is a ConnectTimeoutError for compatibility: test it first.
    if isinstance(exc, NewConnectionError):
        return "connection failed: the receiver refused or could not be reached"
    if isinstance(exc, TimeoutError | Urllib3Timeout):
        return "timed out"
    return f"connection failed: {type(exc).__name__}"
