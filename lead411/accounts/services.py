"""Membership writes: applications, reviews, account changes and stolen passwords.

Each service is atomic, writes one audit event per change a person makes (clause P8) and
emails the member after the transaction commits.
"""

import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models import QuerySet
from django.db.models.deletion import Collector
from django.urls import reverse

from lead411.core import clock
from lead411.core.audit import audit_record, diff, snapshot
from lead411.core.models import AuditEvent

from .emails import email_send, staff_addresses
from .models import AccountChangeRequest, Application, StolenPasswordReport, User

PROFILE_FIELDS = ("company", "job_title", "telephone", "industry", "company_size", "country")
REVIEW_FIELDS = ("status", "refusal_reason", "info_request", "info_response")


def _site_url(path: str) -> str:
    from django.conf import settings

    return settings.SITE_URL.rstrip("/") + path


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
        context={"application": application, "admin_url": _site_url(reverse("admin:index"))},
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
            "application_url": _site_url(reverse("accounts:application")),
            "login_url": _site_url(reverse("account_login")),
        },
    )
    application.refresh_from_db()
    return locked


_REVIEWABLE = {Application.Status.PENDING, Application.Status.INFO_REQUESTED}


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
        context={"application": result, "admin_url": _site_url(reverse("admin:index"))},
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
    (``stolen_password_complete``).
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
    email_send(
        template="staff_stolen_password",
        to=staff_addresses(),
        context={"report": report, "user": locked, "admin_url": _site_url(reverse("admin:index"))},
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
        context={"change_request": change_request, "admin_url": _site_url(reverse("admin:index"))},
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


ERASED = "(erased)"
MAIL_TASK = "lead411.core.mail.message_send"  # the task that retries a one-off email


def erased_label(*, pk: int) -> str:
    """Return the pseudonym an erased member keeps in the audit log: "Erased member #12"."""
    return f"Erased member #{pk}"


def member_erase(*, user: User) -> int:
    """Erase a member at their request; return the id the account had (issue 3, clause P11).

    The rule per table (docs/privacy.md lists them):

    - Deleted: the user row and, by CASCADE, the application, allauth email addresses,
      stolen-password reports, newsletter preferences, saved searches, outbox deliveries,
      policy acknowledgements and activity counters; the member's account change
      requests (linked, or sent logged out from one of the account's addresses); the
      member's contact conversations and their messages (``conversations_erase``);
      database sessions; emails waiting in the task queue for another attempt.
    - Anonymised and kept: breach reports (clause P1), for accountability, with the
      member's name, addresses, telephone and company redacted from every message;
      the audit log and Django's admin log, so who-did-what-when stays provable: the
      member's own events carry the pseudonym "Erased member #<id>", and every event
      about the member's records has its description and before/after values replaced
      by "(erased)" (field names stay).
    - Added: a keyed hash of each of the account's addresses on the newsletter
      suppression list, so the outbox never mails them again (the member's unsubscribe
      outlives the account) while the list names no one; confirming the address for a
      new account lifts it (``newsletter.suppression``).

    The erasure itself is audited under the pseudonym. Raises
    django.db.models.ProtectedError when another app protects a row of the member.
    """
    from lead411.newsletter.suppression import ERASURE_REASON, suppression_add
    from lead411.policy.services import conversations_erase

    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        pk = locked.pk
        label = erased_label(pk=pk)
        emails = {locked.email.lower()} | {
            e.lower()
            for e in EmailAddress.objects.filter(user=locked).values_list("email", flat=True)
        }
        redact = _redactor(user=locked, emails=emails)
        requests = AccountChangeRequest.objects.filter(user=locked)
        for email in emails:
            requests = requests | AccountChangeRequest.objects.filter(contact_email__iexact=email)
        owned = _owned_records(user=locked, extra=[requests])
        _logs_pseudonymise(pk=pk, label=label, owned=owned, redact=redact)
        requests.delete()
        conversations_erase(user=locked, emails=emails, redact=redact)
        _queued_mail_forget(emails=emails)
        user_sessions_end(user=locked)
        Session.objects.filter(expire_date__lte=clock.now()).delete()  # dead, may name the id
        for email in sorted(emails):
            suppression_add(email=email, reason=ERASURE_REASON)
        locked.delete()
        AuditEvent.objects.create(
            occurred_at=clock.now(),
            actor_label=label,
            action=AuditEvent.Action.DELETE,
            verb="member_erased",
            object_type="accounts.user",
            object_id=str(pk),
            object_repr=ERASED,
        )
    return pk


def _redactor(*, user: User, emails: set[str]) -> Callable[[str], str]:
    """Return a function that replaces the member's identifiers in a text by "(erased)".

    Identifiers: every address of the account, the first, last and full name, the
    application's company and telephone (matched by its digits, whatever the separators).
    Names match whole words, case-insensitively; a text naming a namesake loses it too,
    which errs on the side of the member.
    """
    application = Application.objects.filter(user=user).first()
    words = [user.first_name, user.last_name, user.get_full_name()]
    if application is not None:
        words.append(application.company)
    patterns = [re.escape(e) for e in emails]
    patterns += [rf"(?<!\w){re.escape(w.strip())}(?!\w)" for w in words if len(w.strip()) >= 2]
    digits = re.sub(r"\D", "", application.telephone) if application is not None else ""
    if len(digits) >= 6:
        patterns.append(r"\+?" + r"[\s().\-]*".join(digits))
    # Longest first, so a full name goes before its parts.
    regex = re.compile("|".join(sorted(patterns, key=len, reverse=True)), re.IGNORECASE)
    return lambda text: regex.sub(ERASED, text)


def _owned_records(*, user: User, extra: list[QuerySet[Any]]) -> dict[str, set[str]]:
    """Return ``{model label: {pk as str}}`` of the rows deleting ``user`` would delete.

    Found with Django's deletion ``Collector`` (every CASCADE, any app), plus ``extra``
    querysets, plus the member's contact conversations and their messages.
    """
    from lead411.policy.models import Conversation, Message

    collector = Collector(using=router.db_for_write(User))
    collector.collect([user])
    owned: dict[str, set[str]] = defaultdict(set)
    for model, instances in collector.data.items():
        owned[model._meta.label_lower].update(str(obj.pk) for obj in instances)
    conversations = Conversation.objects.filter(user=user)
    for email in {
        user.email,
        *EmailAddress.objects.filter(user=user).values_list("email", flat=True),
    }:
        conversations = conversations | Conversation.objects.filter(
            user__isnull=True, email__iexact=email
        )
    querysets = [
        *collector.fast_deletes,
        *extra,
        conversations,
        Message.objects.filter(conversation__in=conversations),
    ]
    for queryset in querysets:
        label = queryset.model._meta.label_lower
        owned[label].update(str(pk) for pk in queryset.values_list("pk", flat=True))
    return owned


def _logs_pseudonymise(
    *, pk: int, label: str, owned: dict[str, set[str]], redact: Callable[[str], str]
) -> None:
    """Rewrite the audit and admin log entries that name the member (see ``member_erase``).

    The one sanctioned rewrite of audit rows: erasure of the member's personal data.
    """
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    audited = set(AuditEvent.objects.values_list("object_type", flat=True).distinct())
    about: dict[int, AuditEvent] = {}
    for object_type, ids in owned.items():
        if object_type not in audited:
            continue
        for chunk in _chunks(sorted(ids)):
            events = AuditEvent.objects.filter(object_type=object_type, object_id__in=chunk)
            about.update((e.pk, e) for e in events)
        content_type = ContentType.objects.get_by_natural_key(*object_type.split("."))
        for chunk in _chunks(sorted(ids)):
            LogEntry.objects.filter(content_type=content_type, object_id__in=chunk).update(
                object_repr=ERASED
            )
    for event in about.values():
        AuditEvent.objects.filter(pk=event.pk).update(
            actor_label=label if event.actor_id == pk else event.actor_label,
            object_repr=ERASED,
            changes={name: {"before": ERASED, "after": ERASED} for name in event.changes},
        )
    for event in AuditEvent.objects.filter(actor_id=pk).exclude(pk__in=list(about)):
        AuditEvent.objects.filter(pk=event.pk).update(
            actor_label=label,
            object_repr=redact(event.object_repr),
            changes=_redact_json(event.changes, redact),
        )


def _redact_json(value: Any, redact: Callable[[str], str]) -> Any:
    """Return ``value`` (JSON data) with ``redact`` applied to every string in it."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_json(v, redact) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json(v, redact) for v in value]
    return value


def _chunks(ids: list[str], size: int = 500) -> list[list[str]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _queued_mail_forget(*, emails: set[str]) -> int:
    """Delete queued email retries and stored task results addressed to ``emails``.

    One-off emails that met an SMTP failure wait in the task queue (``core.mail``) with
    their recipients and body; so do the results django-q2 keeps of finished tasks.
    Returns the number of rows deleted.
    """
    from django_q.models import OrmQ, Task

    def addressed(args: Any) -> bool:
        data = args[0] if args and isinstance(args[0], dict) else {}
        recipients = [*data.get("to", []), *data.get("cc", []), *data.get("bcc", [])]
        return any(str(r).lower() in emails for r in recipients)

    deleted = 0
    for queued in OrmQ.objects.all():
        task = queued.task  # django-q2 returns {"id": "*Error"} for an unreadable payload
        if task.get("func") == MAIL_TASK and addressed(task.get("args")):
            queued.delete()
            deleted += 1
    for done in Task.objects.filter(func=MAIL_TASK):
        if addressed(done.args):
            done.delete()
            deleted += 1
    return deleted
