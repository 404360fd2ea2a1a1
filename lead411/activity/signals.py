"""Notice logins: the next counted page of the member starts a new visit (clause P4)."""

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

# Session key set at login and consumed by the middleware on the next counted page.
NEW_VISIT_SESSION_KEY = "activity_new_visit"


@receiver(user_logged_in, dispatch_uid="activity_note_login")
def note_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Flag the session so the middleware counts a new visit; nothing is written here."""
    session = getattr(request, "session", None)
    if session is not None:
        session[NEW_VISIT_SESSION_KEY] = True
