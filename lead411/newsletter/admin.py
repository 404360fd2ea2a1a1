"""Admin of the newsletter app: the daily issues (read-only) and product updates (P5 c)."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from lead411.core import clock
from lead411.newsletter.models import NewsletterIssue, ProductUpdate
from lead411.newsletter.services import product_update_send


@admin.register(NewsletterIssue)
class NewsletterIssueAdmin(admin.ModelAdmin):
    list_display = [
        "date",
        "cutoff_at",
        "events_considered",
        "members_considered",
        "deliveries_created",
    ]
    readonly_fields = [f.name for f in NewsletterIssue._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ProductUpdate)
class ProductUpdateAdmin(admin.ModelAdmin):
    """Staff write an update in Markdown, preview it, then send it with the action."""

    list_display = ["title", "created_at", "sent_at", "recipients", "preview_link"]
    readonly_fields = ["created_by", "created_at", "sent_at", "recipients"]
    actions = ["send_update"]

    @admin.display(description="Preview")
    def preview_link(self, obj: ProductUpdate) -> str:
        return format_html(
            '<a href="{}">Preview</a>', reverse("newsletter:update-preview", args=[obj.pk])
        )

    def save_model(
        self, request: HttpRequest, obj: ProductUpdate, form: object, change: bool
    ) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]  # staff are Users
            obj.created_at = clock.now()
        super().save_model(request, obj, form, change)  # type: ignore[arg-type]  # Django passes a ModelForm

    @admin.action(description="Send to members who opted in to product updates")
    def send_update(self, request: HttpRequest, queryset: QuerySet[ProductUpdate]) -> None:
        for update in queryset:
            try:
                count = product_update_send(update=update)
            except ValueError as exc:
                self.message_user(request, f"{update.title}: {exc}", messages.WARNING)
            else:
                self.message_user(request, f"{update.title}: queued for {count} members.")
