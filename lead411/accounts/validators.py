"""Password validators the settings name in AUTH_PASSWORD_VALIDATORS."""

from typing import Any

from django.core.exceptions import ValidationError


class MaximumLengthValidator:
    """Reject passwords longer than ``max_length`` characters (default 1024).

    NIST SP 800-63B-4 asks verifiers to accept at least 64 characters; a cap stops a
    multi-megabyte password from making the Argon2 hasher a denial-of-service lever.
    """

    def __init__(self, max_length: int = 1024) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        """Raise ValidationError ``password_too_long`` when the password is too long."""
        if len(password) > self.max_length:
            raise ValidationError(
                f"This password is too long. It must contain at most {self.max_length} characters.",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        """Return the rule for the password form."""
        return f"Your password must contain at most {self.max_length} characters."
