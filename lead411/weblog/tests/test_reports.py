"""Reports, roll-up and the staff dashboard (clause P2)."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from lead411.weblog.models import DailyCount, DaySalt, PageView
from lead411.weblog.selectors import weblog_report
from lead411.weblog.services import day_salt_get, pageview_build, weblog_rollup

from .conftest import CHROME, GOOGLEBOT, IPHONE

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC)
SALT = b"s" * 32


def _hit(
    when: dt.datetime, *, ip: str = "192.0.2.1", agent: str = CHROME, path: str = "/"
) -> PageView:
    return pageview_build(
        time=when,
        ip=ip,
        user_agent=agent,
        method="GET",
        path=path,
        status=200,
        response_bytes=10,
        referrer="https://www.google.com/search?q=x",
        day_salt=SALT,
    )


def _seed() -> None:
    """Rows aged 0, 10, 40 and 100 days; two visits for one visitor 40 days ago."""
    rows = []
    for age in (0, 10, 40, 100):
        base = NOW - dt.timedelta(days=age)
        rows += [
            _hit(base, path="/about/"),
            _hit(base + dt.timedelta(minutes=10), path="/"),
            _hit(base + dt.timedelta(minutes=50), path="/style.css"),  # new visit: 40 min gap
            _hit(base, ip="198.51.100.9", agent=IPHONE, path="/about/"),
            _hit(base, ip="203.0.113.4", agent=GOOGLEBOT, path="/robots.txt"),
        ]
    PageView.objects.bulk_create(rows)


def test_report_counts_hits_pageviews_visits_visitors_and_bots():
    _seed()
    day = (NOW - dt.timedelta(days=40)).date()
    report = weblog_report(start=day, end=day)
    totals = report.totals
    assert (totals.hits, totals.pageviews, totals.visits, totals.visitors, totals.bot_hits) == (
        4,
        3,
        3,
        2,
        1,
    )
    assert report.top["page"] == [("/about/", 2), ("/", 1)]
    assert report.top["search_engine"] == [("Google", 4)]
    assert report.top["device"] == [("desktop", 3), ("mobile", 1)]
    assert report.top["bot"] == [("Googlebot", 1)]


@pytest.mark.clause("P2")
def test_rollup_keeps_the_figures_and_deletes_old_raw_rows(settings):
    settings.WEBLOG_RAW_RETENTION_DAYS = 30
    _seed()
    start, end = (NOW - dt.timedelta(days=120)).date(), NOW.date()
    before = weblog_report(start=start, end=end)
    result = weblog_rollup(now=NOW)
    assert result.days == [(NOW - dt.timedelta(days=a)).date() for a in (100, 40)]
    assert result.rows_deleted == 10
    assert sorted(
        {(NOW.date() - d).days for d in PageView.objects.values_list("day", flat=True)}
    ) == [
        0,
        10,
    ]
    assert DailyCount.objects.filter(dimension="totals", key="visits").count() == 2
    after = weblog_report(start=start, end=end)
    assert after.totals == before.totals
    assert after.days == before.days
    assert after.top == before.top
    assert weblog_rollup(now=NOW).rows_deleted == 0


def test_weeks_and_months_sum_their_days():
    _seed()
    report = weblog_report(start=(NOW - dt.timedelta(days=120)).date(), end=NOW.date())
    assert sum(p.visitors for p in report.weeks) == report.totals.visitors == 8
    assert sum(p.pageviews for p in report.months) == report.totals.pageviews == 12
    with pytest.raises(ValueError, match=r"The end date is before the start date\."):
        weblog_report(start=NOW.date(), end=(NOW - dt.timedelta(days=1)).date())


def test_weblog_report_command_prints_json_and_table():
    _seed()
    day = (NOW - dt.timedelta(days=40)).date().isoformat()
    out = io.StringIO()
    call_command("weblog_report", "--from", day, "--to", day, "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["totals"]["visitors"] == 2
    assert data["top"]["browser"][0] == {"key": "Chrome", "count": 3}
    out = io.StringIO()
    call_command("weblog_report", "--from", day, "--to", day, stdout=out)
    assert "visitors" in out.getvalue()
    assert "Top browser" in out.getvalue()


def test_dashboard_is_staff_only_with_charts_and_csv(client, member, staff):
    _seed()
    client.force_login(member)
    assert client.get("/staff/weblog/").status_code == 302
    client.force_login(staff)
    day = (NOW - dt.timedelta(days=40)).date().isoformat()
    response = client.get("/staff/weblog/", {"start": day, "end": day})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg") >= 3
    assert "<script>" not in html.split("</head>")[-1]
    assert "Googlebot" in html
    assert "/about/" in html
    csv = client.get(f"/staff/weblog/export/days.csv?start={day}&end={day}")
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().splitlines() == [
        "period,hits,pageviews,visits,visitors,bot_hits",
        f"{day},4,3,3,2,1",
    ]
    assert client.get("/staff/weblog/export/nothing.csv").status_code == 404


@pytest.mark.clause("P2")
def test_rollup_destroys_a_past_days_salt_even_without_traffic():
    day_salt_get(day=(NOW - dt.timedelta(days=1)).date())
    weblog_rollup(now=NOW)
    assert DaySalt.objects.count() == 0
