"""Admin for members, applications, account-change requests and the audit log.

Declarative; actions call services. Registration details are shown only to the
sales-leads team (``accounts.view_registration_details``); other staff see name and
status (clause P8). Every change view opened and every change saved is audited.
"""

from typing import Any

from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import NestedObjects, quote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst

from lead411.core.audit import audit_record, diff, snapshot
from lead411.core.models import AuditEvent

from .emails import email_send
from .models import AccountChangeRequest, Application, StolenPasswordReport, User
from .services import (
    PROFILE_FIELDS,
    REVIEWABLE_STATUSES,
    account_change_request_resolve,
    application_approve,
    application_refuse,
    application_request_info,
    application_update,
    email_address_taken,
    stolen_password_complete,
    user_email_change_by_staff,
)

REGISTRATION_DETAILS_PERMISSION = "accounts.view_registration_details"
# Names the record by `subtitle` for staff outside the team (see AuditedAdminMixin).
CONFIDENTIAL_CHANGE_FORM = "admin/accounts/change_form_confidential.html"
USER_AUDITED_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "plan",
    "is_active",
    "is_staff",
    "is_superuser",
)


def _staff(request: HttpRequest) -> User:
    """Return the logged-in staff user of an admin request (the admin lets no one else in)."""
    assert isinstance(request.user, User)
    return request.user


def is_sales_leads_team(request: HttpRequest) -> bool:
    """Return True when the staff user may see registration details (clause P8)."""
    return request.user.has_perm(REGISTRATION_DETAILS_PERMISSION)


def confidential_deleted_objects(
    objs: Any, request: HttpRequest, admin_site: admin.AdminSite
) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
    """Return what Django's ``get_deleted_objects`` returns, naming no object by str().

    Deleting a member cascades to records whose str() is an email (allauth's
    EmailAddress) or other details; staff outside the sales-leads team see each as
    "Email address: #12", or by ``confidential_label`` where its admin has one (P8).
    Returns ``(nested labels, {verbose_name_plural: count}, verbose names lacking the
    delete permission, protected labels)``.
    """
    if not len(objs):
        return [], {}, set(), []
    collector = NestedObjects(using=router.db_for_write(objs[0]._meta.model), origin=objs)
    collector.collect(objs)
    perms_needed: set[str] = set()

    def label(obj: Model) -> str:
        opts = obj._meta
        model_admin = (
            admin_site.get_model_admin(type(obj)) if admin_site.is_registered(type(obj)) else None
        )
        name = f"#{obj.pk}"
        if isinstance(model_admin, AuditedAdminMixin):
            name = model_admin.confidential_label(obj)
        if model_admin is None:
            return f"{capfirst(opts.verbose_name)}: {name}"
        if not model_admin.has_delete_permission(request, obj):
            perms_needed.add(str(opts.verbose_name))
        try:
            url = reverse(
                f"{admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                args=(quote(obj.pk),),
            )
        except NoReverseMatch:
            return f"{capfirst(opts.verbose_name)}: {name}"
        return format_html('{}: <a href="{}">{}</a>', capfirst(opts.verbose_name), url, name)

    to_delete = collector.nested(label)
    protected = [label(obj) for obj in collector.protected]
    model_count: dict[str, int] = {
        str(model._meta.verbose_name_plural): len(found)  # type: ignore[attr-defined]  # django-stubs types the keys as str
        for model, found in collector.model_objs.items()
    }
    return to_delete, model_count, perms_needed, protected


class AuditedAdminMixin:
    """Audit every change view opened (a staff view) and every deletion (clause P8)."""

    base_change_form_template = "admin/change_form.html"

    def confidential_label(self, obj: Any) -> str:
        """Return how staff outside the team see the record's name (str() may hold an email)."""
        return str(obj)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """Record the view, then show the change form, titled without details for non-team staff."""
        extra_context = {**(extra_context or {}), "base_template": self.base_change_form_template}
        obj = self.get_object(request, object_id)  # type: ignore[attr-defined]  # ModelAdmin
        if obj is not None:
            if request.method == "GET":
                audit_record(actor=_staff(request), action=AuditEvent.Action.VIEW, obj=obj)
            if not is_sales_leads_team(request):
                extra_context.update(subtitle=self.confidential_label(obj), title_label=True)
        return super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]  # ModelAdmin

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The history page names the record and shows changed values: the team only (P8)."""
        if not is_sales_leads_team(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)  # type: ignore[misc]  # ModelAdmin

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """The delete confirmation names related records without details for non-team staff."""
        if is_sales_leads_team(request):
            return super().get_deleted_objects(objs, request)  # type: ignore[misc]  # ModelAdmin
        return confidential_deleted_objects(objs, request, self.admin_site)  # type: ignore[attr-defined]  # ModelAdmin

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        """Record the deletion, then delete (clause P9)."""
        audit_record(actor=_staff(request), action=AuditEvent.Action.DELETE, obj=obj)
        super().delete_model(request, obj)  # type: ignore[misc]  # ModelAdmin

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """Record each deletion of a bulk delete, then delete."""
        for obj in queryset:
            audit_record(actor=_staff(request), action=AuditEvent.Action.DELETE, obj=obj)
        super().delete_queryset(request, queryset)  # type: ignore[misc]  # ModelAdmin


class ReasonForm(forms.Form):
    """The text an admin action needs: a refusal reason, a question or a note."""

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5, "cols": 80}), max_length=4000)


def _with_reason(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    title: str,
    label: str,
    apply: Any,
) -> HttpResponse | None:
    """Ask for a text on an intermediate page, then call ``apply(obj, text)`` for each row."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    form.fields["text"].label = label
    if form.is_valid():
        done = 0
        for obj in queryset:
            try:
                apply(obj, form.cleaned_data["text"])
                done += 1
            except ValidationError as exc:
                modeladmin.message_user(request, f"{obj}: {' '.join(exc.messages)}", messages.ERROR)
        modeladmin.message_user(request, f"{title}: {done} done.", messages.SUCCESS)
        return None
    return TemplateResponse(
        request,
        "admin/accounts/action_reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": queryset,
            "action": request.POST.get("action"),
            "opts": modeladmin.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        },
    )


class MemberChangeForm(UserChangeForm):  # type: ignore[type-arg]  # django-stubs: generic
    """The user change form; a new address must be no other account's, in either table."""

    def clean_email(self) -> str:
        """Refuse an address another account logs in with or has on file (allauth's rows)."""
        email = str(self.cleaned_data["email"])
        if email_address_taken(email=email, exclude_user=self.instance):
            raise ValidationError("Another account uses this address.", code="email_taken")
        return email


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    """Users keyed by email; email and registration details for the team only."""

    change_form_template = CONFIDENTIAL_CHANGE_FORM
    form = MemberChangeForm

    ordering = ("email",)
    list_filter = ("plan", "is_staff", "is_active", "application__status")
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def confidential_label(self, obj: Any) -> str:
        """The member's name instead of their email."""
        return obj.get_full_name() or f"Member #{obj.pk}"

    @admin.display(description="membership")
    def membership_status(self, obj: User) -> str:
        """Return the application status, or "member (created by staff)"."""
        application = getattr(obj, "application", None)
        return application.get_status_display() if application else "Member (created by staff)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        """Join the application so the list shows its status without extra queries."""
        return super().get_queryset(request).select_related("application")

    def get_list_display(self, request: HttpRequest) -> Any:
        """Team: email and name; other staff: name and status only (clause P8)."""
        if is_sales_leads_team(request):
            return (
                "email",
                "first_name",
                "last_name",
                "membership_status",
                "plan",
                "is_staff",
                "is_active",
            )
        return ("first_name", "last_name", "membership_status", "plan", "is_active")

    def get_list_display_links(self, request: HttpRequest, list_display: Any) -> Any:
        """Link the first column whichever it is."""
        return (list_display[0],)

    def get_search_fields(self, request: HttpRequest) -> Any:
        """Searching by email would disclose it to staff outside the team."""
        if is_sales_leads_team(request):
            return ("email", "first_name", "last_name")
        return ("first_name", "last_name")

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        """Refuse: staff never see or choose a member's password (clause P13).

        A member who lost access gets a reset link (the stolen-password admin, or the
        member's own "forgot password"); the new password is only ever typed by them.
        """
        raise PermissionDenied("Staff send a reset link; they never set a member's password.")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        """Team: the full record; other staff: name, status and permissions."""
        if obj is None:
            return self.add_fieldsets
        # Staff assign the plan (issue 17); saving it is audited and the member told.
        plan = ("Plan", {"fields": ("plan",)})
        permissions = (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups")},
        )
        if is_sales_leads_team(request):
            return (
                (None, {"fields": ("email",)}),
                ("Name", {"fields": ("first_name", "last_name")}),
                plan,
                permissions,
                ("Dates", {"fields": ("last_login", "date_joined")}),
            )
        return (("Name", {"fields": ("first_name", "last_name")}), plan, permissions)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """Save, audit the before/after values, and tell the member of changes (clause P9)."""
        if not change:
            super().save_model(request, obj, form, change)
            from allauth.account.models import EmailAddress

            # Staff vouch for the accounts they create, as User.objects.create_user does.
            EmailAddress.objects.update_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )
            audit_record(actor=_staff(request), action=AuditEvent.Action.CREATE, obj=obj)
            return
        before = snapshot(obj=User.objects.get(pk=obj.pk), fields=USER_AUDITED_FIELDS)
        new_email = obj.email
        # The address goes through its own service: allauth's records, access, both told.
        obj.email = before["email"]
        super().save_model(request, obj, form, change)
        changes = diff(before=before, after=snapshot(obj=obj, fields=USER_AUDITED_FIELDS))
        if new_email != before["email"]:
            user_email_change_by_staff(actor=_staff(request), user=obj, email=new_email)
        if changes:
            audit_record(
                actor=_staff(request), action=AuditEvent.Action.CHANGE, obj=obj, changes=changes
            )
            email_send(
                template="record_changed",
                to=[obj.email],
                context={"user": obj, "fields": sorted(changes)},
            )


@admin.register(Application)
class ApplicationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """The review queue: filter by status, then approve, refuse or ask for more (P3, P9)."""

    change_form_template = "admin/accounts/application/change_form.html"

    list_filter = ("status",)
    date_hierarchy = "submitted_at"
    actions = ("approve", "refuse", "request_info")
    readonly_fields = (
        "user",
        "status",
        "refusal_reason",
        "info_request",
        "info_response",
        "submitted_at",
        "decided_at",
        "decided_by",
    )

    def confidential_label(self, obj: Any) -> str:
        """The applicant's name instead of their email."""
        return f"Application of {obj.user.get_full_name() or f'member #{obj.user_id}'}"

    @admin.display(description="name")
    def applicant_name(self, obj: Application) -> str:
        """Return the applicant's full name."""
        return obj.user.get_full_name()

    @admin.display(description="email", ordering="user__email")
    def applicant_email(self, obj: Application) -> str:
        """Return the applicant's email: listed for the team only (str(user) names no one)."""
        return obj.user.email

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        """Join the user for the name column."""
        return super().get_queryset(request).select_related("user")

    def has_registration_details_permission(self, request: HttpRequest) -> bool:
        """Review actions need the details, so they are the team's (clause P8)."""
        return is_sales_leads_team(request)

    def get_list_display(self, request: HttpRequest) -> Any:
        """Team: the details; other staff: name and status only (clause P8)."""
        if is_sales_leads_team(request):
            return (
                "applicant_name",
                "applicant_email",
                "company",
                "job_title",
                "country",
                "status",
                "submitted_at",
            )
        return ("applicant_name", "status", "submitted_at")

    def get_search_fields(self, request: HttpRequest) -> Any:
        """Search on details only for the team."""
        if is_sales_leads_team(request):
            return ("user__email", "user__first_name", "user__last_name", "company")
        return ("user__first_name", "user__last_name")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """Team: every field; other staff: name and status."""
        if is_sales_leads_team(request):
            return ("user", "applicant_email", *PROFILE_FIELDS, *self.readonly_fields[1:])
        return ("applicant_name", "status", "submitted_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """Statuses change only through the actions; details are editable by the team."""
        if is_sales_leads_team(request):
            return (*self.readonly_fields, "applicant_email")
        return ("applicant_name", "status", "submitted_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Applications come from sign-up (or member_create_approved), not the admin."""
        return False

    def get_urls(self) -> list[URLPattern]:
        """Add the review pages of one application: approve, refuse, request information."""
        review = [
            path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(view),
                name=f"accounts_application_{name.replace('-', '_')}",
            )
            for name, view in (
                ("approve", self.approve_view),
                ("refuse", self.refuse_view),
                ("request-info", self.request_info_view),
            )
        ]
        return review + super().get_urls()

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """Show the review buttons to the team while the application awaits a decision."""
        obj = self.get_object(request, object_id)
        reviewable = (
            obj is not None
            and obj.status in REVIEWABLE_STATUSES
            and self.has_registration_details_permission(request)
        )
        extra_context = {**(extra_context or {}), "review_buttons": reviewable}
        return super().change_view(request, object_id, form_url, extra_context)

    def _review(
        self,
        request: HttpRequest,
        object_id: str,
        *,
        title: str,
        label: str | None,
        apply: Any,
        done: str,
    ) -> HttpResponse:
        """One review page: GET shows the form (a text when ``label``), POST applies it."""
        if not self.has_registration_details_permission(request):
            raise PermissionDenied
        application = self.get_object(request, object_id)
        if application is None:
            raise Http404
        change_url = reverse("admin:accounts_application_change", args=[quote(application.pk)])
        form = ReasonForm(request.POST if request.method == "POST" else None)
        if label is None:
            del form.fields["text"]
        else:
            form.fields["text"].label = label
        if request.method == "POST" and form.is_valid():
            try:
                apply(application, form.cleaned_data.get("text", ""))
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(request, done, messages.SUCCESS)
            return HttpResponseRedirect(change_url)
        return TemplateResponse(
            request,
            "admin/accounts/application_review.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "subtitle": self.confidential_label(application),
                "form": form,
                "opts": self.model._meta,
                "original": application,
                "change_url": change_url,
            },
        )

    def approve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Approve this application (confirmation page, then POST)."""
        return self._review(
            request,
            object_id,
            title="Approve this application",
            label=None,
            apply=lambda obj, text: application_approve(actor=_staff(request), application=obj),
            done="The application was approved; the applicant was told.",
        )

    def refuse_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Refuse this application with a reason the applicant is sent."""
        return self._review(
            request,
            object_id,
            title="Refuse this application",
            label="Reason (sent to the applicant)",
            apply=lambda obj, text: application_refuse(
                actor=_staff(request), application=obj, reason=text
            ),
            done="The application was refused; the applicant was sent the reason.",
        )

    def request_info_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Ask the applicant a question; they answer on the site."""
        return self._review(
            request,
            object_id,
            title="Request more information",
            label="What do you need to know? (sent to the applicant)",
            apply=lambda obj, text: application_request_info(
                actor=_staff(request), application=obj, question=text
            ),
            done="The question was sent to the applicant.",
        )

    def save_model(self, request: HttpRequest, obj: Application, form: Any, change: bool) -> None:
        """Save staff edits through the service: audited, and the member is told (P9)."""
        data = {k: form.cleaned_data[k] for k in form.changed_data if k in PROFILE_FIELDS}
        if data:
            application_update(actor=_staff(request), application=obj, data=data)

    @admin.action(
        description="Approve the selected applications", permissions=["registration_details"]
    )
    def approve(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        """Approve each selected application; the applicant is emailed."""
        done = 0
        for application in queryset:
            try:
                application_approve(actor=_staff(request), application=application)
                done += 1
            except ValidationError as exc:
                self.message_user(
                    request, f"{application}: {' '.join(exc.messages)}", messages.ERROR
                )
        self.message_user(request, f"Approved {done} application(s).", messages.SUCCESS)

    @admin.action(
        description="Refuse the selected applications…", permissions=["registration_details"]
    )
    def refuse(self, request: HttpRequest, queryset: QuerySet[Application]) -> HttpResponse | None:
        """Ask for the reason, then refuse; the applicant is emailed the reason."""
        return _with_reason(
            self,
            request,
            queryset,
            title="Refuse applications",
            label="Reason (sent to the applicant)",
            apply=lambda obj, text: application_refuse(
                actor=_staff(request), application=obj, reason=text
            ),
        )

    @admin.action(description="Request more information…", permissions=["registration_details"])
    def request_info(
        self, request: HttpRequest, queryset: QuerySet[Application]
    ) -> HttpResponse | None:
        """Ask for the question, then send it; the applicant answers on the site."""
        return _with_reason(
            self,
            request,
            queryset,
            title="Request more information",
            label="What do you need to know? (sent to the applicant)",
            apply=lambda obj, text: application_request_info(
                actor=_staff(request), application=obj, question=text
            ),
        )


@admin.register(AccountChangeRequest)
class AccountChangeRequestAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Account-change requests staff process; the member is told the outcome (clause P11)."""

    change_form_template = CONFIDENTIAL_CHANGE_FORM

    list_display = ("created_at", "kind", "status", "name")
    list_filter = ("status", "kind")
    readonly_fields = (
        "user",
        "contact_email",
        "name",
        "kind",
        "details",
        "status",
        "staff_note",
        "created_at",
        "resolved_at",
        "resolved_by",
    )
    actions = ("mark_done", "decline")

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Requests come from the site's form."""
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Requests hold contact details: the sales-leads team only (clause P8)."""
        return is_sales_leads_team(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Only through the actions, for the team."""
        return is_sales_leads_team(request)

    @admin.action(description="Mark done and tell the member…")
    def mark_done(
        self, request: HttpRequest, queryset: QuerySet[AccountChangeRequest]
    ) -> HttpResponse | None:
        """Close as done with a note to the member."""
        return _with_reason(
            self,
            request,
            queryset,
            title="Mark done",
            label="Note to the member",
            apply=lambda obj, text: account_change_request_resolve(
                actor=_staff(request),
                change_request=obj,
                status=AccountChangeRequest.Status.DONE,
                note=text,
            ),
        )

    @admin.action(description="Decline and tell the member…")
    def decline(
        self, request: HttpRequest, queryset: QuerySet[AccountChangeRequest]
    ) -> HttpResponse | None:
        """Close as declined with a note to the member."""
        return _with_reason(
            self,
            request,
            queryset,
            title="Decline",
            label="Reason (sent to the member)",
            apply=lambda obj, text: account_change_request_resolve(
                actor=_staff(request),
                change_request=obj,
                status=AccountChangeRequest.Status.DECLINED,
                note=text,
            ),
        )


@admin.register(StolenPasswordReport)
class StolenPasswordReportAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Stolen-password reports; staff complete them by sending a reset link (clause P13).

    The member is named by name for all staff, by email for the team only (clause P8).
    """

    list_filter = (("completed_at", admin.EmptyFieldListFilter),)
    readonly_fields = (
        "user",
        "member_name",
        "reported_at",
        "sessions_ended",
        "completed_at",
        "completed_by",
    )
    actions = ("send_reset_link",)

    def confidential_label(self, obj: Any) -> str:
        """The report by the member's name."""
        return f"Stolen-password report of {obj.user.get_full_name() or f'member #{obj.user_id}'}"

    @admin.display(description="member")
    def member_name(self, obj: StolenPasswordReport) -> str:
        """Return the reporting member's full name."""
        return obj.user.get_full_name() or f"Member #{obj.user_id}"

    @admin.display(description="email", ordering="user__email")
    def member_email(self, obj: StolenPasswordReport) -> str:
        """Return the reporting member's email (shown to the team only)."""
        return obj.user.email

    def get_queryset(self, request: HttpRequest) -> QuerySet[StolenPasswordReport]:
        """Join the member for the name column."""
        return super().get_queryset(request).select_related("user")

    def get_list_display(self, request: HttpRequest) -> Any:
        """Team: name and email; other staff: name only (clause P8)."""
        team = ("member_email",) if is_sales_leads_team(request) else ()
        return (
            "reported_at",
            "member_name",
            *team,
            "sessions_ended",
            "completed_at",
            "completed_by",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """The team also sees the email on the report."""
        team = ("member_email",) if is_sales_leads_team(request) else ()
        return (*self.readonly_fields, *team)

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Reports come from the member."""
        return False

    @admin.action(description="Send the member a password reset link")
    def send_reset_link(
        self, request: HttpRequest, queryset: QuerySet[StolenPasswordReport]
    ) -> None:
        """Email a single-use reset link; staff never see or choose the password."""
        done = 0
        for report in queryset:
            try:
                stolen_password_complete(actor=_staff(request), report=report)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{report}: {' '.join(exc.messages)}", messages.ERROR)
        self.message_user(request, f"Sent {done} reset link(s).", messages.SUCCESS)


admin.site.unregister(EmailAddress)


class SalesLeadsTeamOnlyAdminMixin:
    """A ModelAdmin mixin: listing, viewing, adding and changing are the team's (clause P8).

    Deleting is left to the admin it is mixed into: cascades from a member's deletion
    must still go through for other staff.
    """

    def has_module_permission(self, request: HttpRequest) -> bool:
        """Listed on the admin index for the team only."""
        return is_sales_leads_team(request) and super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """The team only."""
        return is_sales_leads_team(request) and super().has_view_permission(request, obj)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """The team only."""
        return is_sales_leads_team(request) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest) -> bool:
        """The team only."""
        return is_sales_leads_team(request) and super().has_add_permission(request)  # type: ignore[misc]


@admin.register(EmailAddress)
class EmailAddressAdmin(SalesLeadsTeamOnlyAdminMixin, AllauthEmailAddressAdmin):
    """allauth's list of members' addresses, for the sales-leads team only (clause P8).

    Other staff with the model permissions still delete a member's addresses along with
    the member (whose delete page names them by id), but cannot open or delete one here.
    """

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Its confirmation and message name the address: the team only."""
        if not is_sales_leads_team(request):
            raise PermissionDenied
        return super().delete_view(request, object_id, extra_context)
