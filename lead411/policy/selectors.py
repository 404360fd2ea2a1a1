"""Reads: the current policy version, notices still to acknowledge, a member's conversations."""

from django.db.models import Exists, OuterRef, QuerySet

from lead411.accounts.models import User
from lead411.core import clock
from lead411.policy.models import PolicyAcknowledgement, PolicyVersion


def policy_version_list_published() -> QuerySet[PolicyVersion]:
    """Return every published version, newest number first."""
    return PolicyVersion.objects.filter(published_at__isnull=False).order_by("-number")


def policy_version_get_current() -> PolicyVersion | None:
    """Return the version in effect now: the highest published number whose time has come.

    None before any version is published.
    """
    return (
        policy_version_list_published()
        .filter(effective_at__lte=clock.now())
        .order_by("-number")
        .first()
    )


def policy_version_get_upcoming() -> PolicyVersion | None:
    """Return a published version that takes effect later than now, if there is one."""
    return (
        policy_version_list_published()
        .filter(effective_at__gt=clock.now())
        .order_by("number")
        .first()
    )


def policy_version_get(*, number: int) -> PolicyVersion | None:
    """Return the published version ``number``; None for a draft or an unknown number."""
    return policy_version_list_published().filter(number=number).first()


def policy_notice_for(*, user: User) -> PolicyVersion | None:
    """Return the latest published version ``user`` has not acknowledged, or None.

    One query. Anonymous visitors get None: the notice is for members (clause P15).
    """
    if not user.is_authenticated:
        return None
    acknowledged = PolicyAcknowledgement.objects.filter(user=user, version=OuterRef("pk"))
    latest = policy_version_list_published().annotate(acknowledged=Exists(acknowledged)).first()
    if latest is None or latest.acknowledged:
        return None
    return latest
