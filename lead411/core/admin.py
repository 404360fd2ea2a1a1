"""Admin of the kernel: the audit log, read-only (clause P8)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log: superusers read it; nobody adds, edits or deletes (clause P8)."""

    list_display = (
        "occurred_at",
        "actor_label",
        "action",
        "verb",
        "object_type",
        "object_id",
        "object_repr",
    )
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_id", "verb")
    date_hierarchy = "occurred_at"

    def has_module_permission(self, request: HttpRequest) -> bool:
        """Superusers only."""
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Superusers only."""
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Append-only: written by code, never by hand."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Append-only."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Append-only."""
        return False
