"""Read the counts behind each aggregate report, as ``CountTable``s (clause P14).

The population of a report is the members with any recorded activity in the period.
Demographic fields are read in one place, ``member_field_counts`` with
``DEMOGRAPHIC_FIELDS``, so a change of the membership model is a one-line fix here.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Count, Sum

from lead411.activity.models import MemberDailyActivity

from .guard import Identity
from .suppression import CountTable

NOT_STATED = "Not stated"
OTHER = "Other"


class ReportKind(models.TextChoices):
    """The reports staff can build; each is a fixed definition, never free SQL."""

    PAGEVIEWS_BY_SECTION = "pageviews_by_section", "Page views by section per week"
    VISITS_BY_SECTION = "visits_by_section", "Visits by entry section per week"
    VISIT_DISTRIBUTION = "visit_distribution", "Members by number of visits"
    MEMBERS_BY_INDUSTRY = "members_by_industry", "Members by industry"
    MEMBERS_BY_COMPANY_SIZE = "members_by_company_size", "Members by company size"
    MEMBERS_BY_JOB_FAMILY = "members_by_job_family", "Members by job title family"
    MEMBERS_BY_COUNTRY = "members_by_country", "Members by country or region"
    LEAD_VIEWS_BY_CATEGORY = "lead_views_by_category", "Lead views by category"


# Tables where each member sits in exactly one cell: L1 sensitivity 1, so differential
# privacy applies as is (see noise.py). Page-view tables are unbounded per member.
DP_CAPABLE = frozenset(
    {
        ReportKind.VISIT_DISTRIBUTION,
        ReportKind.MEMBERS_BY_INDUSTRY,
        ReportKind.MEMBERS_BY_COMPANY_SIZE,
        ReportKind.MEMBERS_BY_JOB_FAMILY,
        ReportKind.MEMBERS_BY_COUNTRY,
    }
)


# The application's field for each demographic a report may count: the one place that
# knows the membership model's field names.
DEMOGRAPHIC_FIELDS = {
    "industry": "industry",
    "company_size": "company_size",
    "job_title": "job_title",
    "country": "country",
}


def member_field_counts(
    *, active: models.QuerySet[MemberDailyActivity], field: str
) -> Counter[str]:
    """Return ``{raw value: members}`` of one demographic ``field`` over the members
    who have rows in ``active`` (an activity queryset already filtered to a period).

    ``field`` is a key of ``DEMOGRAPHIC_FIELDS``. The members come in as a subquery, so
    no id list crosses into Python. Members without an application (created by staff)
    count as ``"Not stated"``. Company sizes come back as their labels.
    """
    from lead411.accounts.models import Application

    column = DEMOGRAPHIC_FIELDS[field]
    # DISTINCT lets SQLite read member ids off the (member, day, ...) index once each;
    # without it the IN list holds every activity row (11x slower at 1M rows, measured).
    grouped = (
        Application.objects.filter(user_id__in=active.values("member_id").distinct())
        .values_list(column)
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: Counter[str] = Counter()
    for value, n in grouped:
        counts[value or ""] += n
    if field == "company_size":
        labels = dict(Application.CompanySize.choices)
        counts = Counter({str(labels.get(v, NOT_STATED)): n for v, n in counts.items()})
    # Members without an application are few (staff-created): take their ids first, then
    # count the active ones through the (member, day, ...) index, a chunk at a time.
    no_application = list(
        get_user_model().objects.filter(application__isnull=True).values_list("pk", flat=True)
    )
    without = 0
    for first in range(0, len(no_application), 500):
        chunk = no_application[first : first + 500]
        without += active.filter(member_id__in=chunk).values("member_id").distinct().count()
    if without:
        counts[NOT_STATED] += without
    return counts


def _clean(text: str) -> str:
    words = " ".join((text or "").split())
    return words[:1].upper() + words[1:] if words else NOT_STATED


# First match wins; the families follow common sales-intelligence job-function groupings.
JOB_FAMILIES: list[tuple[str, tuple[str, ...]]] = [
    (
        "Executive",
        ("ceo", "chief", "founder", "president", "owner", "managing director", "partner"),
    ),
    (
        "Sales",
        ("sales", "account executive", "business development", "bdr", "sdr", "account manager"),
    ),
    ("Marketing", ("marketing", "growth", "brand", "communications", "demand")),
    (
        "Engineering and IT",
        ("engineer", "developer", "cto", "technical", "it ", "software", "data"),
    ),
    ("Finance", ("finance", "cfo", "account", "controller", "treasurer", "investor", "analyst")),
    ("Operations and HR", ("operations", "coo", "hr", "people", "recruit", "talent", "office")),
]


def job_family(*, title: str) -> str:
    """Return the job family of a free-text job title ("Other" when no rule matches)."""
    lowered = f" {title.lower()} "
    if not title.strip():
        return NOT_STATED
    for family, words in JOB_FAMILIES:
        if any(word in lowered for word in words):
            return family
    return OTHER


def _active_members(*, start: dt.date, end: dt.date) -> models.QuerySet[MemberDailyActivity]:
    return MemberDailyActivity.objects.filter(day__gte=start, day__lte=end)


def _one_column(
    *, title: str, header: str, column: str, counts: Counter[str], k: int, fixed: list[str] | None
) -> CountTable:
    """A member-count table; free-text labels with fewer than k members fold into "Other"
    so a rare label never appears (its mere presence would describe someone)."""
    if fixed is None:
        folded: Counter[str] = Counter()
        for label, n in counts.items():
            folded[label if n >= k and label not in (OTHER, NOT_STATED) else OTHER] += n
        counts = folded
        rows = sorted(counts, key=lambda label: (label == OTHER, -counts[label], label))
    else:
        rows = fixed
    return CountTable(
        title=title,
        row_header=header,
        rows=rows,
        columns=[column],
        values=[[counts.get(label, 0)] for label in rows],
    )


def _fold(raw: Counter[str], label: Callable[[str], str]) -> Counter[str]:
    folded: Counter[str] = Counter()
    for value, n in raw.items():
        folded[label(value) if value != NOT_STATED else NOT_STATED] += n
    return folded


def demographic_table(*, kind: str, start: dt.date, end: dt.date, k: int) -> CountTable:
    """Return members active in [start, end] counted by one demographic field."""
    active = _active_members(start=start, end=end)
    title = f"{ReportKind(kind).label}, active members {start} to {end}"
    if kind == ReportKind.MEMBERS_BY_COMPANY_SIZE:
        from lead411.accounts.models import Application

        sizes = [str(label) for _, label in Application.CompanySize.choices] + [NOT_STATED]
        counts = member_field_counts(active=active, field="company_size")
        return _one_column(
            title=title, header="Company size", column="Members", counts=counts, k=k, fixed=sizes
        )
    if kind == ReportKind.MEMBERS_BY_JOB_FAMILY:
        families = [family for family, _ in JOB_FAMILIES] + [OTHER, NOT_STATED]
        raw = member_field_counts(active=active, field="job_title")
        counts = _fold(raw, lambda title: job_family(title=title))
        return _one_column(
            title=title,
            header="Job title family",
            column="Members",
            counts=counts,
            k=k,
            fixed=families,
        )
    field, header = {
        ReportKind.MEMBERS_BY_INDUSTRY: ("industry", "Industry"),
        ReportKind.MEMBERS_BY_COUNTRY: ("country", "Country or region"),
    }[ReportKind(kind)]
    counts = _fold(member_field_counts(active=active, field=field), _clean)
    return _one_column(title=title, header=header, column="Members", counts=counts, k=k, fixed=None)


VISIT_BUCKETS: list[tuple[str, int, int | None]] = [
    ("1 visit", 1, 1),
    ("2 to 4 visits", 2, 4),
    ("5 to 9 visits", 5, 9),
    ("10 to 19 visits", 10, 19),
    ("20 visits or more", 20, None),
]


def visit_distribution_table(*, start: dt.date, end: dt.date) -> CountTable:
    """Return members active in [start, end] counted by their number of visits."""
    per_member = (
        _active_members(start=start, end=end)
        .values("member_id")
        .annotate(visits=Sum("visits"))
        .values_list("visits", flat=True)
    )
    counts = [0] * len(VISIT_BUCKETS)
    for visits in per_member.iterator(chunk_size=10000):
        for i, (_, low, high) in enumerate(VISIT_BUCKETS):
            if visits >= low and (high is None or visits <= high):
                counts[i] += 1
                break
    return CountTable(
        title=f"Members by number of visits, {start} to {end}",
        row_header="Visits in the period",
        rows=[label for label, _, _ in VISIT_BUCKETS],
        columns=["Members"],
        values=[[n] for n in counts],
    )


class WeekStart(models.Func):
    """The Monday of a date's ISO week, in the database's own date functions.

    Django's ``TruncWeek`` calls a Python function per row on SQLite; this stays native.
    """

    output_field = models.DateField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        """``date(day, 'weekday 0', '-6 days')``: the next Sunday (or today), back 6 days."""
        return self.as_sql(
            compiler, connection, template="date(%(expressions)s, 'weekday 0', '-6 days')", **extra
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        """``date_trunc('week', day)::date``: PostgreSQL weeks start on Monday."""
        return self.as_sql(
            compiler, connection, template="(date_trunc('week', %(expressions)s))::date", **extra
        )


def _weeks(start: dt.date, end: dt.date) -> list[dt.date]:
    first = start - dt.timedelta(days=start.weekday())
    return [first + dt.timedelta(weeks=i) for i in range((end - first).days // 7 + 1)]


def section_week_table(*, kind: str, start: dt.date, end: dt.date) -> CountTable:
    """Return page views (or visits by entry section) per ISO week and section.

    Contributors (distinct members) are counted for every cell, so a cell of many page
    views by fewer than k members is hidden too; totals use a lower bound (see below).
    """
    measure = "pageviews" if kind == ReportKind.PAGEVIEWS_BY_SECTION else "visits"
    rows = _active_members(start=start, end=end).filter(**{f"{measure}__gt": 0})
    sections = list(MemberDailyActivity.PageType)
    weeks = _weeks(start, end)
    w_index = {w: i for i, w in enumerate(weeks)}
    s_index = {s.value: j for j, s in enumerate(sections)}
    n_w, n_s = len(weeks), len(sections)
    values = [[0] * n_s for _ in range(n_w)]
    people = [[0] * (n_s + 1) for _ in range(n_w + 1)]
    week = WeekStart("day")
    cells = rows.annotate(week=week).values("week", "page_type").order_by()
    for r in cells.annotate(total=Sum(measure), members=Count("member", distinct=True)):
        i, j = w_index[_as_date(r["week"])], s_index[r["page_type"]]
        values[i][j], people[i][j] = r["total"], r["members"]
    # A total's distinct members are at least those of its busiest cell. That lower bound
    # stands in for the exact count (one scan instead of four); it can only hide more.
    for i in range(n_w):
        people[i][n_s] = max(people[i][:n_s])
    for j in range(n_s + 1):
        people[n_w][j] = max(people[i][j] for i in range(n_w))
    label = ReportKind(kind).label
    return CountTable(
        title=f"{label}, {start} to {end}",
        row_header="Week starting",
        rows=[w.isoformat() for w in weeks],
        columns=[str(s.label) for s in sections],
        values=values,
        contributors=people,
    )


def _as_date(value: dt.date | dt.datetime | str) -> dt.date:
    if isinstance(value, str):  # SQLite returns the computed date as text
        return dt.date.fromisoformat(value)
    return value.date() if isinstance(value, dt.datetime) else value


def lead_views_table(*, start: dt.date, end: dt.date, k: int) -> CountTable:
    """Return lead-detail page views in [start, end] by the viewed company's category.

    A lead in two categories counts in both; the total is the sum of the rows.
    Categories with fewer than k viewing members fold into "Other".
    """
    from lead411.leads.models import TriggerEvent

    views = (
        _active_members(start=start, end=end)
        .filter(page_type=MemberDailyActivity.PageType.LEAD_DETAIL, lead_id__gt=0)
        .values("member_id", "lead_id")
        .annotate(n=Sum("pageviews"))
    )
    per_lead: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for r in views.iterator(chunk_size=10000):
        per_lead[r["lead_id"]].append((r["member_id"], r["n"]))
    categories: dict[int, list[str]] = defaultdict(list)
    ids = list(per_lead)
    for chunk in range(0, len(ids), 500):
        pairs = TriggerEvent.objects.filter(id__in=ids[chunk : chunk + 500]).values_list(
            "id", "company__categories__name"
        )
        for event_id, name in pairs:
            categories[event_id].append(name or "Uncategorised")
    totals: Counter[str] = Counter()
    members: dict[str, set[int]] = defaultdict(set)
    for lead_id, seen in per_lead.items():
        for name in categories.get(lead_id, ["Uncategorised"]):
            for member_id, n in seen:
                totals[name] += n
                members[name].add(member_id)
    folded: Counter[str] = Counter()
    folded_members: dict[str, set[int]] = defaultdict(set)
    for name, n in totals.items():
        label = name if len(members[name]) >= k else OTHER
        folded[label] += n
        folded_members[label] |= members[name]
    rows = sorted(folded, key=lambda label: (label == OTHER, -folded[label], label))
    everyone = set().union(*folded_members.values()) if folded_members else set()
    return CountTable(
        title=f"Lead views by category, {start} to {end}",
        row_header="Category",
        rows=rows,
        columns=["Lead views"],
        values=[[folded[label]] for label in rows],
        contributors=[*([len(folded_members[label])] for label in rows), [len(everyone)]],
    )


def report_table(*, kind: str, start: dt.date, end: dt.date, k: int) -> CountTable:
    """Return the true counts of report ``kind`` for [start, end] (inclusive days).

    Raises ValueError for an unknown kind or an empty period.
    """
    if end < start:
        raise ValueError("The period ends before it starts.")
    kind = ReportKind(kind)
    if kind in (ReportKind.PAGEVIEWS_BY_SECTION, ReportKind.VISITS_BY_SECTION):
        return section_week_table(kind=kind, start=start, end=end)
    if kind == ReportKind.VISIT_DISTRIBUTION:
        return visit_distribution_table(start=start, end=end)
    if kind == ReportKind.LEAD_VIEWS_BY_CATEGORY:
        return lead_views_table(start=start, end=end, k=k)
    return demographic_table(kind=kind, start=start, end=end, k=k)


def member_identities() -> Identity:
    """Return every member's email and full name (lower case) for the PII guard."""
    users = get_user_model().objects.values_list("email", "first_name", "last_name")
    emails, names = set(), set()
    for email, first, last in users.iterator(chunk_size=10000):
        emails.add(email.lower())
        full = f"{first} {last}".strip().lower()
        if first and last:
            names.add(full)
    return Identity(emails=frozenset(emails), names=frozenset(names))
