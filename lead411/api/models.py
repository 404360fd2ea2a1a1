"""Personal API tokens: a member's key to the REST API (clauses L2, P13).

Only a keyed hash of a token is stored (``digest``); the token itself is shown once, when
it is created. ``prefix`` is the token's first characters, enough for the member to tell
tokens apart and never enough to use one.
"""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """One named token of one member; usable while ``revoked_at`` is empty."""

    class Scope(models.TextChoices):
        READ = "read", "Read leads"
        SAVED_SEARCHES = "read_saved_searches", "Read leads and manage saved searches"

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=30, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(max_length=16, help_text="The token's first characters, shown")
    # HMAC-SHA256 of the whole token, hex (services.token_digest); the token is never stored.
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["member", "revoked_at"], name="api_token_member_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def may_manage_saved_searches(self) -> bool:
        return self.scope == self.Scope.SAVED_SEARCHES
