"""Member activity: visits, page views by kind, the member's page, the team's view, retention."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import PASSWORD
from lead411.accounts.models import User
from lead411.activity.classify import counted, page_type_for
from lead411.activity.models import MemberDailyActivity
from lead411.activity.selectors import activity_top_pages, member_activity_summary
from lead411.activity.services import activity_purge_expired, activity_record
from lead411.core.models import AuditEvent
from lead411.site.schedules import configured_jobs

PageType = MemberDailyActivity.PageType


def _totals(member):
    summary = member_activity_summary(member=member)
    return summary.visits, summary.pageviews


@pytest.mark.clause("P4")
@pytest.mark.parametrize(
    ("namespace", "url_name", "expected"),
    [
        ("leads", "search", PageType.SEARCH),
        ("leads", "detail", PageType.LEAD_DETAIL),
        ("leads", "export-csv", PageType.EXPORT),
        ("leads", "saved-searches", PageType.SAVED_SEARCHES),
        ("newsletter", "subscriptions", PageType.NEWSLETTER),
        ("accounts", "account", PageType.ACCOUNT),
        ("", "account_email", PageType.ACCOUNT),
        ("activity", "mine", PageType.ACCOUNT),
        ("pages", "about", PageType.OTHER),
    ],
)
def test_page_type_comes_from_the_resolved_url_name(namespace, url_name, expected):
    assert page_type_for(namespace=namespace, url_name=url_name) == expected


def test_admin_and_health_check_are_not_counted():
    assert not counted(namespace="admin", url_name="index")
    assert not counted(namespace="", url_name="healthz")
    assert counted(namespace="leads", url_name="search")


@pytest.mark.clause("P4")
def test_pages_within_thirty_minutes_are_one_visit(member_client, member, frozen):
    mine = reverse("activity:mine")
    assert member_client.get(mine).status_code == 200
    frozen.advance(minutes=29)
    member_client.get(mine)
    assert _totals(member) == (1, 2)


@pytest.mark.clause("P4")
def test_thirty_minutes_idle_starts_a_new_visit(member_client, member, frozen):
    mine = reverse("activity:mine")
    member_client.get(mine)
    frozen.advance(minutes=31)
    member_client.get(mine)
    assert _totals(member) == (2, 2)


@pytest.mark.clause("P4")
def test_a_new_login_starts_a_new_visit(client, member, frozen):
    mine = reverse("activity:mine")
    client.force_login(member)
    client.get(mine)
    frozen.advance(minutes=5)
    client.post(reverse("account_logout"))
    client.force_login(member)
    client.get(mine)
    frozen.advance(minutes=5)
    client.get(mine)
    assert _totals(member) == (2, 3)


@pytest.mark.clause("P4")
def test_a_visit_across_midnight_is_not_counted_twice(member, frozen):
    frozen.current = dt.datetime(2026, 3, 11, 6, 50, tzinfo=dt.UTC)  # 23:50 in Los Angeles (PDT)
    activity_record(member_id=member.pk, page_type=PageType.SEARCH)
    frozen.advance(minutes=20)
    activity_record(member_id=member.pk, page_type=PageType.SEARCH)
    days = sorted(MemberDailyActivity.objects.values_list("day", "visits"))
    assert days == [(dt.date(2026, 3, 10), 1), (dt.date(2026, 3, 11), 0)]


@pytest.mark.clause("P4")
def test_page_views_are_counted_by_kind_and_lead(member_client, member, frozen):
    member_client.get(reverse("leads:search"))
    member_client.get(reverse("leads:search"))
    member_client.get(reverse("activity:mine"))
    summary = member_activity_summary(member=member)
    assert [(p.page_type, p.pageviews, p.visits) for p in summary.pages] == [
        ("search", 2, 1),
        ("account", 1, 0),
    ]
    activity_record(member_id=member.pk, page_type=PageType.LEAD_DETAIL, lead_id=42)
    row = MemberDailyActivity.objects.get(page_type=PageType.LEAD_DETAIL)
    assert (row.lead_id, row.pageviews) == (42, 1)


@pytest.mark.clause("P4")
def test_one_counted_request_costs_one_statement(member_client, member, frozen):
    member_client.get(reverse("activity:mine"))
    table = MemberDailyActivity._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        member_client.get(reverse("leads:search"))
    touching = [q["sql"] for q in queries.captured_queries if table in q["sql"]]
    # The page itself reads nothing of the activity table; the middleware writes once.
    assert len(touching) == 1
    assert touching[0].lstrip().startswith("INSERT INTO")


@pytest.mark.clause("P4")
def test_anonymous_posts_errors_and_admin_are_not_counted(member_client, staff, frozen):
    Client().get(reverse("pages:about"))
    member_client.post(reverse("activity:mine"))
    member_client.get("/no-such-page/")
    member_client.force_login(staff)
    member_client.get(reverse("admin:index"))
    assert list(MemberDailyActivity.objects.values_list("page_type", flat=True)) == []


def test_counting_off_by_setting(member_client, settings, frozen):
    settings.ACTIVITY_RECORDING_ENABLED = False
    member_client.get(reverse("activity:mine"))
    assert not MemberDailyActivity.objects.exists()


@pytest.mark.clause("P4")
def test_member_sees_own_visits_pages_and_cookies(member_client, member, frozen, settings):
    other = User.objects.create_user("other@example.com", PASSWORD)
    activity_record(member_id=other.pk, page_type=PageType.EXPORT)
    member_client.get(reverse("leads:search"))
    page = member_client.get(reverse("activity:mine")).content.decode()
    assert "<strong>1</strong> visit and" in page
    # The page itself is counted after it renders, so one page view so far.
    assert "<strong>1</strong> page view\n" in page
    assert "Lead search" in page
    assert "Export" not in page  # the other member's pages are not shown
    for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, "messages"):
        assert f"<code>{name}</code>" in page


def test_member_page_needs_login(client):
    response = client.get(reverse("activity:mine"))
    assert response.status_code == 302


@pytest.mark.clause("P4")
def test_sales_leads_team_sees_a_members_activity_and_it_is_audited(
    client, team_staff, member, frozen
):
    activity_record(member_id=member.pk, page_type=PageType.SEARCH)
    client.force_login(team_staff)
    overview = client.get(reverse("activity_staff:overview")).content.decode()
    assert member.email in overview
    assert "Lead search" in overview
    page = client.get(reverse("activity_staff:member", args=[member.pk])).content.decode()
    assert "<strong>1</strong> visit and" in page
    event = AuditEvent.objects.get(verb="view activity")
    assert (event.actor, event.object_id) == (team_staff, str(member.pk))


@pytest.mark.clause("P4")
def test_staff_without_the_team_role_are_refused(client, staff, member):
    client.force_login(staff)
    assert client.get(reverse("activity_staff:overview")).status_code == 403
    assert client.get(reverse("activity_staff:member", args=[member.pk])).status_code == 403


@pytest.mark.clause("P4")
def test_most_used_pages_across_members(member, frozen):
    other = User.objects.create_user("other@example.com", PASSWORD)
    for who in (member, other):
        activity_record(member_id=who.pk, page_type=PageType.EXPORT)
    activity_record(member_id=member.pk, page_type=PageType.SEARCH)
    top = activity_top_pages()
    assert [(p.page_type, p.pageviews, p.members) for p in top] == [
        ("export", 2, 2),
        ("search", 1, 1),
    ]


@pytest.mark.clause("P4")
def test_retention_purge_deletes_only_expired_days(member, settings, frozen):
    settings.ACTIVITY_RETENTION_DAYS = 30
    today = dt.date(2026, 3, 10)
    for age in (31, 30, 0):
        MemberDailyActivity.objects.create(
            member=member,
            day=today - dt.timedelta(days=age),
            page_type=PageType.SEARCH,
            pageviews=1,
            visits=1,
            last_seen_at=frozen.current,
        )
    assert activity_purge_expired(today=today) == 1
    assert sorted(MemberDailyActivity.objects.values_list("day", flat=True)) == [
        today - dt.timedelta(days=30),
        today,
    ]


@pytest.mark.clause("P4")
def test_purge_is_a_scheduled_daily_job():
    job = next(j for j in configured_jobs() if j.func == "lead411.activity.tasks.activity_purge")
    assert job.minutes == 24 * 60


def test_deleting_a_member_deletes_their_counters(member, frozen):
    activity_record(member_id=member.pk, page_type=PageType.SEARCH)
    member.delete()
    assert not MemberDailyActivity.objects.exists()


@pytest.mark.clause("P4")
def test_activity_export_lists_the_members_own_counters(member, frozen):
    from lead411.activity.selectors import member_activity_export

    other = User.objects.create_user("other@example.com", PASSWORD)
    activity_record(member_id=member.pk, page_type=PageType.SEARCH)
    activity_record(member_id=other.pk, page_type=PageType.EXPORT)
    assert member_activity_export(member=member) == [
        {"day": "2026-03-10", "page_type": "search", "lead_id": 0, "pageviews": 1, "visits": 1}
    ]
