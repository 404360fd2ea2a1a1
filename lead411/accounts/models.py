"""Members and staff: one user model with the email address as the login."""

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class EmailUserManager(UserManager["User"]):
    """Create users keyed by email; there is no username."""

    def _create_user_object(self, username: Any, email: str | None, password: str | None, **extra: Any) -> "User":
        email = self.normalize_email(email)
        user = self.model(email=email, **extra)
        user.set_password(password)
        return user

    def create_user(  # type: ignore[override]  # email replaces username in the signature
        self, email: str, password: str | None = None, **extra: Any
    ) -> "User":
        """Return a saved member with the given email and password."""
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        user = self._create_user_object(None, email, password, **extra)
        user.save(using=self._db)
        return user

    def create_superuser(  # type: ignore[override]  # email replaces username in the signature
        self, email: str, password: str | None = None, **extra: Any
    ) -> "User":
        """Return a saved superuser with the given email and password."""
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A member or a staff user. Logs in with ``email``."""

    username = None  # type: ignore[assignment]  # email is the login
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[EmailUserManager] = EmailUserManager()  # type: ignore[assignment]  # no username

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email
