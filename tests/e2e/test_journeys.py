"""Browser journeys against the real server (gunicorn, config.settings.local), in Chromium.

Each test is what a visitor, a member or a staff member clicks through. The server and
its data come from tests/e2e/conftest.py; the personas from tests/e2e/personas.py.
"""

import csv
import re
import time
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, SmtpSink, links_in, log_in, text_of
from tests.e2e.personas import MEMBER, OTHER_MEMBER, STAFF

PUBLIC_PAGES = [
    ("/", "Lead411"),
    ("/about/", "About"),
    ("/privacy/", "Privacy"),
    ("/contact/", "Contact"),
    ("/accounts/login/", "Log in"),
    ("/accounts/signup/", "Apply"),
]


def test_public_pages_render_with_navigation(page: Any) -> None:
    """Every public page answers 200 with a heading; the main navigation reaches each one."""
    for path, title_word in PUBLIC_PAGES:
        response = page.goto(path)
        assert response.status == 200, path
        assert title_word.lower() in page.title().lower(), (path, page.title())
        assert page.locator("h1").count() >= 1, path
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="About & pricing").click()
    assert page.url.endswith("/about/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contact").click()
    assert page.url.endswith("/contact/")


def test_lead_search_refuses_anonymous_visitors(page: Any) -> None:
    """The leads are for members: an anonymous visitor lands on the login form (clause L2)."""
    page.goto("/leads/?q=software")
    assert "/accounts/login/" in page.url
    assert "next=" in page.url


@pytest.mark.clause("P4")
def test_remember_me_keeps_the_session_cookie_for_thirty_days(page: Any) -> None:
    """Ticking "Remember me" gives a persistent session cookie; unticked it dies with the browser."""
    log_in(page, email_address=MEMBER.email, password=MEMBER.password, remember=True)
    assert "/leads/" in page.url
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    days = (cookie["expires"] - time.time()) / 86400
    assert 29 < days <= 30
    assert cookie["httpOnly"] is True


def test_session_cookie_without_remember_me_ends_with_the_browser(page: Any) -> None:
    """Without "Remember me" the session cookie is a browser-session cookie (expires -1)."""
    log_in(page, email_address=MEMBER.email, password=MEMBER.password)
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    assert cookie["expires"] == -1


@pytest.mark.clause("L2")
def test_member_searches_with_facets_opens_a_lead_and_exports_csv(page: Any) -> None:
    """Search words, narrow by two facets, open a lead, export the same result as CSV."""
    log_in(page, email_address=MEMBER.email, password=MEMBER.password)
    page.get_by_role("searchbox").fill("software")
    page.get_by_role("button", name="Search", exact=True).click()
    count = page.locator(".results-count")
    assert "for “software”" in count.inner_text()
    total_words = int(count.locator("strong").inner_text().replace(",", ""))
    assert total_words > 0

    industry = page.locator("section.facet", has=page.get_by_role("heading", name="Industry"))
    industry.get_by_role("link", name="Software").click()
    assert "category=Software" in page.url
    country = page.locator("section.facet", has=page.get_by_role("heading", name="Country"))
    country.get_by_role("link").first.click()
    assert "country=" in page.url
    narrowed = int(page.locator(".results-count strong").inner_text().replace(",", ""))
    assert 0 < narrowed <= total_words
    chips = page.get_by_role("list", name="Active filters").locator("a.chip")
    assert chips.count() == 2

    first = page.locator("ol.lead-list li.lead h3 a").first
    company = first.inner_text()
    first.click()
    assert "/leads/" in page.url
    assert page.locator("h1").inner_text().strip() != ""
    assert company in page.content()
    page.go_back()

    with page.expect_download() as info:
        page.get_by_role("button", name="Export CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("lead411-leads-")
    with open(download.path(), encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == narrowed
    assert all("Software" in row["categories"].split("|") for row in rows)


@pytest.mark.clause("P10")
def test_staff_reaches_the_admin_through_the_site_login(page: Any) -> None:
    """/admin/ sends staff to the site's own login form, then back to the admin."""
    page.goto("/admin/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Email").fill(STAFF.email)
    page.get_by_label("Password").fill(STAFF.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    assert "Site administration" in page.content()


def test_a_member_is_not_let_into_the_admin(page: Any, e2e_server: LiveServer) -> None:
    """A member who logs in and opens /admin/ does not see the admin."""
    log_in(page, email_address=MEMBER.email, password=MEMBER.password)
    page.goto("/admin/")
    assert "Site administration" not in page.content()


@pytest.mark.clause("P3", "P4", "P9")
def test_apply_verify_by_email_staff_approval_then_member_login(
    browser: Any, e2e_server: LiveServer, smtp_sink: SmtpSink
) -> None:
    """Apply; confirm the address from the email; staff approve in the admin; search; log out;
    log in with "Remember me" (a 30-day cookie); log out, after which that cookie is dead."""
    email_address, password = "nora.newcomer@e2e.test", "plum tractor seventeen lanterns e2e"
    applicant = browser.new_context(base_url=e2e_server.url)
    staff = browser.new_context(base_url=e2e_server.url)
    try:
        page = applicant.new_page()
        page.goto("/accounts/signup/")
        for field, value in {
            "email": email_address,
            "password1": password,
            "first_name": "Nora",
            "last_name": "Newcomer",
            "company": "Northwind Traders",
            "job_title": "VP Sales",
            "telephone": "+1 555 0142",
            "industry": "Logistics",
            "country": "United States",
        }.items():
            page.locator(f"#id_{field}").fill(value)
        page.locator("#id_company_size").select_option("51-200")
        mail_before = smtp_sink.count()
        page.get_by_role("button", name="Send my application").click()
        page.wait_for_load_state()

        confirm = smtp_sink.wait_for(
            to=email_address, subject_contains="Confirm", after=mail_before
        )
        link = next(u for u in links_in(text_of(confirm)) if "/accounts/confirm-email/" in u)
        page.goto(link)
        page.locator("main button[type=submit]").last.click()
        page.wait_for_load_state()

        log_in(page, email_address=email_address, password=password)
        page.goto("/leads/")
        assert "/members/application/" in page.url  # pending: not a member yet

        admin = staff.new_page()
        log_in(admin, email_address=STAFF.email, password=STAFF.password)
        admin.goto("/admin/accounts/application/?status__exact=pending")
        row = admin.locator("#result_list tr", has_text="Northwind Traders")
        row.locator("input.action-select").check()
        admin.locator("select[name=action]").select_option("approve")
        admin.locator("button[name=index], input[name=index]").first.click()
        admin.wait_for_load_state()

        smtp_sink.wait_for(to=email_address, subject_contains="approved", after=mail_before)
        page.goto("/leads/?q=software")
        assert "/leads/" in page.url
        assert page.locator(".results-count strong").inner_text() != "0"

        # Log out (a POST from the header), then back in with "Remember me", then out again.
        page.get_by_role("button", name="Log out").click()
        page.wait_for_load_state()
        page.goto("/leads/")
        assert "/accounts/login/" in page.url, "logged out"
        log_in(page, email_address=email_address, password=password, remember=True)
        assert "/leads/" in page.url
        cookie = next(c for c in applicant.cookies() if c["name"] == "sessionid")
        assert 29 < (cookie["expires"] - time.time()) / 86400 <= 30
        page.get_by_role("button", name="Log out").click()
        page.wait_for_load_state()
        # The server ended the session: replaying the old cookie lets no one in.
        replay = browser.new_context(base_url=e2e_server.url)
        try:
            replay.add_cookies(
                [{"name": "sessionid", "value": cookie["value"], "url": e2e_server.url}]
            )
            stale = replay.new_page()
            stale.goto("/leads/")
            assert "/accounts/login/" in stale.url
        finally:
            replay.close()
    finally:
        applicant.close()
        staff.close()


def _tomorrow_in_site_time_zone() -> str:
    """Return tomorrow's date (YYYY-MM-DD) where the newsletter is sent (TIME_ZONE)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from django.conf import settings

    return (dt.datetime.now(ZoneInfo(settings.TIME_ZONE)).date() + dt.timedelta(days=1)).isoformat()


@pytest.mark.clause("L3", "L4", "P7")
def test_newsletter_from_a_saved_search_then_unsubscribe_in_one_click_and_by_confirmation(
    browser: Any, e2e_server: LiveServer, smtp_sink: SmtpSink
) -> None:
    """Save a search; the daily newsletter arrives by SMTP with its leads; a lead link opens;
    the List-Unsubscribe one-click POST (no cookie, no CSRF token) stops the newsletter; the
    email's visible "unsubscribe from all" link asks for confirmation, then stops all three."""
    context = browser.new_context(base_url=e2e_server.url)
    try:
        page = context.new_page()
        log_in(page, email_address=OTHER_MEMBER.email, password=OTHER_MEMBER.password)
        page.goto("/leads/searches/new/?q=software")
        page.locator("#id_name").fill("Software leads")
        page.locator("main button[type=submit]").last.click()
        page.wait_for_load_state()
        assert page.url.endswith("/leads/searches/")
        assert "Software leads" in page.content()

        # The seeded rounds are 2014 news imported today: the digest would count them as a
        # catch-up import (one line, no list). Make them today's news, as from a daily import.
        e2e_server.shell(
            "from django.utils import timezone; from lead411.leads.models import TriggerEvent; "
            "TriggerEvent.objects.update(announced_on=timezone.localdate())"
        )
        before = smtp_sink.count()
        e2e_server.manage("send_daily_newsletter", "--date", _tomorrow_in_site_time_zone())
        letter = smtp_sink.wait_for(
            to=OTHER_MEMBER.email, subject_contains="Lead411 daily", after=before
        )
        body = text_of(letter)
        assert "Software leads" in body
        lead_link = next(u for u in links_in(body) if re.search(r"/leads/\d+/", u))
        page.goto(lead_link)
        assert re.search(r"/leads/\d+/$", page.url)
        assert "Software" in page.content()

        page.goto("/newsletter/preferences/")
        assert page.locator("input[type=checkbox]").first.is_checked()
        assert letter["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        one_click = re.findall(r"<(https?://[^>]+)>", str(letter["List-Unsubscribe"]))[0]
        anonymous = browser.new_context()
        try:
            response = anonymous.request.post(
                one_click, form={"List-Unsubscribe": "One-Click"}, max_redirects=0
            )
            assert response.status == 200
        finally:
            anonymous.close()
        page.goto("/newsletter/preferences/")
        daily = page.locator("input[type=checkbox]").first
        assert not daily.is_checked()

        # Subscribed again, the member uses the email's visible "unsubscribe from all" link:
        # its page changes nothing until its button is pressed.
        daily.check()
        page.get_by_role("button", name="Save preferences").click()
        page.wait_for_load_state()
        all_link = re.search(r"Unsubscribe from all Lead411 email: (\S+)", body)
        assert all_link is not None
        scanner = browser.new_context()
        try:
            confirm = scanner.new_page()
            confirm.goto(all_link.group(1))
            assert "Nothing changes until you do" in confirm.content()
            page.goto("/newsletter/preferences/")
            assert page.locator("input[type=checkbox]").first.is_checked()
            confirm.get_by_role("button", name="Unsubscribe").click()
            confirm.wait_for_load_state()
            assert "You are unsubscribed" in confirm.content()
        finally:
            scanner.close()
        page.goto("/newsletter/preferences/")
        boxes = page.locator("input[type=checkbox]")
        assert boxes.count() == 3
        assert not any(boxes.nth(i).is_checked() for i in range(3))
    finally:
        context.close()


@pytest.mark.clause("P13")
def test_report_a_stolen_password_ends_every_session(
    browser: Any, e2e_server: LiveServer, smtp_sink: SmtpSink
) -> None:
    """Logged in twice; one session reports a stolen password: both end, the old password
    no longer logs in, and staff are alerted by email."""
    email_address, password = "vic.victim@e2e.test", "a long password that leaked 2026"
    e2e_server.shell(
        "from lead411.accounts.models import User; "
        f"User.objects.create_user({email_address!r}, {password!r}, first_name='Vic')"
    )
    laptop, phone = (
        browser.new_context(base_url=e2e_server.url),
        browser.new_context(base_url=e2e_server.url),
    )
    try:
        on_laptop, on_phone = laptop.new_page(), phone.new_page()
        log_in(on_laptop, email_address=email_address, password=password, remember=True)
        log_in(on_phone, email_address=email_address, password=password)
        before = smtp_sink.count()
        on_laptop.goto("/members/stolen-password/")
        on_laptop.get_by_label("Yes, I confirm").check()
        on_laptop.get_by_role("button", name="Cancel my password now").click()
        on_laptop.wait_for_url("**/members/suspended/")

        on_phone.goto("/leads/")
        assert "/accounts/login/" in on_phone.url
        log_in(on_phone, email_address=email_address, password=password)
        assert "/accounts/login/" in on_phone.url or "/members/suspended/" in on_phone.url
        smtp_sink.wait_for(to="", subject_contains="Stolen password reported", after=before)
    finally:
        laptop.close()
        phone.close()


@pytest.mark.clause("P15")
def test_staff_publish_a_policy_version_and_a_member_acknowledges_it(
    browser: Any, e2e_server: LiveServer
) -> None:
    """Staff write a draft in the admin and publish it; a member sees the notice banner on
    every page until they click "I have read it"."""
    staff = browser.new_context(base_url=e2e_server.url)
    member = browser.new_context(base_url=e2e_server.url)
    try:
        admin = staff.new_page()
        log_in(admin, email_address=STAFF.email, password=STAFF.password)
        admin.goto("/admin/policy/policyversion/add/")
        number = admin.locator("#id_number").input_value()  # the admin proposes the next one
        admin.locator("#id_title").fill("Privacy policy")
        admin.locator("#id_summary_of_changes").fill("E2E: we now keep visit counts for 365 days.")
        admin.locator("#id_body").fill("# Privacy policy\n\nWe keep visit counts for 365 days.")
        admin.locator("input[name=_save]").click()
        admin.wait_for_load_state()
        admin.goto("/admin/policy/policyversion/")
        row = admin.locator("#result_list tr", has_text=number).first
        row.locator("input.action-select").check()
        admin.locator("select[name=action]").select_option("publish_selected")
        admin.locator("button[name=index], input[name=index]").first.click()
        admin.wait_for_load_state()

        page = member.new_page()
        log_in(page, email_address=MEMBER.email, password=MEMBER.password)
        page.goto("/about/")
        banner = page.get_by_role("region", name=re.compile("Our privacy policy"))
        assert f"Version {number}" in banner.inner_text()
        banner.get_by_role("button", name="I have read it").click()
        page.wait_for_load_state()
        assert page.url.endswith("/about/")
        page.goto("/leads/")
        assert page.get_by_role("region", name=re.compile("Our privacy policy")).count() == 0
    finally:
        staff.close()
        member.close()


@pytest.mark.clause("P12")
def test_forgot_password_by_emailed_link_then_only_the_new_password_logs_in(
    browser: Any, e2e_server: LiveServer, smtp_sink: SmtpSink
) -> None:
    """The login page's "Forgot password?" link; the reset link arrives by SMTP; the member
    sets a new password on the link's page, is not logged in by it, is told by email, and
    the link dies; the new password logs in and the old one no longer does."""
    email_address, old_password = "fern.forgetful@e2e.test", "an old password nobody recalls"
    new_password = "seven orange kites over the harbour e2e"
    e2e_server.shell(
        "from lead411.accounts.models import User; "
        f"User.objects.create_user({email_address!r}, {old_password!r}, first_name='Fern')"
    )
    context = browser.new_context(base_url=e2e_server.url)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_role("link", name="Forgot password?").click()
        page.wait_for_url("**/accounts/password/reset/")
        page.get_by_label("Email").fill(email_address)
        before = smtp_sink.count()
        page.get_by_role("button", name="Reset My Password").click()
        page.wait_for_url("**/accounts/password/reset/done/")

        reset_mail = smtp_sink.wait_for(
            to=email_address, subject_contains="Password Reset", after=before
        )
        [link] = [u for u in links_in(text_of(reset_mail)) if "/accounts/password/reset/key/" in u]
        assert link.startswith(e2e_server.url + "/"), "the link is built from SITE_URL"
        page.goto(link)
        # allauth moves the key out of the address bar into the session, then shows the form.
        page.wait_for_url(re.compile(r"/accounts/password/reset/key/[^/]+-set-password/$"))
        change = page.get_by_role("button", name="Change Password", exact=True)
        form = page.locator("form", has=change)
        assert form.get_attribute("method") == "post"
        assert page.url.endswith(form.get_attribute("action") or "<no action>")
        form.locator("input[name=password1]").fill(new_password)
        form.locator("input[name=password2]").fill(new_password)
        before_change = smtp_sink.count()
        change.click()
        page.wait_for_url("**/accounts/password/reset/key/done/")

        page.goto("/leads/")
        assert "/accounts/login/" in page.url, "a reset does not log the member in"
        # allauth's notice after a reset is titled "Password Reset" (the link's was "... Email").
        notice = smtp_sink.wait_for(
            to=email_address, subject_contains="Password Reset", after=before_change
        )
        assert "Email" not in str(notice["Subject"])
        assert "/members/stolen-password/" in text_of(notice)
        page.goto(link)
        assert page.get_by_role("heading", name="Bad Token").count() == 1, "single use"

        log_in(page, email_address=email_address, password=old_password)
        assert "/accounts/login/" in page.url, "the old password no longer logs in"
        assert page.locator(".errorlist, [role=alert], .alert").count() >= 1
        log_in(page, email_address=email_address, password=new_password)
        assert "/leads/" in page.url
    finally:
        context.close()
