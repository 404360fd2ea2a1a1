"""Staff views of the EDGAR lead source: filings seen, feed position, matches to review."""

from django.contrib import admin
from django.http import HttpRequest

from lead411.leads.sources.edgar.models import EdgarFiling, FeedCursor, MatchReview


@admin.register(MatchReview)
class MatchReviewAdmin(admin.ModelAdmin):
    list_display = ["company", "reason", "accession", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["company__name", "accession"]
    # Ids, not drop-downs: there are tens of thousands of companies.
    raw_id_fields = ["company", "candidates"]
    readonly_fields = ["accession", "reason", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Review items come from the importer only."""
        return False


@admin.register(EdgarFiling)
class EdgarFilingAdmin(admin.ModelAdmin):
    list_display = ["accession", "form_type", "company_name", "cik", "filed_on", "document_loaded"]
    list_filter = ["form_type", "document_loaded"]
    search_fields = ["accession", "company_name", "cik"]
    raw_id_fields = ["event"]


@admin.register(FeedCursor)
class FeedCursorAdmin(admin.ModelAdmin):
    list_display = ["feed_url", "last_updated", "last_accession", "last_success_at", "last_error"]
    readonly_fields = ["last_attempt_at", "last_success_at", "last_error"]
