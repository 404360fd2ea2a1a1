"""A small fixed-window rate limit for the contact form, kept in the cache."""

import hashlib

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60 * 60


def contact_allowed(*, client_ip: str) -> bool:
    """Count one contact-form post from ``client_ip``; return False past the hourly limit.

    The limit is ``POLICY_CONTACT_MAX_PER_HOUR`` (default 5). The cache key is a
    keyed hash of the address, never the address, and expires with its window.
    """
    limit = int(settings.POLICY_CONTACT_MAX_PER_HOUR)
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{client_ip}".encode()).hexdigest()[:32]
    key = f"contact:contact:{digest}"
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:
        # The key expired between add and incr: this post opens a new window.
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        count = 1
    return count <= limit
