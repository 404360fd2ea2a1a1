"""Conversations: a person writes through the contact form, staff answer (clauses P1, P10)."""

from typing import Any

from django.conf import settings
from django.db import models


class Conversation(models.Model):
    """What one person wrote through the contact form, and every answer (clauses P1, P10).

    ``user`` is set when a logged-in member wrote; otherwise the conversation belongs
    to ``email`` only and answers go there. Breach reports sort first (``Meta.ordering``),
    so staff see them before anything else.
    """

    class Category(models.TextChoices):
        BREACH = "breach", "Report a breach of this policy"
        PRIVACY = "privacy", "A question about my data or this policy"
        MEMBERSHIP = "membership", "Membership, sign-up or my account"
        LEADS = "leads", "Leads and the daily newsletter"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for staff"
        ANSWERED = "answered", "Answered"
        CLOSED = "closed", "Closed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
    )
    name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254)
    category = models.CharField(max_length=16, choices=Category.choices)
    is_breach_report = models.BooleanField(default=False, db_index=True, editable=False)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    created_at = models.DateTimeField()
    last_message_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "policy_conversation"  # named when it lived in the policy app
        ordering = ["-is_breach_report", "-last_message_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_category_display()} from {self.email or 'an erased member'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep ``is_breach_report`` equal to the category, so ordering can use an index."""
        self.is_breach_report = self.category == self.Category.BREACH
        super().save(*args, **kwargs)

    @property
    def subject(self) -> str:
        """Return the subject line every email of this conversation shares."""
        return f"[Lead411 #{self.pk}] {self.get_category_display()}"


class Message(models.Model):
    """One message of a conversation: from the person who wrote in, or from staff."""

    class Author(models.TextChoices):
        SENDER = "sender", "Sender"
        STAFF = "staff", "Staff"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author_kind = models.CharField(max_length=6, choices=Author.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        db_table = "policy_message"  # named when it lived in the policy app
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Message {self.pk} of conversation {self.conversation_id}"
