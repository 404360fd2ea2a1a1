"""The API in the admin, read-only: tokens (never the token or its hash) and webhooks
(never their secret or its salt)."""

from django.contrib import admin

from .models import ApiToken, WebhookEndpoint


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "name", "scope", "created_at", "last_used_at", "revoked_at")
    list_filter = ("scope",)
    # The digest is left out on purpose: staff never see a token (issue 16).
    fields = (
        "member",
        "name",
        "scope",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_reason",
    )
    readonly_fields = fields

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("url", "member", "created_at", "consecutive_failures", "disabled_at")
    list_filter = (("disabled_at", admin.EmptyFieldListFilter),)
    # The secret's salt is left out: with SECRET_KEY it gives the secret (staff never see it).
    fields = (
        "member", "saved_search", "url", "secret_prefix", "created_at",
        "matched_until_imported_at", "matched_until_event_id", "consecutive_failures",
        "disabled_at", "disabled_reason",
    )  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
