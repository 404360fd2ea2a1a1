"""Staff views of the EDGAR lead source: filings seen, feed position, matches to review."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from lead411.leads.models import Company
from lead411.leads.sources.edgar.models import EdgarFiling, FeedCursor, MatchReview


@admin.register(MatchReview)
class MatchReviewAdmin(admin.ModelAdmin):
    list_display = ["company_label", "candidates_label", "reason", "accession", "status"]
    list_filter = ["status"]
    search_fields = ["company__name", "company__cik", "accession"]
    # Names and places, not raw ids: staff compare the new company with its candidates.
    fields = ["company_label", "candidates_label", "reason", "accession", "status", "created_at"]
    readonly_fields = ["company_label", "candidates_label", "accession", "reason", "created_at"]
    list_select_related = ["company"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[MatchReview]:
        return super().get_queryset(request).prefetch_related("candidates")

    @admin.display(description="company (new)", ordering="company__name")
    def company_label(self, review: MatchReview) -> str:
        return _company_label(review.company)

    @admin.display(description="candidates")
    def candidates_label(self, review: MatchReview) -> str:
        return "; ".join(_company_label(c) for c in review.candidates.all()) or "-"

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Review items come from the importer only."""
        return False


def _company_label(company: Company) -> str:
    """``"Acme, Inc. (Boston, US-MA; CIK 0000000001; #12)"``: what tells two companies apart."""
    place = ", ".join(part for part in (company.city, company.region) if part)
    facts = [part for part in (place, f"CIK {company.cik}" if company.cik else "") if part]
    return f"{company.name} ({'; '.join([*facts, f'#{company.pk}'])})"


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
