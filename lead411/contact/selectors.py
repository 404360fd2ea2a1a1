"""Reads of the contact app."""

from django.db.models import QuerySet

from lead411.accounts.models import User

from .models import Conversation


def conversation_list_for(*, member: User) -> QuerySet[Conversation]:
    """Return ``member``'s own conversations, most recent activity first."""
    return Conversation.objects.filter(user=member).order_by("-last_message_at", "-id")
