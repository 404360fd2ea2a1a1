"""Staff screens: policy drafts and publishing (P15); conversations, breach reports first (P1)."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import mark_safe

from lead411.accounts.admin import is_sales_leads_team
from lead411.policy import services
from lead411.policy.models import PolicyAcknowledgement, PolicyVersion


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    """Drafts are edited here; a published version is shown read-only and cannot be deleted."""

    list_display = ("number", "title", "published_at", "effective_at", "acknowledgement_count")
    ordering = ("-number",)
    actions = ("publish_selected",)
    draft_readonly = ("created_at", "published_at", "published_by", "preview")
    all_fields = (
        "number",
        "title",
        "summary_of_changes",
        "effective_at",
        "body",
        "preview",
        "created_at",
        "published_at",
        "published_by",
    )
    fields = all_fields

    @admin.display(description="acknowledged by")
    def acknowledgement_count(self, obj: PolicyVersion) -> int:
        return obj.acknowledgements.count()

    @admin.display(description="preview (as members will see it, after saving)")
    def preview(self, obj: PolicyVersion) -> str:
        # body_html is sanitised by nh3 (rendering.markdown_to_safe_html).
        return mark_safe(obj.body_html) if obj.pk else "-"  # noqa: S308  # sanitised above

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.is_published:
            return self.all_fields
        return self.draft_readonly

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A published version opens in view mode: no save buttons (clause P15).
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """Start a new draft from the latest version's text, numbered one higher."""
        latest = PolicyVersion.objects.order_by("-number").first()
        if latest is None:
            return {"number": 1}
        return {"number": latest.number + 1, "title": latest.title, "body": latest.body}

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        # Bulk delete would skip the model's refusal to delete a published version.
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Publish the selected drafts and notify members")
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[PolicyVersion]) -> None:
        for version in queryset.order_by("number"):
            try:
                published = services.policy_version_publish(actor=request.user, version=version)  # type: ignore[arg-type]  # admin users are Users
            except ValidationError as error:
                self.message_user(request, "; ".join(error.messages), messages.ERROR)
                continue
            self.message_user(
                request,
                f"Version {published.number} is published and effective "
                f"{published.effective_at:%Y-%m-%d %H:%M} UTC; members see the notice.",
                messages.SUCCESS,
            )


@admin.register(PolicyAcknowledgement)
class PolicyAcknowledgementAdmin(admin.ModelAdmin):
    """Who acknowledged which version, read-only."""

    list_display = ("user", "version", "acknowledged_at")
    list_filter = ("version",)
    search_fields = ("user__email",)

    def get_search_fields(self, request: HttpRequest) -> Any:
        """A search by address would tell staff outside the sales-leads team who is a member (P8)."""
        return self.search_fields if is_sales_leads_team(request) else ()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
