"""Admin for the leads data: read-mostly, searchable, with provenance visible."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from lead411.accounts.admin import is_sales_leads_team
from lead411.leads.models import Category, Company, Contact, SavedSearch, TriggerEvent

PROVENANCE_FIELDS = ("source", "source_key", "source_url", "imported_at", "updated_at")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    search_fields = ("name",)


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ("name", "role", "source", "source_key", "imported_at")
    readonly_fields = ("source", "source_key", "imported_at")


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "ticker",
        "exchange",
        "country_code",
        "region",
        "city",
        "state_of_incorporation",
        "status",
        "source",
    )
    # A fund, trust or REIT (marked from its Form D) is left out of members' default
    # searches; staff correct a wrong marking by editing the field. Exchange and state of
    # incorporation are short lists (a few exchanges, EDGAR's codes), so cheap to filter.
    list_filter = (
        "status",
        "source",
        "country_code",
        "exchange",
        "state_of_incorporation",
        ("investment_vehicle", admin.EmptyFieldListFilter),
    )
    # "=ticker": an exact (case-insensitive) match, so "F" finds Ford, not every name with an f.
    search_fields = ("name", "normalized_name", "source_key", "cik", "=ticker")
    filter_horizontal = ("categories",)
    readonly_fields = (*PROVENANCE_FIELDS, "state_of_incorporation_name")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "normalized_name",
                    "homepage",
                    "categories",
                    "status",
                    "founded_on",
                    "cik",
                    "investment_vehicle",
                )
            },
        ),
        (
            "Profile (SEC filings and company records)",
            {
                "fields": (
                    "ticker",
                    "exchange",
                    "sic_code",
                    "industry",
                    "state_of_incorporation",
                    "state_of_incorporation_name",
                )
            },
        ),
        (
            "Place",
            {"fields": ("street_address", "city", "region", "postal_code", "country_code")},
        ),
        ("Provenance", {"fields": PROVENANCE_FIELDS}),
    )
    inlines = (ContactInline,)

    @admin.display(description="incorporated in (name)")
    def state_of_incorporation_name(self, company: Company) -> str:
        return company.state_of_incorporation_name


@admin.register(TriggerEvent)
class TriggerEventAdmin(admin.ModelAdmin):
    list_display = ("summary", "kind", "announced_on", "round_type", "amount_usd", "source")
    list_filter = ("kind", "source", "round_type")
    search_fields = ("summary", "source_key", "company__name")
    date_hierarchy = "announced_on"
    raw_id_fields = ("company",)
    readonly_fields = (*PROVENANCE_FIELDS, "search_document", "company_match")
    list_select_related = ("company",)


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ["name", "member", "include_in_newsletter", "updated_at"]
    list_filter = ["include_in_newsletter"]
    search_fields = ["name", "member__email"]
    raw_id_fields = ["member"]

    def get_search_fields(self, request: HttpRequest) -> Any:
        """A search by address would tell staff outside the sales-leads team who is a member (P8)."""
        return self.search_fields if is_sales_leads_team(request) else ["name"]
