"""Admin of the mail app: consent, the suppression list and a read-only outbox (P5, P7, P8)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from lead411.accounts.admin import SalesLeadsTeamOnlyAdminMixin, is_sales_leads_team
from lead411.core import clock

from .models import Delivery, MailPreferences, Suppression
from .suppression import email_hash, is_suppressed, suppression_hashes


@admin.register(MailPreferences)
class MailPreferencesAdmin(admin.ModelAdmin):
    list_display = ["member", "daily", "replies", "updates", "updated_at"]
    list_filter = ["daily", "replies", "updates"]
    search_fields = ["member__email"]
    raw_id_fields = ["member"]
    exclude = ["unsubscribe_key"]  # a bearer secret of the member's unsubscribe links

    def get_search_fields(self, request: HttpRequest) -> Any:
        """Search by address for the sales-leads team only (P8)."""
        return self.search_fields if is_sales_leads_team(request) else []


class SuppressionAddForm(forms.ModelForm):
    """Suppress an address by hand: the address is hashed, never stored (issue 3)."""

    address = forms.EmailField(help_text="Stored only as its keyed hash.")

    class Meta:
        model = Suppression
        fields = ["reason", "smtp_code"]

    def save(self, commit: bool = True) -> Suppression:
        """Fill the hash and the time from the typed address, then save as usual."""
        self.instance.email_hash = email_hash(self.cleaned_data["address"])
        self.instance.created_at = clock.now()
        return super().save(commit=commit)

    def clean_address(self) -> str:
        """Refuse an address already on the list (its hash is unique)."""
        address: str = self.cleaned_data["address"]
        if is_suppressed(email=address):
            raise forms.ValidationError("This address is already suppressed.")
        return address


@admin.register(Suppression)
class SuppressionAdmin(SalesLeadsTeamOnlyAdminMixin, admin.ModelAdmin):
    """Suppressed addresses, many of them members': the sales-leads team's only (P8).

    Rows hold a keyed hash, not the address (issue 3): searching for an address hashes
    the search term and finds its row; entries are added by the outbox and by erasures.
    """

    list_display = ["__str__", "smtp_code", "reason", "created_at"]
    search_fields = ["email_hash"]
    readonly_fields = ["email_hash", "created_at"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        """Adding asks for the address (hashed on save); a change shows the hash only."""
        if obj is None:
            kwargs["form"] = SuppressionAddForm
            kwargs["fields"] = ["address", "reason", "smtp_code"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """Nothing is read-only on the add page, which has no hash yet."""
        return self.readonly_fields if obj is not None else []

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        """Find the row of the address typed in the search box (compared by its hash)."""
        if not search_term.strip():
            return queryset, False
        return queryset.filter(email_hash__in=suppression_hashes(search_term)), False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_sales_leads_team(request) and super().has_delete_permission(request, obj)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The outbox, read-only: rows change only through the sender's state machine."""

    list_display = [
        "key",
        "stream",
        "status",
        "attempts",
        "smtp_code",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", "stream", "issue_date"]
    search_fields = ["key", "to_email", "message_id"]
    readonly_fields = [
        *(
            f.name
            for f in Delivery._meta.fields
            if f.name not in ("text_body", "html_body", "packed_body")
        ),
        "text_part",
        "html_part",
    ]
    list_select_related = False
    show_full_result_count = False
    # The recipient's address, in its own field, the headers and SMTP errors (P8).
    team_only_fields = ("to_email", "headers", "last_error")

    def get_search_fields(self, request: HttpRequest) -> Any:
        """Search by address for the sales-leads team only (P8)."""
        if is_sales_leads_team(request):
            return self.search_fields
        return [f for f in self.search_fields if f not in self.team_only_fields]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """Staff outside the sales-leads team see the message without its address (P8)."""
        fields = super().get_fields(request, obj)
        if is_sales_leads_team(request):
            return fields
        return [f for f in fields if f not in self.team_only_fields]

    @admin.display(description="text part")
    def text_part(self, obj: Delivery) -> str:
        return obj.parts()[0]

    @admin.display(description="HTML part (source)")
    def html_part(self, obj: Delivery) -> str:
        return obj.parts()[1]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
