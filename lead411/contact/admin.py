"""Admin of the contact app: staff read and answer conversations, breach reports first."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join, linebreaks
from django.utils.safestring import mark_safe

from . import services
from .models import Conversation


class ConversationAdminForm(forms.ModelForm):
    """No field of the conversation is edited; the form only carries staff's answer."""

    reply = forms.CharField(
        label="Answer",
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 10, "cols": 80}),
        help_text="Saving sends it by email, threaded with this conversation, and shows "
        "it to the member on the site.",
    )

    class Meta:
        model = Conversation
        fields: list[str] = []


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    """Contact conversations; breach reports first, then the most recent (clause P1)."""

    form = ConversationAdminForm
    list_display = ("id", "breach", "category", "name", "email", "status", "last_message_at")
    list_display_links = ("id", "category")
    list_filter = ("is_breach_report", "status", "category")
    search_fields = ("email", "name")
    ordering = ("-is_breach_report", "-last_message_at", "-id")
    readonly_fields = (
        "category",
        "status",
        "name",
        "email",
        "user",
        "created_at",
        "last_message_at",
        "thread",
    )
    fields = (*readonly_fields, "reply")
    actions = ("close_selected",)

    @admin.display(description="breach report", boolean=True, ordering="-is_breach_report")
    def breach(self, obj: Conversation) -> bool:
        return obj.is_breach_report

    @admin.display(description="messages")
    def thread(self, obj: Conversation) -> str:
        return format_html_join(
            "",
            '<div class="policy-message"><p><strong>{}</strong> · {}</p>{}</div>',
            (
                (
                    "Staff" if m.author_kind == m.Author.STAFF else obj.name,
                    f"{m.created_at:%Y-%m-%d %H:%M} UTC",
                    # linebreaks escapes the body first (autoescape=True), then adds <p>/<br>.
                    mark_safe(linebreaks(m.body, autoescape=True)),  # noqa: S308  # escaped above
                )
                for m in obj.messages.all()
            ),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Conversation, form: Any, change: bool) -> None:
        """Send staff's answer through ``conversation_reply``; nothing else is saved."""
        body = form.cleaned_data.get("reply", "")
        if body.strip():
            services.conversation_reply(actor=request.user, conversation=obj, body=body)  # type: ignore[arg-type]  # admin users are Users
            self.message_user(request, "Your answer was sent.", messages.SUCCESS)

    @admin.action(description="Close the selected conversations")
    def close_selected(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> None:
        for conversation in queryset:
            services.conversation_close(actor=request.user, conversation=conversation)  # type: ignore[arg-type]  # admin users are Users
