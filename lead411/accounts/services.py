"""Membership writes: applications, reviews, account changes and stolen passwords.

Each service is atomic, writes one audit event per change a person makes (clause P8) and
emails the member after the transaction commits.
"""

from typing import Any

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from lead411.core import clock
from lead411.core.audit import audit_record, diff, snapshot
from lead411.core.models import AuditEvent
from lead411.core.urls import absolute_url

from .emails import email_send, staff_addresses
from .models import AccountChangeRequest, Application, StolenPasswordReport, User
from .signals import stolen_password_reported

PROFILE_FIELDS = ("company", "job_title", "telephone", "industry", "company_size", "country")
REVIEW_FIELDS = ("status", "refusal_reason", "info_request", "info_response")


def application_submit(*, user: User, **profile: str) -> Application:
    """Create the pending application of a user who just signed up (clause P3).

    ``profile`` holds the PROFILE_FIELDS. Raises ValidationError for a missing or invalid
    field. Staff are told a new application waits in the queue.
    """
    application = Application(
        user=user, submitted_at=clock.now(), **{k: profile[k] for k in PROFILE_FIELDS}
    )
    application.full_clean()
    with transaction.atomic():
        application.save()
        audit_record(
            actor=user,
            action=AuditEvent.Action.CREATE,
            verb="apply",
            obj=application,
            changes={
                k: {"before": None, "after": v}
                for k, v in snapshot(obj=application, fields=PROFILE_FIELDS).items()
            },
        )
    email_send(
        template="application_received",
        to=[user.email],
        context={"user": user, "application": application},
    )
    email_send(
        template="staff_application_new",
        to=staff_addresses(),
        context={"application": application, "admin_url": absolute_url(reverse("admin:index"))},
    )
    return application


def _transition(
    *,
    actor: Any,
    application: Application,
    allowed_from: set[Application.Status],
    verb: str,
    template: str,
    **values: Any,
) -> Application:
    """Move ``application`` to new ``values`` when its status allows, audit it, mail the applicant."""
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update().select_related("user").get(pk=application.pk)
        )
        if locked.status not in allowed_from:
            raise ValidationError(
                f"Cannot {verb} an application that is {locked.get_status_display().lower()}.",
                code="invalid_transition",
            )
        before = snapshot(obj=locked, fields=REVIEW_FIELDS)
        for name, value in values.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked.save()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.TRANSITION,
            verb=verb,
            obj=locked,
            changes=diff(before=before, after=snapshot(obj=locked, fields=REVIEW_FIELDS)),
        )
    email_send(
        template=template,
        to=[locked.user.email],
        context={
            "user": locked.user,
            "application": locked,
            "application_url": absolute_url(reverse("accounts:application")),
            "login_url": absolute_url(reverse("account_login")),
        },
    )
    application.refresh_from_db()
    return locked


# The statuses staff may approve, refuse or question from.
REVIEWABLE_STATUSES = frozenset({Application.Status.PENDING, Application.Status.INFO_REQUESTED})
_REVIEWABLE = set(REVIEWABLE_STATUSES)


def application_approve(*, actor: User, application: Application) -> Application:
    """Approve a pending or info-requested application; the member may then search leads.

    Raises ValidationError (code ``invalid_transition``) from any other status.
    """
    return _transition(
        actor=actor,
        application=application,
        allowed_from=_REVIEWABLE,
        verb="approve",
        template="application_approved",
        status=Application.Status.APPROVED,
        decided_at=clock.now(),
        decided_by=actor,
    )


def application_refuse(*, actor: User, application: Application, reason: str) -> Application:
    """Refuse an application with a reason the applicant is told (clause P9).

    Raises ValidationError when ``reason`` is blank or the status is not reviewable.
    """
    if not reason.strip():
        raise ValidationError("A refusal needs a reason.", code="reason_required")
    return _transition(
        actor=actor,
        application=application,
        allowed_from=_REVIEWABLE,
        verb="refuse",
        template="application_refused",
        status=Application.Status.REFUSED,
        refusal_reason=reason.strip(),
        decided_at=clock.now(),
        decided_by=actor,
    )


def application_request_info(
    *, actor: User, application: Application, question: str
) -> Application:
    """Ask the applicant for more information, answered on the site (clause P3).

    Raises ValidationError when ``question`` is blank or the status is not reviewable.
    """
    if not question.strip():
        raise ValidationError("Say what information is needed.", code="question_required")
    return _transition(
        actor=actor,
        application=application,
        allowed_from=_REVIEWABLE,
        verb="request_info",
        template="application_info_requested",
        status=Application.Status.INFO_REQUESTED,
        info_request=question.strip(),
        info_response="",
    )


def application_answer(*, user: User, answer: str) -> Application:
    """Record the applicant's answer and put the application back in the review queue.

    Raises Application.DoesNotExist when ``user`` has no application, ValidationError when
    no information was requested or the answer is blank.
    """
    if not answer.strip():
        raise ValidationError("Please write an answer.", code="answer_required")
    application = Application.objects.get(user=user)
    result = _transition(
        actor=user,
        application=application,
        allowed_from={Application.Status.INFO_REQUESTED},
        verb="answer",
        template="application_answer_received",
        status=Application.Status.PENDING,
        info_response=answer.strip(),
    )
    email_send(
        template="staff_application_answered",
        to=staff_addresses(),
        context={"application": result, "admin_url": absolute_url(reverse("admin:index"))},
    )
    return result


def application_update(
    *, actor: User, application: Application, data: dict[str, Any]
) -> Application:
    """Apply staff edits to a member's registration details and tell the member (clause P9).

    ``data`` maps PROFILE_FIELDS names to new values; unknown names raise ValueError,
    invalid values ValidationError. Returns the saved application.
    """
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update().select_related("user").get(pk=application.pk)
        )
        before = snapshot(obj=locked, fields=PROFILE_FIELDS)
        for name, value in data.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked.save()
        changes = diff(before=before, after=snapshot(obj=locked, fields=PROFILE_FIELDS))
        if changes:
            audit_record(actor=actor, action=AuditEvent.Action.CHANGE, obj=locked, changes=changes)
    if changes:
        email_send(
            template="record_changed",
            to=[locked.user.email],
            context={"user": locked.user, "fields": sorted(changes)},
        )
    return locked


def member_create_approved(*, email: str, password: str | None, **profile: str) -> User:
    """Create an active member whom staff vouch for, with a verified email.

    ``profile`` may hold ``first_name``/``last_name`` and the PROFILE_FIELDS; when any
    profile field is given an approved application records them. Used by ``setup_demo``.
    """
    names = {k: profile.pop(k) for k in ("first_name", "last_name") if k in profile}
    with transaction.atomic():
        user = User.objects.create_user(email, password, **names)
        if profile:
            now = clock.now()
            application = Application(
                user=user,
                submitted_at=now,
                status=Application.Status.APPROVED,
                decided_at=now,
                **{k: profile.get(k, "") for k in PROFILE_FIELDS},
            )
            application.full_clean(exclude=[k for k in PROFILE_FIELDS if k not in profile])
            application.save()
        audit_record(actor=None, action=AuditEvent.Action.CREATE, verb="create_member", obj=user)
    return user


def member_name_change(*, user: User, first_name: str, last_name: str) -> User:
    """Change the member's own name (clause P11); audited, no email needed."""
    before = snapshot(obj=user, fields=("first_name", "last_name"))
    user.first_name, user.last_name = first_name.strip(), last_name.strip()
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        user.save(update_fields=["first_name", "last_name"])
        changes = diff(before=before, after=snapshot(obj=user, fields=("first_name", "last_name")))
        if changes:
            audit_record(actor=user, action=AuditEvent.Action.CHANGE, obj=user, changes=changes)
    return user


class EmailTakenError(ValidationError):
    """The address already belongs to another account (in User or allauth's EmailAddress)."""


def email_address_taken(*, email: str, exclude_user: User | None = None) -> bool:
    """Return True when ``email`` (case-insensitive) is any other user's address or login.

    Both tables count: allauth logs in and sends reset links by its EmailAddress rows,
    Django by ``User.email``.
    """
    users = User.objects.filter(email__iexact=email)
    addresses = EmailAddress.objects.filter(email__iexact=email)
    if exclude_user is not None:
        users = users.exclude(pk=exclude_user.pk)
        addresses = addresses.exclude(user_id=exclude_user.pk)
    return users.exists() or addresses.exists()


def user_email_change_by_staff(*, actor: User, user: User, email: str) -> User:
    """Replace a member's address with ``email``, as staff do on the member's request (P11).

    The new address becomes the member's only allauth EmailAddress, verified (staff
    vouch for it) and primary; every other address of the member is deleted with its
    pending confirmations, so the old one no longer logs in or receives reset links, and
    reset links already sent stop working (allauth's token hashes the address). One audit
    event (verb ``email_changed_by_staff``); the old and the new address are each told.
    Returns the saved user. Raises EmailTakenError (code ``email_taken``) when another
    account uses the address, ValidationError when it is not a valid address.
    """
    email = User.objects.normalize_email(email.strip())
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        old = locked.email
        if email == old:
            return locked
        if email_address_taken(email=email, exclude_user=locked):
            raise EmailTakenError("Another account uses this address.", code="email_taken")
        locked.email = email
        locked.full_clean(exclude=["password"])
        locked.save(update_fields=["email"])
        EmailAddress.objects.filter(user=locked).exclude(email__iexact=email).delete()
        EmailAddress.objects.update_or_create(
            user=locked,
            email__iexact=email,
            defaults={"email": email, "verified": True, "primary": True},
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.SECURITY,
            verb="email_changed_by_staff",
            obj=locked,
            changes={"email": {"before": old, "after": email}},
        )
    context = {
        "user": locked,
        "old_email": old,
        "new_email": email,
        "login_url": absolute_url(reverse("account_login")),
    }
    email_send(template="email_changed_old_address", to=[old], context=context)
    email_send(template="email_changed_new_address", to=[email], context=context)
    user.email = locked.email
    return locked


def user_sessions_end(*, user: User) -> int:
    """Delete every unexpired database session of ``user``; return how many were deleted.

    Sessions are decoded one by one (the session table has no user column); that is
    linear in live sessions, fine for a membership site of thousands.
    """
    ended = 0
    for session in Session.objects.filter(expire_date__gt=clock.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


def stolen_password_report(*, user: User) -> StolenPasswordReport:
    """Cancel a reportedly stolen password at once (clause P13).

    The password becomes unusable, which also kills every outstanding reset link (their
    tokens hash the password) and every session (Django checks the password hash on each
    request); the sessions are deleted as well, remember-me ones included. Staff are
    notified; the account stays suspended until staff send a reset link
    (``stolen_password_complete``). ``signals.stolen_password_reported`` is sent inside
    the transaction, so other apps' credentials (API tokens) end with the password.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_unusable_password()
        locked.save(update_fields=["password"])
        ended = user_sessions_end(user=locked)
        report = StolenPasswordReport.objects.create(
            user=locked, reported_at=clock.now(), sessions_ended=ended
        )
        audit_record(
            actor=None,
            action=AuditEvent.Action.SECURITY,
            verb="stolen_password_reported",
            obj=locked,
            changes={"password": {"before": "usable", "after": "cancelled"}},
        )
        stolen_password_reported.send(sender=User, user=locked)
    email_send(
        template="staff_stolen_password",
        to=staff_addresses(),
        context={
            "report": report,
            "user": locked,
            "admin_url": absolute_url(reverse("admin:index")),
        },
    )
    user.password = locked.password
    return report


def password_reset_url(*, user: User) -> str:
    """Return a single-use reset link for ``user`` built from SITE_URL (clause P12)."""
    from allauth.account.adapter import get_adapter

    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    return get_adapter().get_reset_password_from_key_url(key)


def stolen_password_complete(*, actor: User, report: StolenPasswordReport) -> StolenPasswordReport:
    """Send the member a reset link and close the report; staff never see the password (P13).

    Raises ValidationError when the report is already completed.
    """
    with transaction.atomic():
        locked = (
            StolenPasswordReport.objects.select_for_update()
            .select_related("user")
            .get(pk=report.pk)
        )
        if locked.completed_at is not None:
            raise ValidationError("This report was already completed.", code="already_completed")
        locked.completed_at, locked.completed_by = clock.now(), actor
        locked.save(update_fields=["completed_at", "completed_by"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.SECURITY,
            verb="stolen_password_reset_sent",
            obj=locked.user,
        )
        url = password_reset_url(user=locked.user)
    email_send(
        template="stolen_password_reset",
        to=[locked.user.email],
        context={"user": locked.user, "password_reset_url": url},
    )
    return locked


def account_change_request_create(
    *, user: User | None, contact_email: str, name: str, kind: str, details: str
) -> AccountChangeRequest:
    """File an account-change request for staff (clause P11); works without a login.

    Raises ValidationError for invalid fields. Staff are notified; the sender gets an
    acknowledgement only when logged in, so the form cannot mail arbitrary addresses.
    """
    change_request = AccountChangeRequest(
        user=user if user is not None and user.is_authenticated else None,
        contact_email=contact_email,
        name=name,
        kind=kind,
        details=details,
        created_at=clock.now(),
    )
    change_request.full_clean()
    with transaction.atomic():
        change_request.save()
        audit_record(
            actor=change_request.user,
            action=AuditEvent.Action.CREATE,
            verb="account_change_request",
            obj=change_request,
            changes={"kind": {"before": None, "after": kind}},
        )
    email_send(
        template="staff_account_change_request",
        to=staff_addresses(),
        context={
            "change_request": change_request,
            "admin_url": absolute_url(reverse("admin:index")),
        },
    )
    return change_request


def account_change_request_resolve(
    *, actor: User, change_request: AccountChangeRequest, status: str, note: str
) -> AccountChangeRequest:
    """Close a request as done or declined and tell the member the outcome (clause P11).

    The reply goes to the linked member's verified addresses when there is one, else to
    the contact address given. Raises ValidationError when it is already closed.
    """
    if status not in {AccountChangeRequest.Status.DONE, AccountChangeRequest.Status.DECLINED}:
        raise ValidationError("Choose done or declined.", code="invalid_status")
    with transaction.atomic():
        locked = AccountChangeRequest.objects.select_for_update().get(pk=change_request.pk)
        if locked.status != AccountChangeRequest.Status.OPEN:
            raise ValidationError("This request is already closed.", code="already_closed")
        before = snapshot(obj=locked, fields=("status", "staff_note"))
        locked.status, locked.staff_note = status, note
        locked.resolved_at, locked.resolved_by = clock.now(), actor
        locked.save()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.TRANSITION,
            verb="resolve",
            obj=locked,
            changes=diff(
                before=before, after=snapshot(obj=locked, fields=("status", "staff_note"))
            ),
        )
    recipients = [locked.contact_email]
    if locked.user_id is not None:
        recipients = list(
            EmailAddress.objects.filter(user_id=locked.user_id, verified=True).values_list(
                "email", flat=True
            )
        ) or [locked.contact_email]
    email_send(
        template="account_change_resolved", to=recipients, context={"change_request": locked}
    )
    return locked
