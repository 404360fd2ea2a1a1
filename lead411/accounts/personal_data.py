"""What the accounts app keeps about a member: the account, its addresses, the
application, account-change requests, stolen-password reports, login sessions and the
login cookie. Declared in the registry (``core.privacy_registry``).
"""

from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Q, QuerySet

from lead411.core import clock
from lead411.core.audit import snapshot
from lead411.core.privacy_registry import (
    ActorReference,
    Cookie,
    Holding,
    Member,
    Redact,
    actor_reference_register,
    cookie_register,
    holding_register,
)

from .models import AccountChangeRequest, Application, StolenPasswordReport
from .services import user_sessions_end

UNTIL_DELETED = "Until you delete your account."
APPLICATION_FIELDS = (
    "company",
    "job_title",
    "telephone",
    "industry",
    "company_size",
    "country",
    "status",
    "refusal_reason",
    "info_request",
    "info_response",
    "submitted_at",
    "decided_at",
)
REQUEST_FIELDS = ("created_at", "kind", "details", "status", "staff_note")


def _requests(member: Member) -> QuerySet[AccountChangeRequest]:
    """The member's account-change requests: linked, or sent logged out from an address."""
    by_address = Q(user=member.user)
    for email in member.emails:
        by_address |= Q(contact_email__iexact=email)
    return AccountChangeRequest.objects.filter(by_address)


def account_export(member: Member) -> dict[str, Any] | None:
    return snapshot(
        obj=member.user, fields=("email", "first_name", "last_name", "date_joined", "last_login")
    )


def email_addresses_export(member: Member) -> list[dict[str, Any]]:
    return list(
        EmailAddress.objects.filter(user=member.user).values("email", "verified", "primary")
    )


def application_export(member: Member) -> dict[str, Any] | None:
    application = Application.objects.filter(user=member.user).first()
    return snapshot(obj=application, fields=APPLICATION_FIELDS) if application else None


def account_change_requests_export(member: Member) -> list[dict[str, Any] | None]:
    return [snapshot(obj=r, fields=REQUEST_FIELDS) for r in _requests(member)]


def account_change_requests_rows(member: Member) -> list[QuerySet[Any]]:
    return [_requests(member)]


def account_change_requests_erase(member: Member, redact: Redact) -> None:
    _requests(member).delete()


def stolen_password_reports_export(member: Member) -> list[dict[str, Any] | None]:
    return [
        snapshot(obj=r, fields=("reported_at", "completed_at"))
        for r in StolenPasswordReport.objects.filter(user=member.user)
    ]


def sessions_erase(member: Member, redact: Redact) -> None:
    """End the member's sessions, and delete expired ones (they may still name the id)."""
    user_sessions_end(user=member.user)
    Session.objects.filter(expire_date__lte=clock.now()).delete()


def declare() -> None:
    """Put the accounts app's holdings, staff links and the login cookie in the registry."""
    holding_register(
        Holding(
            key="account",
            title="Your account",
            model="accounts.User",
            columns=(
                "password",
                "last_login",
                "is_superuser",
                "first_name",
                "last_name",
                "is_staff",
                "is_active",
                "date_joined",
                "email",
            ),
            purpose="Your name, email address and login, so that you can log in and we can "
            "reach you. The password is kept only as an Argon2id hash and is not in the "
            "download.",
            retention=UNTIL_DELETED,
            on_erasure="Deleted.",
            export=account_export,
        )
    )
    holding_register(
        Holding(
            key="email_addresses",
            title="Your email addresses",
            model="account.EmailAddress",
            columns=("user", "email", "verified", "primary"),
            member_field="user",
            purpose="The addresses of your account and whether you confirmed them.",
            retention=UNTIL_DELETED,
            on_erasure="Deleted.",
            export=email_addresses_export,
        )
    )
    holding_register(
        Holding(
            key="application",
            title="Your application",
            model="accounts.Application",
            columns=("user", *APPLICATION_FIELDS, "decided_by"),
            member_field="user",
            purpose="What you told us when you applied, and our decision, so that our "
            "sales-leads team can review it.",
            retention=UNTIL_DELETED,
            on_erasure="Deleted.",
            export=application_export,
        )
    )
    holding_register(
        Holding(
            key="account_change_requests",
            title="Your account-change requests",
            model="accounts.AccountChangeRequest",
            columns=(
                "user",
                "contact_email",
                "name",
                *REQUEST_FIELDS,
                "resolved_at",
                "resolved_by",
            ),
            member_field="user",
            purpose="Changes you asked us to make to your account, including those sent "
            "before logging in from one of your addresses.",
            retention=UNTIL_DELETED,
            on_erasure="Deleted, including those sent from your addresses while logged out.",
            export=account_change_requests_export,
            rows=account_change_requests_rows,
            erase=account_change_requests_erase,
        )
    )
    holding_register(
        Holding(
            key="stolen_password_reports",
            title="Your stolen-password reports",
            model="accounts.StolenPasswordReport",
            columns=("user", "reported_at", "sessions_ended", "completed_at", "completed_by"),
            member_field="user",
            purpose="When you told us your password may be known to someone else, so that "
            "the account stays locked until you set a new one.",
            retention=UNTIL_DELETED,
            on_erasure="Deleted.",
            export=stolen_password_reports_export,
        )
    )
    holding_register(
        Holding(
            key="sessions",
            title="Your login sessions",
            model="sessions.Session",
            columns=("session_key", "session_data", "expire_date"),
            purpose="Which browser is logged in as you. Not in the download: a session "
            "holds only your account's id and the login's own data.",
            retention="Until you log out or the session expires.",
            on_erasure="Ended and deleted.",
            export=None,
            erase=sessions_erase,
        )
    )
    for model, field, purpose in (
        ("accounts.Application", "decided_by", "Which staff member decided an application."),
        (
            "accounts.AccountChangeRequest",
            "resolved_by",
            "Which staff member resolved an account-change request.",
        ),
        (
            "accounts.StolenPasswordReport",
            "completed_by",
            "Which staff member completed a stolen-password report.",
        ),
    ):
        actor_reference_register(ActorReference(model=model, field=field, purpose=purpose))
    cookie_register(session_cookie)


def session_cookie() -> Cookie:
    days = settings.SESSION_COOKIE_AGE // 86400
    return Cookie(
        name=settings.SESSION_COOKIE_NAME,
        purpose="Keeps you logged in. The same session is what lets us count your visits "
        "and the pages you use.",
        lifetime=f"Until you close the browser, or {days} days if you ticked "
        "\u201cRemember me\u201d.",
    )
