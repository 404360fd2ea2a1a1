"""What a request says about its sender, read once and the same way everywhere."""

from allauth.account.adapter import get_adapter
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """Return the client's IP address as a string, honouring the trusted proxy count.

    allauth's adapter (``get_client_ip``) reads ``X-Forwarded-For`` only as far as
    ``ALLAUTH_TRUSTED_PROXY_COUNT`` proxies vouch for it and otherwise uses
    ``REMOTE_ADDR``, so behind a proxy each visitor keeps their own address (rate limits,
    the web log's daily visitor hash) and a client cannot forge one by sending the header
    itself. Returns ``""`` when no address can be read (no ``REMOTE_ADDR``, or a forwarded
    header shorter than the trusted proxy count).
    """
    try:
        return get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        return ""
