"""Reads of the weblog: the marketing report over a date range (clause P2).

Days still held raw are computed from PageView; older days come from the DailyCount
roll-up. Bots never count as hits, pageviews, visits or visitors; they have their own
figure and top list.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Count, Q, Sum

from .models import DailyCount, PageView
from .services import ROLLUP_DIMENSIONS, count_visits

TOTAL_KEYS = ("hits", "pageviews", "visits", "visitors", "bot_hits", "bytes")
TOP_DIMENSIONS = (*ROLLUP_DIMENSIONS, "bot")


@dataclass
class Period:
    """Figures of one day, ISO week (``2015-W21``) or month (``2015-05``)."""

    label: str
    hits: int = 0
    pageviews: int = 0
    visits: int = 0
    visitors: int = 0
    bot_hits: int = 0
    bytes: int = 0

    def add(self, other: "Period") -> None:
        for key in TOTAL_KEYS:
            setattr(self, key, getattr(self, key) + getattr(other, key))


@dataclass
class WeblogReport:
    """The marketing report: totals, per-period series and top-N lists.

    Unique visitors are counted per UTC day (the visitor hash changes daily by
    design), so a week's or month's ``visitors`` is the sum of its days' figures.
    """

    start: dt.date
    end: dt.date
    totals: Period
    days: list[Period]
    weeks: list[Period]
    months: list[Period]
    top: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """Return the report as JSON-ready dicts and lists (dates as ISO strings)."""
        data = asdict(self)
        data["start"], data["end"] = self.start.isoformat(), self.end.isoformat()
        data["top"] = {k: [{"key": a, "count": b} for a, b in v] for k, v in self.top.items()}
        return data


def _raw_days(start: dt.date, end: dt.date) -> dict[dt.date, Period]:
    rows = PageView.objects.filter(day__gte=start, day__lte=end)
    human = Q(is_bot=False)
    per_day = rows.values("day").annotate(
        hits=Count("id", filter=human),
        pageviews=Count("id", filter=human & Q(is_page=True)),
        visitors=Count("visitor_hash", filter=human, distinct=True),
        bot_hits=Count("id", filter=Q(is_bot=True)),
        bytes=Sum("response_bytes", filter=human),
    )
    days = {
        r["day"]: Period(
            label=r["day"].isoformat(),
            hits=r["hits"],
            pageviews=r["pageviews"],
            visitors=r["visitors"],
            bot_hits=r["bot_hits"],
            bytes=r["bytes"] or 0,
        )
        for r in per_day
    }
    ordered = (
        rows.filter(human)
        .order_by("day", "visitor_hash", "time")
        .values_list("day", "visitor_hash", "time")
    )
    by_day: defaultdict[dt.date, list[tuple[str, dt.datetime]]] = defaultdict(list)
    for day, visitor, time in ordered.iterator(chunk_size=5000):
        by_day[day].append((visitor, time))
    for day, pairs in by_day.items():
        days[day].visits = count_visits(pairs)
    return days


def _raw_top(start: dt.date, end: dt.date) -> dict[str, Counter[str]]:
    rows = PageView.objects.filter(day__gte=start, day__lte=end)
    humans = rows.filter(is_bot=False)
    top: dict[str, Counter[str]] = {}
    for dimension, column in ROLLUP_DIMENSIONS.items():
        source = humans.filter(is_page=True) if dimension == "page" else humans
        grouped = source.exclude(**{column: ""}) if column != "status" else source
        top[dimension] = Counter(
            {str(r[column]): r["n"] for r in grouped.values(column).annotate(n=Count("id"))}
        )
    bots = rows.filter(is_bot=True).values("browser_family").annotate(n=Count("id"))
    top["bot"] = Counter({r["browser_family"] or "Other": r["n"] for r in bots})
    return top


def weblog_report(*, start: dt.date, end: dt.date, top_n: int = 10) -> WeblogReport:
    """Return the report for UTC days ``start``..``end`` inclusive.

    Raw rows and rolled-up DailyCount rows are both read, so a range spanning the
    retention cutoff is complete. ``top_n`` bounds every top list. Raises ValueError
    when ``end`` is before ``start``.
    """
    if end < start:
        raise ValueError("The end date is before the start date.")
    days = _raw_days(start, end)
    top = _raw_top(start, end)
    for dimension in TOP_DIMENSIONS:
        top.setdefault(dimension, Counter())
    rolled = DailyCount.objects.filter(day__gte=start, day__lte=end)
    for c in rolled.filter(dimension="totals"):
        period = days.setdefault(c.day, Period(label=c.day.isoformat()))
        if c.key in TOTAL_KEYS:
            setattr(period, c.key, getattr(period, c.key) + c.count)
    for r in rolled.exclude(dimension="totals").values("dimension", "key").annotate(n=Sum("count")):
        top.setdefault(r["dimension"], Counter())[r["key"]] += r["n"]

    ordered = [days[d] for d in sorted(days)]
    weeks: dict[str, Period] = {}
    months: dict[str, Period] = {}
    totals = Period(label=f"{start.isoformat()}..{end.isoformat()}")
    for period in ordered:
        day = dt.date.fromisoformat(period.label)
        year, week, _ = day.isocalendar()
        weeks.setdefault(f"{year}-W{week:02d}", Period(label=f"{year}-W{week:02d}")).add(period)
        months.setdefault(f"{day:%Y-%m}", Period(label=f"{day:%Y-%m}")).add(period)
        totals.add(period)
    return WeblogReport(
        start=start,
        end=end,
        totals=totals,
        days=ordered,
        weeks=list(weeks.values()),
        months=list(months.values()),
        top={k: sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))[:top_n] for k, v in top.items()},
    )
