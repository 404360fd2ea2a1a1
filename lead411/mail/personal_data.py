"""What the mail app keeps about a member: email choices, the emails prepared for them and
the do-not-email list; and the staff link of member-list exports (``core.privacy_registry``).
"""

from typing import Any

from lead411.core.privacy_registry import (
    ActorReference,
    Holding,
    Member,
    Redact,
    actor_reference_register,
    holding_register,
)

from .models import Delivery, MailPreferences
from .suppression import ERASURE_REASON, suppressed_among, suppression_add


def mail_preferences_export(member: Member) -> Any:
    return (
        MailPreferences.objects.filter(member=member.user)
        .values("daily", "replies", "updates")
        .first()
    )


def emails_sent_export(member: Member) -> Any:
    return list(
        Delivery.objects.filter(member=member.user)
        .order_by("created_at", "id")
        .values("stream", "to_email", "subject", "status", "created_at", "sent_at")
    )


def suppressed_export(member: Member) -> bool:
    return bool(suppressed_among(member.emails))


def suppression_erase(member: Member, redact: Redact) -> None:
    """Keep a keyed hash of each address so the outbox never mails it again."""
    for email in sorted(member.emails):
        suppression_add(email=email, reason=ERASURE_REASON)


def declare() -> None:
    """Put the mail app's holdings and staff links in the registry."""
    holding_register(
        Holding(
            key="mail_preferences",
            title="Your email choices",
            model="mail.MailPreferences",
            columns=("member", "unsubscribe_key", "daily", "replies", "updates", "updated_at"),
            member_field="member",
            purpose="Which of our three kinds of email you want, and the key of your "
            "unsubscribe links.",
            retention="Until you delete your account.",
            on_erasure="Deleted.",
            export=mail_preferences_export,
        )
    )
    holding_register(
        Holding(
            key="emails_sent",
            title="The emails we prepared for you",
            model="mail.Delivery",
            columns=(
                "key",
                "member",
                "stream",
                "issue_date",
                "to_email",
                "subject",
                "text_body",
                "html_body",
                "packed_body",
                "headers",
                "message_id",
                "status",
                "attempts",
                "next_attempt_at",
                "claim_token",
                "claimed_at",
                "sent_at",
                "smtp_code",
                "last_error",
                "created_at",
            ),
            member_field="member",
            purpose="Each newsletter, alert and update we prepared for you, with its "
            "address, subject, body and sending status, so that each is sent once. The "
            "download lists them without the bodies, which are the emails themselves.",
            retention="Until you delete your account.",
            on_erasure="Deleted.",
            export=emails_sent_export,
        )
    )
    holding_register(
        Holding(
            key="suppressed",
            title="Whether your addresses are on our do-not-email list",
            model="mail.Suppression",
            columns=("email_hash", "reason", "smtp_code", "created_at"),
            purpose="Addresses we must never email again (after mail servers refused them, "
            "or after an account was deleted), kept only as a one-way code made with a "
            "secret key. The download says whether your addresses are on it.",
            retention="For as long as the site runs; confirming the address for a new "
            "account removes it.",
            on_erasure="Each of your addresses is added, as a one-way code.",
            export=suppressed_export,
            erase=suppression_erase,
        )
    )
    actor_reference_register(
        ActorReference(
            model="mail.MemberExportRecord",
            field="actor",
            purpose="Which staff member exported the member list, when and why.",
        )
    )
