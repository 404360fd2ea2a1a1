"""The one seam for the current time, so tests can freeze it."""

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """Return the current time as an aware UTC datetime."""
    return timezone.now()


def today() -> dt.date:
    """Return today's date in the site's time zone (settings.TIME_ZONE)."""
    return timezone.localdate(now())
