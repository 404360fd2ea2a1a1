"""What the contact app keeps about a member: conversations and their messages
(``core.privacy_registry``)."""

from typing import Any

from django.db.models import Q, QuerySet

from lead411.core.privacy_registry import Holding, Member, Redact, holding_register

from .models import Conversation, Message
from .services import conversations_erase


def _conversations(member: Member) -> QuerySet[Conversation]:
    """Conversations linked to the account or written logged out from one of its addresses."""
    mine = Q(user=member.user)
    for email in member.emails:
        mine |= Q(user__isnull=True, email__iexact=email)
    return Conversation.objects.filter(mine)


def conversations_export(member: Member) -> list[dict[str, Any]]:
    return [
        {
            "category": c.category,
            "status": c.status,
            "created_at": c.created_at,
            "messages": [
                {"author_kind": m.author_kind, "body": m.body, "created_at": m.created_at}
                for m in c.messages.all()  # the prefetched rows, ordered by Message.Meta
            ],
        }
        for c in _conversations(member).prefetch_related("messages")
    ]


def conversations_rows(member: Member) -> list[QuerySet[Any]]:
    conversations = _conversations(member)
    return [conversations, Message.objects.filter(conversation__in=conversations)]


def conversations_erase_for(member: Member, redact: Redact) -> None:
    conversations_erase(user=member.user, emails=member.emails, redact=redact)


def declare() -> None:
    """Put the contact app's holdings in the registry."""
    holding_register(
        Holding(
            key="conversations",
            title="Your messages to us and our answers",
            model="contact.Conversation",
            columns=(
                "user",
                "name",
                "email",
                "category",
                "is_breach_report",
                "status",
                "created_at",
                "last_message_at",
            ),
            member_field="user",
            purpose="What you wrote to us, including before logging in from one of your "
            "addresses, and our answers, so that we can answer and follow up.",
            retention="Until you delete your account.",
            on_erasure="Deleted; a breach report is kept with your name, addresses, company "
            "and telephone number removed.",
            export=conversations_export,
            rows=conversations_rows,
            erase=conversations_erase_for,
        )
    )
    holding_register(
        Holding(
            key="conversation_messages",
            title="The messages of those conversations",
            model="contact.Message",
            columns=("conversation", "author_kind", "author", "body", "created_at"),
            member_field="author",
            purpose="Each message of a conversation and who wrote it. In the download "
            "under your conversations.",
            retention="As their conversation.",
            on_erasure="As their conversation.",
            export=None,
        )
    )
