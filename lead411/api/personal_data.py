"""What the API app keeps about a member: personal API tokens (``core.privacy_registry``)."""

from typing import Any

from lead411.core.privacy_registry import Holding, Member, holding_register

from .models import ApiToken


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
