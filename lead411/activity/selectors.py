"""Read member activity: one member's summary, and the most-used pages across members (P4)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min, QuerySet, Sum
from django.urls import NoReverseMatch, reverse

from .models import MemberDailyActivity

PageType = MemberDailyActivity.PageType


@dataclass(frozen=True)
class PageUse:
    """Use of one kind of page: page views, visits started there, distinct members."""

    page_type: str
    label: str
    pageviews: int
    visits: int
    members: int = 1


@dataclass(frozen=True)
class ActivitySummary:
    """What is recorded about one member: totals, the day span, pages by use (most first)."""

    visits: int
    pageviews: int
    first_day: dt.date | None
    last_day: dt.date | None
    pages: list[PageUse]
    retention_days: int


def _pages(rows: Any) -> list[PageUse]:
    labels = dict(PageType.choices)
    uses = [
        PageUse(
            page_type=row["page_type"],
            label=labels.get(row["page_type"], row["page_type"]),
            pageviews=row["pageviews"] or 0,
            visits=row["visits"] or 0,
            members=row.get("members", 1),
        )
        for row in rows
    ]
    return sorted(uses, key=lambda use: (-use.pageviews, use.label))


def member_activity_summary(*, member: Any) -> ActivitySummary:
    """Return ``ActivitySummary`` of everything still kept about ``member`` (two queries)."""
    rows = MemberDailyActivity.objects.filter(member=member)
    span = rows.aggregate(first=Min("day"), last=Max("day"))
    pages = _pages(
        rows.values("page_type").annotate(pageviews=Sum("pageviews"), visits=Sum("visits"))
    )
    return ActivitySummary(
        visits=sum(p.visits for p in pages),
        pageviews=sum(p.pageviews for p in pages),
        first_day=span["first"],
        last_day=span["last"],
        pages=pages,
        retention_days=int(settings.ACTIVITY_RETENTION_DAYS),
    )


def activity_top_pages(
    *, start: dt.date | None = None, end: dt.date | None = None
) -> list[PageUse]:
    """Return page kinds by total page views across members, most used first.

    ``start`` and ``end`` (inclusive, site-time-zone days) bound the period when given.
    ``members`` is the number of distinct members who used each kind.
    """
    rows = MemberDailyActivity.objects.all()
    if start:
        rows = rows.filter(day__gte=start)
    if end:
        rows = rows.filter(day__lte=end)
    return _pages(
        rows.values("page_type").annotate(
            pageviews=Sum("pageviews"), visits=Sum("visits"), members=Count("member", distinct=True)
        )
    )


def member_activity_list() -> QuerySet[Any]:
    """Return members with any kept activity, as ``{member_id, member__email, visits,
    pageviews, last_day}`` dicts, most visits first (for the sales-leads team)."""
    return (
        MemberDailyActivity.objects.values("member_id", "member__email")
        .annotate(visits=Sum("visits"), pageviews=Sum("pageviews"), last_day=Max("day"))
        .order_by("-visits", "-pageviews", "member_id")
    )


def member_data_links() -> list[tuple[str, str]]:
    """Return ``(label, url)`` links to the member's data export and deletion, when the
    accounts app provides them; a link whose URL name does not exist is left out."""
    links: list[tuple[str, str]] = []
    for label, name in (
        ("Download all your data (JSON)", "privacy:my-data"),
        ("Delete your account", "privacy:delete"),
    ):
        try:
            links.append((label, reverse(name)))
        except NoReverseMatch:
            continue
    return links


def member_activity_export(*, member: Any) -> list[dict[str, Any]]:
    """Return every kept counter of ``member`` as JSON-ready dicts, oldest day first.

    Shape: ``[{"day": "YYYY-MM-DD", "page_type": str, "lead_id": int, "pageviews": int,
    "visits": int}]``, for the member's data download (``personal_data``).
    """
    rows = MemberDailyActivity.objects.filter(member=member).order_by("day", "page_type", "lead_id")
    return [
        {**row, "day": row["day"].isoformat()}
        for row in rows.values("day", "page_type", "lead_id", "pageviews", "visits")
    ]
