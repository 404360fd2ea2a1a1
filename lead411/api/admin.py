"""Tokens in the admin: who holds which, and when used; never the token or its hash."""

from django.contrib import admin

from .models import ApiToken


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
