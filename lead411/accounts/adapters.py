"""django-allauth adapters."""

from django.http import HttpRequest

from allauth.account.adapter import DefaultAccountAdapter


class ClosedSignupAccountAdapter(DefaultAccountAdapter):
    """Close allauth's open sign-up: staff create members until applications exist."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Return False: no self-service accounts yet."""
        return False
