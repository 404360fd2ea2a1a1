"""The privacy policy's versions and their acknowledgements; contact conversations.

Policy versions are immutable once published (clause P15); contact messages become
conversations that staff answer (clauses P1, P10).
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from lead411.core import clock
from lead411.policy.rendering import markdown_to_safe_html

PUBLISHED_IMMUTABLE = "Version {number} is published and can no longer be changed."


class PolicyVersion(models.Model):
    """One version of the privacy policy, written in Markdown.

    A draft (``published_at`` empty) may be edited freely. Publishing
    (``services.policy_version_publish``) sets ``published_at`` and ``effective_at``
    (the publication time unless staff chose a later one); from then on the row can
    neither be changed nor deleted, so ``/privacy/v/<number>/`` always shows what was
    posted (clause P15).
    """

    number = models.PositiveIntegerField(unique=True, help_text="1, 2, 3 ... in publication order.")
    title = models.CharField(max_length=200, default="Privacy policy")
    body = models.TextField(help_text="Markdown. Raw HTML is removed when the page is rendered.")
    summary_of_changes = models.TextField(
        blank=True, help_text="A few sentences members see in the notice and the email."
    )
    created_at = models.DateTimeField(default=clock.now)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    effective_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When it takes effect; empty means when it is published.",
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(published_at__isnull=True)
                | models.Q(effective_at__isnull=False),
                name="policy_version_published_has_effective_at",
            ),
        ]

    def __str__(self) -> str:
        state = "published" if self.is_published else "draft"
        return f"Version {self.number} ({state})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save a draft; raise ``ValidationError`` when the stored row is already published."""
        if self._stored_is_published():
            raise ValidationError(PUBLISHED_IMMUTABLE.format(number=self.number))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        """Delete a draft; raise ``ValidationError`` for a published version (clause P15)."""
        if self._stored_is_published():
            raise ValidationError(PUBLISHED_IMMUTABLE.format(number=self.number))
        return super().delete(*args, **kwargs)

    def clean(self) -> None:
        """Refuse any change to a published version (clause P15)."""
        if self._stored_is_published():
            raise ValidationError(PUBLISHED_IMMUTABLE.format(number=self.number))
        if self.effective_at and self.published_at and self.effective_at < self.published_at:
            raise ValidationError(
                {"effective_at": "A version cannot take effect before it is published."}
            )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def body_html(self) -> str:
        """Return the body as sanitised HTML (see ``rendering.markdown_to_safe_html``)."""
        return markdown_to_safe_html(self.body)

    def _stored_is_published(self) -> bool:
        if self.pk is None:
            return False
        return type(self).objects.filter(pk=self.pk, published_at__isnull=False).exists()


class PolicyAcknowledgement(models.Model):
    """A member's acknowledgement of one published version's notice (clause P15)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="policy_acknowledgements"
    )
    version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    acknowledged_at = models.DateTimeField()

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="policy_ack_once_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} acknowledged version {self.version_id}"
