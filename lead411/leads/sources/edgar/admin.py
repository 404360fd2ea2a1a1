"""Staff views of the EDGAR lead source: filings seen, feed position, matches to review.

The review queue (issue 14) shows the new company beside each candidate (names, places,
events, contacts) and takes two decisions, each through its service and audited:
"merge into this company" (``match_review_merge``) and "keep as a new company"
(``match_review_keep``). Both are POST-only; bad ids are a 404, a stale or invalid
choice a message on the review page, never an error page.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from lead411.leads.models import Company
from lead411.leads.sources.edgar.models import EdgarFiling, FeedCursor, MatchReview
from lead411.leads.sources.edgar.selectors import (
    company_label,
    edgar_filings_unread,
    edgar_filings_unread_count,
    match_review_sides,
)
from lead411.leads.sources.edgar.services import (
    MatchReviewError,
    match_review_keep,
    match_review_merge,
)


class MergeForm(forms.Form):
    """The candidate to merge into: one of the review's candidates, by id."""

    candidate = forms.ModelChoiceField(
        queryset=Company.objects.none(),
        error_messages={
            "required": "Choose the candidate to merge into.",
            "invalid_choice": "That company is not a candidate of this review.",
        },
    )

    def __init__(self, *args: Any, review: MatchReview, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["candidate"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = review.candidates.all()


REVIEW_FIELDS = (
    "new_company",
    "candidates_label",
    "reason",
    "accession",
    "status",
    "merged_into",
    "resolved_by",
    "resolved_at",
    "created_at",
)


@admin.register(MatchReview)
class MatchReviewAdmin(admin.ModelAdmin):
    change_form_template = "admin/edgar/matchreview/change_form.html"
    list_display = ["new_company", "candidates_label", "reason", "accession", "status"]
    list_filter = ["status"]
    search_fields = ["company__name", "company__cik", "company_label", "accession"]
    # Names and places, not raw ids; decisions go through the actions (audited), never
    # through a field edit.
    fields = REVIEW_FIELDS
    readonly_fields = REVIEW_FIELDS
    list_select_related = ["company"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[MatchReview]:
        return super().get_queryset(request).prefetch_related("candidates")

    @admin.display(description="company (new)", ordering="company__name")
    def new_company(self, review: MatchReview) -> str:
        if review.company is not None:
            return company_label(review.company)
        return f"{review.company_label} (merged, deleted)" if review.company_label else "-"

    @admin.display(description="candidates")
    def candidates_label(self, review: MatchReview) -> str:
        return "; ".join(company_label(c) for c in review.candidates.all()) or "-"

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Review items come from the importer only."""
        return False

    def get_urls(self) -> list[URLPattern]:
        """Add the two decisions of one review: merge into a candidate, keep as new."""
        decisions = [
            path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(require_POST(view)),
                name=f"edgar_matchreview_{name}",
            )
            for name, view in (("merge", self.merge_view), ("keep", self.keep_view))
        ]
        return decisions + super().get_urls()

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """Show the new company beside its candidates, with the decision buttons while open."""
        review = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if review is not None:
            new, candidates = match_review_sides(review=review)
            context.update(
                new_side=new,
                candidate_sides=candidates,
                can_decide=review.status == MatchReview.Status.OPEN
                and new is not None
                and self.has_change_permission(request, review),
            )
        return super().change_view(request, object_id, form_url, context)

    def _decision(self, request: HttpRequest, object_id: str) -> tuple[MatchReview, str]:
        if not self.has_change_permission(request):
            raise PermissionDenied
        review = self.get_object(request, object_id)
        if review is None:
            raise Http404("No such review.")
        change_url = reverse("admin:edgar_matchreview_change", args=[quote(review.pk)])
        return review, change_url

    def merge_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Merge the review's new company into the posted candidate (``candidate`` id)."""
        review, change_url = self._decision(request, object_id)
        form = MergeForm(request.POST, review=review)
        if not form.is_valid():
            for error in form.errors.get("candidate", []):
                self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(change_url)
        into = form.cleaned_data["candidate"]
        try:
            match_review_merge(actor=request.user, review=review, into=into)
        except MatchReviewError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        except ValidationError as exc:
            self.message_user(request, "Not merged: " + " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                f"Merged into {company_label(into)}: its events and contacts moved there, "
                "and the duplicate company was deleted.",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(change_url)

    def keep_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Keep the review's new company as a company of its own."""
        review, change_url = self._decision(request, object_id)
        try:
            match_review_keep(actor=request.user, review=review)
        except MatchReviewError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, "Kept as a new company.", messages.SUCCESS)
        return HttpResponseRedirect(change_url)


class UnreadDocumentFilter(admin.SimpleListFilter):
    """Filings whose document a poll could not read: still retried, or given up."""

    title = "document not read"
    parameter_name = "unread"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("retrying", "being retried"), ("gave-up", "given up")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        limit = settings.EDGAR_DOCUMENT_MAX_ATTEMPTS
        unread = queryset.filter(document_loaded=False, document_attempts__gt=0)
        if self.value() == "retrying":
            return unread.filter(document_attempts__lt=limit)
        if self.value() == "gave-up":
            return unread.filter(document_attempts__gte=limit)
        return queryset


@admin.register(EdgarFiling)
class EdgarFilingAdmin(admin.ModelAdmin):
    list_display = [
        "accession",
        "form_type",
        "company_name",
        "cik",
        "filed_on",
        "document_loaded",
        "document_status",
    ]
    list_filter = ["form_type", "document_loaded", UnreadDocumentFilter]
    search_fields = ["accession", "company_name", "cik"]
    raw_id_fields = ["event"]
    readonly_fields = ["document_status"]


@admin.register(FeedCursor)
class FeedCursorAdmin(admin.ModelAdmin):
    """The poll's staff page: when it last ran, what it added, why it failed (issue 14),
    and the 8-K and IPO documents it could not read yet, each with its reason."""

    list_display = [
        "feed_url",
        "last_attempt_at",
        "last_success_at",
        "last_added",
        "last_error",
        "last_updated",
    ]
    readonly_fields = [
        "last_attempt_at",
        "last_success_at",
        "last_added",
        "last_error",
        "documents_not_read",
    ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """The list also says how many filings' documents are unread, with a link to them."""
        unread = edgar_filings_unread_count()
        if unread:
            url = reverse("admin:edgar_edgarfiling_changelist") + "?unread=retrying"
            self.message_user(
                request,
                format_html(
                    '{} filing documents not read yet (retrying {}, given up {}): <a href="{}">'
                    "see each with its reason</a>.",
                    unread.retrying + unread.gave_up,
                    unread.retrying,
                    unread.gave_up,
                    url,
                ),
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    @admin.display(description="8-K and IPO documents not read yet")
    def documents_not_read(self, cursor: FeedCursor) -> str:
        rows = edgar_filings_unread(limit=20)
        if not rows:
            return "none"
        return format_html_join(
            mark_safe("<br>"),  # a constant separator
            "{} {} ({}): {}",
            ((f.form_type, f.accession, f.company_name, f.document_status) for f in rows),
        )
