"""Writes: publish and acknowledge policy versions (clause P15); the policy's own text."""

import logging

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from lead411.accounts.models import User
from lead411.core import clock
from lead411.core.audit import audit_record
from lead411.core.models import AuditEvent
from lead411.core.privacy_registry import cookies, holdings
from lead411.core.urls import absolute_url, site_root
from lead411.mail.models import Delivery, Stream
from lead411.mail.selectors import members_consenting
from lead411.mail.services import delivery_enqueue
from lead411.policy.models import PolicyAcknowledgement, PolicyVersion

logger = logging.getLogger(__name__)

ALREADY_PUBLISHED = "Version {number} is already published."
NOT_PUBLISHED = "Version {number} is not published."
NOT_NEXT_NUMBER = "Version {number} cannot be published before version {previous}."


def policy_notice_key(*, version: PolicyVersion, member: User) -> str:
    """Return the outbox key of one member's notice of ``version``: ``"policy-v<number>:<member id>"``.

    Outbox keys are unique across the outbox, so the key names the member: with the
    version alone, only the first member would ever be mailed. Sending again sends
    nobody a second copy.
    """
    return f"policy-v{version.number}:{member.pk}"


@transaction.atomic
def policy_version_publish(
    *, actor: User | None, version: PolicyVersion, notify_by_email: bool = True
) -> PolicyVersion:
    """Publish the draft ``version`` and give notice of it; return it published (clause P15).

    ``published_at`` becomes now; ``effective_at`` stays if staff set a later time,
    otherwise it is now too ("effective when posted"). Every member then sees the
    notice banner until they acknowledge (``context_processors.policy_notice``), and
    each member who consented to the updates stream gets one email
    (``policy_notice_email_send``) unless ``notify_by_email`` is False (the first
    version of a new installation changes nothing for anyone).

    Raises ``ValidationError`` when the version is already published, or when a lower
    number is still a draft (numbers are publication order).
    """
    locked = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if locked.is_published:
        raise ValidationError(ALREADY_PUBLISHED.format(number=locked.number))
    earlier_draft = (
        PolicyVersion.objects.filter(number__lt=locked.number, published_at__isnull=True)
        .order_by("number")
        .first()
    )
    if earlier_draft is not None:
        raise ValidationError(
            NOT_NEXT_NUMBER.format(number=locked.number, previous=earlier_draft.number)
        )
    now = clock.now()
    locked.published_at = now
    if locked.effective_at is None or locked.effective_at < now:
        locked.effective_at = now
    locked.published_by = actor if actor is not None and actor.is_authenticated else None
    locked.full_clean()
    locked.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        verb="publish",
        obj=locked,
        changes={
            "published_at": {"before": None, "after": locked.published_at},
            "effective_at": {"before": version.effective_at, "after": locked.effective_at},
        },
    )
    if notify_by_email:
        policy_notice_email_send(version=locked)
    return locked


def policy_notice_email_send(*, version: PolicyVersion) -> int:
    """Queue the notice email of the published ``version``; return how many were queued.

    One email per member who consented to the updates stream (clause P5c), through the
    outbox under ``policy_notice_key``, so running it again sends no member a second
    copy and queues nothing (the count is then 0). Members without that consent get none; they see the banner. Raises
    ``ValidationError`` for a draft.
    """
    if not version.is_published:
        raise ValidationError(NOT_PUBLISHED.format(number=version.number))
    context = {
        "version": version,
        "version_url": absolute_url(reverse("policy:version", args=[version.number])),
        "diff_url": absolute_url(reverse("policy:diff"))
        + f"?a={version.number - 1}&b={version.number}",
        "operator": settings.OPERATOR,
    }
    subject = " ".join(render_to_string("policy/email/policy_notice_subject.txt", context).split())
    text_body = render_to_string("policy/email/policy_notice_message.txt", context)
    queued_before = set(
        Delivery.objects.filter(key__startswith=f"policy-v{version.number}:").values_list(
            "key", flat=True
        )
    )
    count = 0
    for member in members_consenting(stream=Stream.UPDATES).iterator():
        key = policy_notice_key(version=version, member=member)
        if key in queued_before:
            continue
        delivery = delivery_enqueue(
            member=member,
            stream=Stream.UPDATES,
            key=key,
            subject=subject,
            text_body=text_body,
        )
        count += delivery.status == Delivery.Status.PENDING
    return count


def policy_acknowledge(*, user: User, version: PolicyVersion) -> PolicyAcknowledgement:
    """Record that ``user`` acknowledged the notice of ``version``; return the record.

    Acknowledging twice returns the first record. Raises ``ValidationError`` for a draft.
    """
    if not version.is_published:
        raise ValidationError(NOT_PUBLISHED.format(number=version.number))
    existing = PolicyAcknowledgement.objects.filter(user=user, version=version).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return PolicyAcknowledgement.objects.create(
                user=user, version=version, acknowledged_at=clock.now()
            )
    except IntegrityError:
        # A second tab posted at the same moment; its row is the acknowledgement.
        return PolicyAcknowledgement.objects.get(user=user, version=version)


def policy_text_context() -> dict[str, object]:
    """Return the figures ``policy/policy_text.md`` states, read from settings and apps.

    Each is the value the running system uses, so the policy cannot drift from the
    configuration: web-log retention (``WEBLOG_RAW_RETENTION_DAYS``), the small-cell
    threshold (``REPORT_MIN_CELL``, clause P14), the cookie names and the login
    cookie's lifetime, the reset link's lifetime, the three email streams (clause P5)
    and the operator's details (clause P1). The cookies, what a data download holds and
    what erasure does come from the personal-data registry (``core.privacy_registry``),
    the same declarations that build the download and "What we record about you".
    Paragraphs about a feature (member activity counts, the disclosure register,
    HTTPS-only cookies) appear only when it is on.
    """
    site = site_root()
    registered = {h.key: h for h in holdings()}
    return {
        "site_name": "Lead411",
        "site_url": site,
        "contact_url": site + reverse("contact:contact"),
        "operator": settings.OPERATOR,
        "weblog_raw_retention_days": int(settings.WEBLOG_RAW_RETENTION_DAYS),
        "weblog_query_allowlist": ", ".join(settings.WEBLOG_QUERY_ALLOWLIST),
        "session_cookie_name": settings.SESSION_COOKIE_NAME,
        "session_cookie_days": settings.SESSION_COOKIE_AGE // (60 * 60 * 24),
        "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
        "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
        "activity": registered.get("activity"),
        "cookies": cookies(),
        "holdings": list(registered.values()),
        "exported_holdings": [h for h in registered.values() if h.export is not None],
        "record_url": site + reverse("activity:mine")
        if apps.is_installed("lead411.activity")
        else "",
        "activity_url": site + reverse("activity:mine")
        if apps.is_installed("lead411.activity")
        else "",
        "activity_retention_days": int(settings.ACTIVITY_RETENTION_DAYS),
        "reports_installed": apps.is_installed("lead411.reports"),
        "report_min_cell": int(settings.REPORT_MIN_CELL),
        "password_reset_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        "email_streams": [
            {
                "name": "The Daily eMail Newsletter",
                "description": "each morning, the new leads that match your saved searches; "
                "no new matches, no email.",
            },
            {
                "name": "Replies to messages you sent us",
                "description": "our answers when you write to us through the site or by email.",
            },
            {
                "name": "Product updates and new features",
                "description": "occasional news about the service, including changes to "
                "this policy. Off until you switch it on.",
            },
        ],
    }


def policy_text_render() -> str:
    """Return the product's own policy (``policy/policy_text.md``) as Markdown, figures filled in."""
    return render_to_string("policy/policy_text.md", policy_text_context()).strip() + "\n"


@transaction.atomic
def policy_seed(*, actor: User | None = None) -> PolicyVersion | None:
    """Publish version 1 from ``policy_text_render`` when no version exists; return it.

    Returns None, changing nothing, once any version (draft or published) exists, so it
    is safe on every start. No notice email: the first version changes nothing for
    anyone; members still see the banner until they acknowledge it.
    """
    if PolicyVersion.objects.exists():
        return None
    version = PolicyVersion(
        number=1,
        title="Privacy policy",
        body=policy_text_render(),
        summary_of_changes="The first version of this policy.",
    )
    version.full_clean()
    version.save()
    return policy_version_publish(actor=actor, version=version, notify_by_email=False)
