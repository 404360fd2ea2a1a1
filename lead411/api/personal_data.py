"""What the API app keeps about a member: API tokens and webhooks (``core.privacy_registry``)."""

from typing import Any

from lead411.core.privacy_registry import Holding, Member, holding_register

from .models import ApiToken, WebhookDelivery, WebhookEndpoint


def api_tokens_export(member: Member) -> Any:
    """The member's tokens: name, scope, shown prefix and times, never the token's hash."""
    return list(
        ApiToken.objects.filter(member=member.user)
        .order_by("created_at", "id")
        .values("name", "scope", "prefix", "created_at", "last_used_at", "revoked_at")
    )


def declare() -> None:
    """Put the API app's holdings in the registry."""
    holding_register(
        Holding(
            key="api_tokens",
            title="Your API tokens",
            model="api.ApiToken",
            columns=(
                "member",
                "name",
                "scope",
                "prefix",
                "digest",
                "created_at",
                "last_used_at",
                "revoked_at",
                "revoked_reason",
            ),
            member_field="member",
            purpose="The tokens you created for your own tools, kept only as a keyed hash "
            "with their name, scope and when they were last used.",
            retention="Until you delete your account; a revoked token stays listed.",
            on_erasure="Deleted.",
            export=api_tokens_export,
        )
    )
    declare_webhooks()


def webhooks_export(member: Member) -> Any:
    """The member's webhooks: where they point and their state, never the secret's salt."""
    return list(
        WebhookEndpoint.objects.filter(member=member.user)
        .order_by("created_at", "id")
        .values(
            "url",
            "saved_search__name",
            "secret_prefix",
            "created_at",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
        )
    )


def webhook_deliveries_export(member: Member) -> Any:
    """What was sent to the member's webhooks: ids, events and outcomes (not the payloads,
    which are lead data the member's endpoint received)."""
    return list(
        WebhookDelivery.objects.filter(endpoint__member=member.user)
        .order_by("created_at", "id")
        .values(
            "endpoint__url",
            "message_id",
            "kind",
            "event_id",
            "status",
            "attempts",
            "response_code",
            "last_error",
            "created_at",
            "last_attempt_at",
            "delivered_at",
        )
    )


def declare_webhooks() -> None:
    """Put the webhook tables in the registry."""
    holding_register(
        Holding(
            key="webhooks",
            title="Your webhooks",
            model="api.WebhookEndpoint",
            columns=(
                "member",
                "saved_search",
                "url",
                "secret_salt",
                "secret_prefix",
                "created_at",
                "matched_until_imported_at",
                "matched_until_event_id",
                "consecutive_failures",
                "disabled_at",
                "disabled_reason",
            ),
            member_field="member",
            purpose="The addresses you asked us to send new matches of a saved search to, "
            "how far sending got and whether they were switched off. The signing secret is "
            "not stored, only a random value it is derived from.",
            retention="Until you delete the webhook, its saved search or your account.",
            on_erasure="Deleted.",
            export=webhooks_export,
        )
    )
    holding_register(
        Holding(
            key="webhook_deliveries",
            title="What we sent to your webhooks",
            model="api.WebhookDelivery",
            columns=(
                "endpoint",
                "event",
                "kind",
                "message_id",
                "payload",
                "status",
                "attempts",
                "next_attempt_at",
                "claim_token",
                "claimed_at",
                "created_at",
                "last_attempt_at",
                "delivered_at",
                "response_code",
                "last_error",
            ),
            purpose="Each new match sent to one of your webhooks, its attempts and your "
            "endpoint's answers, so that each is sent once and you can read the log.",
            retention="As their webhook.",
            on_erasure="Deleted.",
            export=webhook_deliveries_export,
        )
    )
