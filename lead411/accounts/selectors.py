"""Read membership state."""

from typing import Any

from django.db.models import Q, QuerySet

from .models import Application, StolenPasswordReport, User


def member_list() -> QuerySet[User]:
    """Return the users who are members, the one rule of membership (clauses P3, P9).

    Active staff, and active users without an application (created by staff: admin,
    ``createsuperuser``, ``setup_demo``), are members. An applicant is a member only once
    approved; pending, info-requested and refused applicants are not.
    """
    not_yet = [s for s in Application.Status.values if s != Application.Status.APPROVED]
    return User.objects.filter(is_active=True).filter(
        Q(is_staff=True) | ~Q(application__status__in=not_yet)
    )


def member_has_access(*, user: Any) -> bool:
    """Return True when ``user`` may use the member area (search leads): ``member_list``'s rule."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return member_list().filter(pk=user.pk).exists()


def stolen_password_report_open(*, user: Any) -> StolenPasswordReport | None:
    """Return the member's stolen-password report that staff have not completed, or None."""
    return (
        StolenPasswordReport.objects.filter(user=user, completed_at__isnull=True)
        .order_by("-reported_at")
        .first()
    )
