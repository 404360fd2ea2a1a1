"""Staff journeys in Chromium: the web-log dashboard and the release of an aggregate report.

The server, its data and the personas come from tests/e2e/conftest.py and personas.py.
"""

import csv
import datetime as dt
import re
import time
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, log_in
from tests.e2e.personas import STAFF

# The recorder's thread writes every WEBLOG_FLUSH_INTERVAL_SECONDS (5 s by default).
DASHBOARD_WAIT_SECONDS = 30
# Headless Chromium says "HeadlessChrome", which the web log rightly counts as a bot.
DESKTOP_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)

# 24 members active this week: 13 in one industry, 11 in another, both at least k = 10.
SEED_MEMBERS = """
import datetime as dt
from django.utils import timezone
from lead411.accounts.models import Application, User
from lead411.activity.models import MemberDailyActivity
today = timezone.localdate()
for i in range(24):
    user = User.objects.create_user(f"report.member.{i}@e2e.test", None, first_name=f"R{i}")
    Application.objects.create(
        user=user, company="E2E Co", job_title="Account executive", telephone="+1 555 0100",
        industry="Biotech Sales" if i < 13 else "Logistics", company_size="11-50",
        country="Canada", status=Application.Status.APPROVED, submitted_at=timezone.now(),
    )
    MemberDailyActivity.objects.create(
        member=user, day=today, page_type=MemberDailyActivity.PageType.SEARCH, pageviews=3,
        visits=1, last_seen_at=timezone.now(),
    )
print(User.objects.filter(email__startswith="report.member.").count())
"""


def _total(page: Any, label: str) -> int:
    """Return the dashboard's total named ``label`` ("Pageviews", "Unique visitors"...)."""
    item = page.locator("ul.weblog-totals li", has_text=label).first
    return int(item.locator("strong").inner_text().replace(",", ""))


@pytest.mark.clause("P2")
def test_staff_see_public_traffic_on_the_web_log_dashboard(
    browser: Any, e2e_server: LiveServer
) -> None:
    """A visitor reads three public pages from a search engine; staff see them counted,
    with the referrer's domain, a chart, and a CSV of the days, but no address."""
    visitor = browser.new_context(base_url=e2e_server.url, user_agent=DESKTOP_CHROME)
    staff = browser.new_context(base_url=e2e_server.url)
    try:
        page = visitor.new_page()
        page.goto("/about/", referer="https://duckduckgo.com/?q=sales+leads")
        page.goto("/privacy/")
        page.goto("/contact/")

        admin = staff.new_page()
        log_in(admin, email_address=STAFF.email, password=STAFF.password)
        admin.goto("/staff/weblog/")
        deadline = time.monotonic() + DASHBOARD_WAIT_SECONDS
        while _total(admin, "Pageviews") < 3 and time.monotonic() < deadline:
            time.sleep(1)
            admin.reload()
        assert _total(admin, "Pageviews") >= 3
        assert _total(admin, "Unique visitors") >= 1
        assert admin.locator("svg").count() >= 2  # pageviews and visitors per day
        html = admin.content()
        assert "duckduckgo.com" in html
        assert "/about/" in html
        assert "Windows" in html
        assert "Chrome" in html
        assert "127.0.0.1" not in html  # the dashboard shows no visitor address

        with admin.expect_download() as info:
            admin.get_by_role("link", name="Days CSV").click()
        with open(info.value.path(), encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        today = dt.datetime.now(dt.UTC).date().isoformat()
        assert any(row and row[0] == today for row in rows[1:]), rows
    finally:
        visitor.close()
        staff.close()


@pytest.mark.clause("P14")
def test_staff_build_an_aggregate_report_and_release_it_to_a_third_party(
    browser: Any, e2e_server: LiveServer
) -> None:
    """Staff build "Members by industry" for this week, see the preview with its chart,
    release it to a named recipient, and download the archived CSV from the register."""
    assert e2e_server.shell(SEED_MEMBERS).strip().endswith("24")
    staff = browser.new_context(base_url=e2e_server.url)
    try:
        page = staff.new_page()
        log_in(page, email_address=STAFF.email, password=STAFF.password)
        page.goto("/staff/reports/")
        # Form fields by id: a policy notice published by another journey also has labels.
        today = dt.date.today()
        page.locator("#id_kind").select_option(label="Members by industry")
        page.locator("#id_start").fill((today - dt.timedelta(days=6)).isoformat())
        page.locator("#id_end").fill(today.isoformat())
        page.get_by_role("button", name="Build").click()
        page.wait_for_load_state()
        preview = page.locator("table").first.inner_text()
        assert re.search(r"Biotech Sales\s+13", preview)
        # Members active in other journeys may add a small "Other" cell; whatever the mix,
        # no released count is below k = 10, and the suppressed cells say so.
        released_counts = [int(n) for n in re.findall(r"\t(\d+)$", preview, re.MULTILINE)]
        assert released_counts
        assert min(released_counts) >= 10
        assert "Logistics" in preview
        assert page.locator("svg").count() >= 1

        page.locator("#id_recipient").fill("Northwind Market Research")
        page.locator("#id_purpose").fill("E2E: membership mix for a partner brochure")
        page.get_by_role("button", name="Release as CSV and SVG chart").click()
        page.wait_for_load_state()
        assert re.search(r"/staff/reports/disclosures/\d+/$", page.url)
        assert "Northwind Market Research" in page.locator("dl").inner_text()
        files = page.locator("main ul li", has_text="SHA-256")
        assert files.count() == 2  # the CSV and the SVG chart, each with its hash

        csv_link = page.get_by_role("link", name=re.compile(r"\.csv$"))
        with page.expect_download() as info:
            csv_link.click()
        with open(info.value.path(), encoding="utf-8") as fh:
            released = fh.read()
        assert "Biotech Sales" in released
        assert re.search(r"Biotech Sales\W+13\b", released)
        assert "@" not in released  # no email address leaves with a report
        page.goto("/staff/reports/disclosures/")
        assert "Northwind Market Research" in page.content()
    finally:
        staff.close()
