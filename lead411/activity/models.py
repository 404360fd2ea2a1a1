"""Daily activity counters per member: visits and page views by page type (clause P4)."""

from django.conf import settings
from django.db import models


class MemberDailyActivity(models.Model):
    """How often one member used one kind of page on one day (site time zone).

    ``visits`` counts the visits that *started* on this kind of page, so the sum over a
    member's rows is their visit count; ``pageviews`` counts every page of that kind.
    ``lead_id`` is the trigger event a lead-detail page showed (0 for other pages); it is
    a plain number, not a foreign key, so removing a lead never touches these counters.
    Rows older than ``ACTIVITY_RETENTION_DAYS`` are purged by a scheduled job.
    """

    class PageType(models.TextChoices):
        SEARCH = "search", "Lead search"
        LEAD_DETAIL = "lead_detail", "Lead detail"
        SAVED_SEARCHES = "saved_searches", "Saved searches"
        EXPORT = "export", "Export"
        NEWSLETTER = "newsletter", "Newsletter preferences"
        ACCOUNT = "account", "Account"
        API = "api", "API requests"
        OTHER = "other", "Other pages"

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="daily_activity"
    )
    day = models.DateField()
    page_type = models.CharField(max_length=20, choices=PageType.choices)
    lead_id = models.PositiveBigIntegerField(default=0)
    pageviews = models.PositiveIntegerField(default=0)
    visits = models.PositiveIntegerField(default=0)
    last_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-day", "page_type"]
        verbose_name_plural = "member daily activity"
        constraints = [
            # The upsert's conflict target; its leading columns also serve per-member reads.
            models.UniqueConstraint(
                fields=["member", "day", "page_type", "lead_id"],
                name="activity_member_day_page_unique",
            ),
        ]
        indexes = [models.Index(fields=["day", "page_type"], name="activity_day_page_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.page_type}: {self.pageviews} views, {self.visits} visits"
