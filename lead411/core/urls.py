"""Absolute URLs of the site, built from ``settings.SITE_URL`` and never from a request."""

from django.conf import settings


def site_root() -> str:
    """Return ``settings.SITE_URL`` without a trailing slash, e.g. ``"https://leads.example.com"``.

    Links in emails and redirects are built on it, so a spoofed ``Host`` header can never
    point a reset or unsubscribe link at another site.
    """
    return settings.SITE_URL.rstrip("/")


def absolute_url(path: str) -> str:
    """Return ``path`` (``"/leads/12/"``, from ``reverse``) made absolute on the site root."""
    return site_root() + path
