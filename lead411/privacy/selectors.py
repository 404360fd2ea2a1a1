"""Reads of the privacy app: everything stored about one member, for "download my data"."""

from typing import Any

from allauth.account.models import EmailAddress
from django.db.models import Q

from lead411.accounts.models import AccountChangeRequest, Application
from lead411.activity.selectors import member_activity_export
from lead411.api.models import ApiToken
from lead411.contact.models import Conversation
from lead411.core.audit import snapshot
from lead411.core.models import AuditEvent
from lead411.leads.models import SavedSearch
from lead411.mail.models import Delivery, MailPreferences
from lead411.mail.suppression import suppressed_among
from lead411.policy.models import PolicyAcknowledgement


def member_data_export(*, user: Any) -> dict[str, Any]:
    """Return everything the site stores about ``user`` as JSON-ready data (download my data).

    Shape: ``{"account": {...}, "email_addresses": [...], "application": {...} | None,
    "account_change_requests": [...], "stolen_password_reports": [...],
    "audit_events": [...], ...}`` plus what ``_other_apps_data`` adds. Account change
    requests and conversations sent logged out from one of the account's addresses are
    included. The password hash is left out: it is a secret, not information about the
    member. The tables listed here are the ones ``services.member_erase`` erases.
    """
    application = Application.objects.filter(user=user).first()
    addresses = list(EmailAddress.objects.filter(user=user).values("email", "verified", "primary"))
    emails = {user.email, *(a["email"] for a in addresses)}
    by_address = Q()
    for email in emails:
        by_address |= Q(contact_email__iexact=email)
    return {
        "account": snapshot(
            obj=user, fields=("email", "first_name", "last_name", "date_joined", "last_login")
        ),
        "email_addresses": addresses,
        "application": snapshot(
            obj=application,
            fields=(
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
            ),
        )
        if application
        else None,
        "account_change_requests": [
            snapshot(obj=r, fields=("created_at", "kind", "details", "status", "staff_note"))
            for r in AccountChangeRequest.objects.filter(Q(user=user) | by_address)
        ],
        "stolen_password_reports": [
            snapshot(obj=r, fields=("reported_at", "completed_at"))
            for r in user.stolen_password_reports.all()
        ],
        "audit_events": list(
            AuditEvent.objects.filter(
                Q(actor=user) | Q(object_type="accounts.user", object_id=str(user.pk))
            )
            .order_by("occurred_at", "id")
            .values("occurred_at", "action", "verb", "object_type", "changes")
        ),
        **_other_apps_data(user=user, emails=emails),
    }


def _other_apps_data(*, user: Any, emails: set[str]) -> dict[str, Any]:
    """Return what the newsletter, policy and activity apps keep about ``user``.

    ``emails`` are the account's addresses. Shape: ``{"saved_searches": [...],
    "mail_preferences": {...} | None, "emails_sent": [...], "suppressed": bool,
    "conversations": [{..., "messages": [...]}], "policy_acknowledgements": [...],
    "activity": [...], "api_tokens": [...]}``; ``api_tokens`` lists name, scope, shown
    prefix and times, never the token's hash; ``emails_sent`` lists the outbox rows (stream, subject, status,
    times; not the bodies, which are the newsletters themselves).
    """
    by_address = Q()
    for email in emails:
        by_address |= Q(user__isnull=True, email__iexact=email)
    preferences = (
        MailPreferences.objects.filter(member=user).values("daily", "replies", "updates").first()
    )
    return {
        "saved_searches": list(
            SavedSearch.objects.filter(member=user).values(
                "name", "criteria", "include_in_newsletter", "created_at", "updated_at"
            )
        ),
        "mail_preferences": preferences,
        "emails_sent": list(
            Delivery.objects.filter(member=user)
            .order_by("created_at", "id")
            .values("stream", "to_email", "subject", "status", "created_at", "sent_at")
        ),
        "suppressed": bool(suppressed_among(emails)),
        "conversations": [
            {
                "category": c.category,
                "status": c.status,
                "created_at": c.created_at,
                "messages": [
                    {"author_kind": m.author_kind, "body": m.body, "created_at": m.created_at}
                    for m in c.messages.all()  # the prefetched rows, ordered by Message.Meta
                ],
            }
            for c in Conversation.objects.filter(Q(user=user) | by_address).prefetch_related(
                "messages"
            )
        ],
        "policy_acknowledgements": list(
            PolicyAcknowledgement.objects.filter(user=user).values(
                "version__number", "acknowledged_at"
            )
        ),
        "activity": member_activity_export(member=user),
        "api_tokens": list(
            ApiToken.objects.filter(member=user)
            .order_by("created_at", "id")
            .values("name", "scope", "prefix", "created_at", "last_used_at", "revoked_at")
        ),
    }
