"""Absolute URLs of the site, built from ``settings.SITE_URL`` and never from a request."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

SITE_NAME = "Lead411"


@dataclass(frozen=True, slots=True)
class SiteIdentity:
    """The site's name and domain, shaped like django.contrib.sites' Site for templates."""

    name: str
    domain: str


def site_root() -> str:
    """Return ``settings.SITE_URL`` without a trailing slash, e.g. ``"https://leads.example.com"``.

    Links in emails and redirects are built on it, so a spoofed ``Host`` header can never
    point a reset or unsubscribe link at another site.
    """
    return settings.SITE_URL.rstrip("/")


def absolute_url(path: str) -> str:
    """Return ``path`` (``"/leads/12/"``, from ``reverse``) made absolute on the site root."""
    return site_root() + path


def site_identity() -> SiteIdentity:
    """Return the site's name ("Lead411") and domain (SITE_URL's host and port).

    The project has no django.contrib.sites; allauth's email templates read
    ``current_site.name`` and ``current_site.domain``, which this supplies.
    """
    return SiteIdentity(name=SITE_NAME, domain=urlsplit(site_root()).netloc)
