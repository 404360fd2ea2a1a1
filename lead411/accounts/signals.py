"""Audit receivers for the account changes allauth performs itself (clauses P8, P11)."""

from typing import Any

from allauth.account import signals as allauth_signals
from django.dispatch import Signal

from lead411.core.audit import audit_record
from lead411.core.models import AuditEvent

# Sent by ``services.stolen_password_report`` inside its transaction, with ``user``: apps
# above accounts (the API's tokens) cancel their own credentials of that user (P13).
stolen_password_reported = Signal()


def _audit_password(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(
        actor=user,
        action=AuditEvent.Action.CHANGE,
        verb="password_changed",
        obj=user,
        changes={"password": {"before": "(secret)", "after": "(secret)"}},
    )


def _audit_email_changed(
    sender: Any,
    request: Any,
    user: Any,
    from_email_address: Any,
    to_email_address: Any,
    **kwargs: Any,
) -> None:
    audit_record(
        actor=user,
        action=AuditEvent.Action.CHANGE,
        verb="email_changed",
        obj=user,
        changes={
            "email": {
                "before": getattr(from_email_address, "email", None),
                "after": getattr(to_email_address, "email", None),
            }
        },
    )


def connect() -> None:
    """Connect the receivers (AccountsConfig.ready)."""
    allauth_signals.password_changed.connect(
        _audit_password, dispatch_uid="accounts.audit.pw_changed"
    )
    allauth_signals.password_reset.connect(_audit_password, dispatch_uid="accounts.audit.pw_reset")
    allauth_signals.password_set.connect(_audit_password, dispatch_uid="accounts.audit.pw_set")
    allauth_signals.email_changed.connect(_audit_email_changed, dispatch_uid="accounts.audit.email")
