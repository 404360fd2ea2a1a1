"""Receivers of other apps' notices: a stolen password ends the member's API tokens and
stops their webhooks (P13)."""

from typing import Any

from lead411.accounts.signals import stolen_password_reported

from .services import (
    DISABLED_ON_THEFT_REPORT,
    api_tokens_revoke_all,
    webhook_endpoints_disable_all,
)


def _revoke_on_stolen_password(sender: Any, user: Any, **kwargs: Any) -> None:
    api_tokens_revoke_all(member=user, reason="stolen password reported")
    webhook_endpoints_disable_all(member=user, reason=DISABLED_ON_THEFT_REPORT)


def connect() -> None:
    """Connect the receivers (ApiConfig.ready)."""
    stolen_password_reported.connect(
        _revoke_on_stolen_password, dispatch_uid="api.revoke_on_stolen_password"
    )
