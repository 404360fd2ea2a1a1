"""Background jobs of the core app, run by django-q2."""

from importlib import import_module

from django.conf import settings


def sessions_clear_expired() -> None:
    """Delete expired sessions from the session store (Django's `clearsessions`)."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
