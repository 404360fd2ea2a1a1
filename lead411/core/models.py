"""Shared models: the append-only audit log."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One staff view or one change of a record, kept forever and never edited (clause P8).

    ``changes`` maps a field name to ``{"before": ..., "after": ...}`` with JSON values;
    it is empty for a view. ``actor`` is null for changes made by the system or by an
    anonymous visitor (for example an account-change request sent without logging in).
    """

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        CHANGE = "change", "Changed"
        DELETE = "delete", "Deleted"
        TRANSITION = "transition", "Status transition"
        SECURITY = "security", "Security event"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(
        max_length=254, blank=True, help_text="The actor's email at the time, kept after deletion."
    )
    occurred_at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    verb = models.CharField(max_length=64, blank=True, help_text="What happened, e.g. approve.")
    object_type = models.CharField(max_length=100, help_text="app_label.model")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label or 'system'} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        """Insert only: an existing event is never rewritten (clause P8)."""
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        """Refuse: audit events are never deleted (clause P8)."""
        raise ValueError("Audit events are append-only.")
