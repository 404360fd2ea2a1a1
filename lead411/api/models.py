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


class WebhookEndpoint(models.Model):
    """An https URL of a member that receives the new matches of one saved search (issue 16).

    The signing secret (``whsec_…``, Standard Webhooks) is not stored: it is derived from
    ``secret_salt`` and ``SECRET_KEY`` (``webhooks.endpoint_secret``), so the table alone
    gives no secret. ``matched_until_*`` is where match detection stands: the last event
    read, by (imported_at, id), advanced in the transaction that writes its deliveries.
    """

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    saved_search = models.ForeignKey(
        "leads.SavedSearch", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500)
    # Random, not secret alone: the secret is HMAC(SECRET_KEY-derived key, salt).
    secret_salt = models.CharField(max_length=64, editable=False)
    secret_prefix = models.CharField(max_length=16, help_text="The secret's first characters")
    created_at = models.DateTimeField()
    matched_until_imported_at = models.DateTimeField()
    matched_until_event_id = models.BigIntegerField(default=0)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["disabled_at"], name="api_webhook_active_idx")]

    def __str__(self) -> str:
        return self.url

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None


class WebhookDelivery(models.Model):
    """One message to one endpoint: a new match (one per endpoint and event) or a test.

    ``message_id`` is the ``webhook-id`` header, the same on every attempt, so a receiver
    can drop a repeat. ``payload`` is the JSON body, fixed when the row is written, lead
    data only. Status: pending -> sending (claimed by a sender) -> delivered, or back to
    pending with ``next_attempt_at`` later (backoff), or failed after the last attempt.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        MATCH = "lead.matched", "New match"
        TEST = "test", "Test event"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(
        "leads.TriggerEvent", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MATCH)
    message_id = models.CharField(max_length=40, unique=True)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claim_token = models.CharField(max_length=36, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            # An event goes to an endpoint once, whatever detection runs overlap or repeat.
            models.UniqueConstraint(
                fields=["endpoint", "event"],
                condition=models.Q(event__isnull=False),
                name="api_webhook_delivery_once",
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="api_webhook_due_idx"),
            models.Index(fields=["endpoint", "-created_at"], name="api_webhook_log_idx"),
        ]

    def __str__(self) -> str:
        return self.message_id
