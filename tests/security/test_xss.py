"""A corpus of XSS payloads, entered through every form, is escaped wherever it shows (issue 8).

Each payload carries the marker ``4117``. It is typed into a form (sign-up, name change,
saved search, contact form, conversation replies, account-change request, an applicant's
answer) or into a staff field that reaches members (refusal reason, request for
information, staff answer, policy version and product update in Markdown). Then every
page that shows the value is fetched (the member's pages, the staff admin's pages and
previews) and every email it caused is taken from the outbox, HTML part and text part.

The pages are parsed with the standard library's HTML tokenizer (``html.parser``, the
same tokenising rules a browser uses for tags and attributes), and `scan` reports any
place where the marker became active: inside a ``<script>`` element, in an ``on*``
event-handler attribute, or in a URL attribute whose value starts with ``javascript:``
(after the entity decoding and whitespace stripping a browser does). ``srcdoc`` frames
are parsed in turn. No page may carry a ``javascript:`` URL at all. To keep the test
honest, every check also asserts that the marker *was* shown, as text or as a form
value: a page that dropped the value would prove nothing.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lead411.accounts.models import AccountChangeRequest, Application, User
from lead411.accounts.services import (
    account_change_request_resolve,
    application_refuse,
    application_request_info,
)
from lead411.contact.models import Conversation
from lead411.contact.services import conversation_reply
from lead411.leads.models import SavedSearch
from lead411.leads.tests.factories import CompanyFactory, TriggerEventFactory
from lead411.mail.models import Delivery
from lead411.mail.outbox import delivery_email_message
from lead411.mail.services import mail_preferences_set
from lead411.newsletter.models import ProductUpdate
from lead411.newsletter.services import product_update_send
from lead411.policy.models import PolicyVersion
from lead411.policy.services import policy_version_publish

MARK = "4117"
# Plain-text fields: each must come back as the same characters, escaped.
PAYLOADS = [
    f"<script>alert({MARK})</script>",
    f'"><img src=x onerror=alert({MARK})>',
    f"'><svg/onload=alert({MARK})>",
    f"javascript:alert({MARK})",
    f'<a href="javascript:alert({MARK})">x</a>',
    f"{{{{7*7}}}} {{% debug %}} ${{7*7}} #{MARK}",
    f"</textarea></title><script>alert({MARK})</script>",
]
# Markdown fields (policy versions, product updates): raw HTML is dropped and links
# lose a javascript: target, so the marker need not survive; nothing may turn active.
MARKDOWN_PAYLOADS = [
    f"[click me](javascript:alert({MARK}))",
    f"[click me](JaVaScRiPt:alert({MARK}))",
    f"[click me]( javascript&#58;alert({MARK}))",
    f"<script>alert({MARK})</script>",
    f'<img src=x onerror="alert({MARK})">',
    f"<svg/onload=alert({MARK})>",
    f'<a href="javascript:alert({MARK})">x</a>',
    f"![x](javascript:alert({MARK}))",
    f"[x]: javascript:alert({MARK})\n\n[ref][x]",
    f"{{{{7*7}}}} text #{MARK}",
]
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "background",
}


@dataclass
class Scan:
    """What `scan` found: active uses of the marker, and how often it showed as data."""

    active: list[str] = field(default_factory=list)
    shown: int = 0


class _Scanner(HTMLParser):
    def __init__(self, result: Scan) -> None:
        super().__init__(convert_charrefs=True)
        self.result = result
        self.raw_text_tag = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            text = value or ""
            compact = "".join(text.split()).lower()
            handler = name.startswith("on") and MARK in text
            script_url = name in URL_ATTRIBUTES and compact.startswith(("javascript:", "vbscript:"))
            if handler or script_url:
                self.result.active.append(f"<{tag} {name}={text!r}>")
            elif name == "srcdoc":
                inner = scan(text)
                self.result.active += inner.active
                self.result.shown += inner.shown
            elif MARK in text:
                self.result.shown += 1
        if tag in ("script", "style"):
            self.raw_text_tag = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.raw_text_tag = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == self.raw_text_tag:
            self.raw_text_tag = ""

    def handle_data(self, data: str) -> None:
        if MARK not in data:
            return
        if self.raw_text_tag:
            self.result.active.append(f"<{self.raw_text_tag}>{data[:80]!r}")
        else:
            self.result.shown += data.count(MARK)


def scan(html: str) -> Scan:
    """Return where the marker is active in ``html`` and how often it is shown as data."""
    result = Scan()
    scanner = _Scanner(result)
    scanner.feed(html)
    scanner.close()
    return result


def assert_inert(html: str, where: str, *, must_show: bool = True) -> None:
    """Assert no payload is active in ``html``; with ``must_show``, that the marker shows."""
    result = scan(html)
    assert not result.active, (where, result.active)
    if must_show:
        assert result.shown, f"{where}: the value is not shown, so this proves nothing"


def page(client: Client, url: str, *, must_show: bool = True, **query: str) -> str:
    """GET ``url``, assert a 200 and inert payloads; return the body."""
    response = client.get(url, query)
    assert response.status_code == 200, (url, response.status_code)
    body = response.content.decode()
    assert_inert(body, url, must_show=must_show)
    return body


def emails(outbox: list[EmailMessage]) -> list[EmailMessage]:
    """Return the emails sent directly (``outbox``) and those queued for members.

    Queued ones (newsletter, updates, policy notices, member replies) are built the way
    the outbox sender builds them, without running it: its lock is one file per SQLite
    database name, which parallel test runs on one machine share.
    """
    queued = Delivery.objects.filter(status=Delivery.Status.PENDING).order_by("pk")
    return [*outbox, *(delivery_email_message(delivery=d) for d in queued)]


def html_parts(message: EmailMessage) -> list[str]:
    """Return the HTML alternatives of ``message`` (empty for a text-only email)."""
    return [
        str(content)
        for content, mimetype in getattr(message, "alternatives", [])
        if mimetype == "text/html"
    ]


def assert_emails_inert(messages: Iterable[EmailMessage], *, must_show: bool = True) -> int:
    """Assert each HTML part is inert and the text parts carry the value as typed.

    A text part is not HTML: it must hold the payload's characters (not ``&lt;``
    entities, which a mail client would show literally) and is checked only for that.
    Returns how many messages showed the marker.
    """
    showing = 0
    for message in messages:
        for html in html_parts(message):
            assert_inert(html, f"email {message.subject!r} (HTML)", must_show=False)
            showing += scan(html).shown > 0
        if MARK in message.body:
            showing += 1
            assert "&lt;" not in message.body, message.subject
            assert "&quot;" not in message.body, message.subject
    if must_show:
        assert showing, "no email carried the value"
    return showing


@pytest.fixture
def superuser(db: None) -> User:
    """A superuser: sees every admin page, including the team's registration details."""
    return User.objects.create_superuser("root@example.com", "correct horse battery 77")


@pytest.fixture
def admin_client(superuser: User) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks: Any) -> Any:
    """Run on-commit callbacks (emails sent after commit) inside the test's transaction."""
    return django_capture_on_commit_callbacks


def admin_change(model: Any, pk: int) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk])


def admin_list(model: Any) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")


def short(payload: str, limit: int) -> str:
    """The payload cut to ``limit`` characters, keeping the marker (for short fields)."""
    return payload if len(payload) <= limit else payload[-limit:]


# --- Member-side forms ---


@pytest.mark.clause("P3")
@pytest.mark.parametrize("payload", PAYLOADS)
def test_signup_fields_are_escaped_for_the_applicant_staff_and_in_emails(
    client: Client,
    admin_client: Client,
    superuser: User,
    mailoutbox: list[EmailMessage],
    run_on_commit: Any,
    payload: str,
) -> None:
    """Application fields typed at sign-up, then refused and questioned by staff (P3, P9)."""
    fields = {
        "first_name": payload,
        "last_name": payload,
        "company": payload,
        "job_title": payload,
        "industry": payload,
        "country": payload,
    }
    with run_on_commit(execute=True):
        response = client.post(
            "/accounts/signup/",
            {
                "email": "xss@example.com",
                "password1": "correct horse battery staple 9",
                "password2": "correct horse battery staple 9",
                "telephone": "+1 555 0199",
                "company_size": "11-50",
                **fields,
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    application = Application.objects.get(user__email="xss@example.com")
    assert application.company == payload.strip()
    # Sign-up waits for the address to be verified; the applicant's page needs a login.
    client.force_login(application.user)
    page(client, "/members/application/", must_show=False)  # the status, not the fields
    page(admin_client, admin_list(Application))
    page(admin_client, admin_change(Application, application.pk))
    page(admin_client, admin_change(User, application.user_id))
    with run_on_commit(execute=True):
        application_request_info(actor=superuser, application=application, question=payload)
    page(client, "/members/application/")
    with run_on_commit(execute=True):
        response = client.post("/members/application/", {"answer": payload})
    assert response.status_code in (200, 302)
    page(admin_client, admin_change(Application, application.pk))
    application.refresh_from_db()
    with run_on_commit(execute=True):
        application_refuse(actor=superuser, application=application, reason=payload)
    page(client, "/members/application/")
    assert_emails_inert(emails(mailoutbox))


@pytest.mark.clause("P11")
@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_changed_name_is_escaped_on_member_and_staff_pages_and_in_the_newsletter(
    member_client: Client,
    member: User,
    admin_client: Client,
    mailoutbox: list[EmailMessage],
    payload: str,
) -> None:
    """The account page's name change (P11), shown back, to staff and in the daily email."""
    response = member_client.post(
        "/members/account/", {"first_name": payload, "last_name": payload}
    )
    assert response.status_code in (200, 302)
    member.refresh_from_db()
    assert member.first_name == payload.strip()
    page(member_client, "/members/account/")
    page(member_client, "/contact/")  # the contact form is prefilled with the name
    page(admin_client, admin_change(User, member.pk))
    page(admin_client, admin_list(User), q="member@example.com")
    _newsletter_for(member, name="Robots", criteria={"q": ["robot"]})
    today = timezone.localdate()
    # The preview page frames the body page below; it shows the subject, not the name.
    page(admin_client, "/newsletter/preview/", must_show=False, email=member.email, date=str(today))
    page(admin_client, reverse("newsletter:preview-body", args=[member.pk, today.isoformat()]))
    _send_daily_newsletter()
    assert_emails_inert(emails(mailoutbox))


def _newsletter_for(member: User, *, name: str, criteria: dict[str, list[str]]) -> None:
    """Give ``member`` a saved search (unless one exists) and a new lead that matches it."""
    from lead411.leads.services import saved_search_create

    mail_preferences_set(member=member, consents={"daily": True, "replies": True, "updates": True})
    if not SavedSearch.objects.filter(member=member).exists():
        saved_search_create(member=member, name=name, criteria=criteria)
    company = CompanyFactory(name="Acme Robotics", categories=["Software"])
    TriggerEventFactory(
        company=company,
        summary="Acme builds a robot",
        imported_at=timezone.now() - dt.timedelta(minutes=5),
        announced_on=timezone.localdate(),  # news of the day, not a catch-up import
    )


def _send_daily_newsletter() -> None:
    from lead411.newsletter.digest import newsletter_issue_build

    newsletter_issue_build(date=timezone.localdate())


@pytest.mark.clause("L3")
@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_saved_search_name_is_escaped_on_its_pages_and_in_the_newsletter(
    member_client: Client,
    member: User,
    admin_client: Client,
    mailoutbox: list[EmailMessage],
    payload: str,
) -> None:
    """A saved search's name (L3), on the list, edit and delete pages and in the email (L4)."""
    response = member_client.post(
        "/leads/searches/new/",
        {"name": short(payload, 100), "params": "q=robot", "include_in_newsletter": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    search = SavedSearch.objects.get(member=member)
    page(member_client, "/leads/searches/")
    page(member_client, reverse("leads:saved-search-edit", args=[search.pk]))
    page(member_client, f"/leads/searches/{search.pk}/delete/")
    _newsletter_for(member, name="unused", criteria={})
    today = timezone.localdate().isoformat()
    page(admin_client, reverse("newsletter:preview-body", args=[member.pk, today]))
    _send_daily_newsletter()
    assert_emails_inert(emails(mailoutbox))


@pytest.mark.clause("P1")
@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("logged_in", [True, False], ids=["member", "visitor"])
def test_contact_form_and_replies_are_escaped_for_both_sides_and_in_emails(
    client: Client,
    member: User,
    superuser: User,
    admin_client: Client,
    mailoutbox: list[EmailMessage],
    run_on_commit: Any,
    payload: str,
    logged_in: bool,
) -> None:
    """A breach report's name and message, the member's answer and staff's answer (P1, P5b)."""
    if logged_in:
        client.force_login(member)
        mail_preferences_set(member=member, consents={"replies": True})
    with run_on_commit(execute=True):
        response = client.post(
            "/contact/",
            {
                "name": short(payload, 100),
                "email": "vee@example.com",
                "category": "breach",
                "message": payload,
                "website": "",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    conversation = Conversation.objects.get()
    page(admin_client, admin_list(Conversation))
    page(admin_client, admin_change(Conversation, conversation.pk))
    if logged_in:
        url = reverse("contact:conversation-detail", args=[conversation.pk])
        page(client, url)
        response = client.post(url, {"message": payload})
        assert response.status_code in (200, 302)
        page(admin_client, admin_change(Conversation, conversation.pk))
    with run_on_commit(execute=True):
        conversation_reply(actor=superuser, conversation=conversation, body=payload)
    if logged_in:
        page(client, reverse("contact:conversation-detail", args=[conversation.pk]))
        page(client, reverse("contact:conversation-list"), must_show=False)  # subjects only
    assert_emails_inert(emails(mailoutbox))


@pytest.mark.clause("P11")
@pytest.mark.parametrize("payload", PAYLOADS)
def test_an_account_change_request_is_escaped_for_staff_and_in_emails(
    client: Client,
    superuser: User,
    admin_client: Client,
    mailoutbox: list[EmailMessage],
    run_on_commit: Any,
    payload: str,
) -> None:
    """The account-change request form, logged out (P11), and staff's note in the outcome email."""
    with run_on_commit(execute=True):
        response = client.post(
            "/members/change-request/",
            {
                "name": short(payload, 200),
                "contact_email": "mia@example.com",
                "kind": "name",
                "details": payload,
            },
        )
    assert response.status_code in (200, 302)
    request = AccountChangeRequest.objects.get()
    page(admin_client, admin_list(AccountChangeRequest))
    page(admin_client, admin_change(AccountChangeRequest, request.pk))
    with run_on_commit(execute=True):
        account_change_request_resolve(
            actor=superuser, change_request=request, status="declined", note=payload
        )
    page(admin_client, admin_change(AccountChangeRequest, request.pk))
    assert_emails_inert(emails(mailoutbox))


# --- Staff fields that reach members: Markdown bodies ---


def _assert_no_javascript_links(html: str, where: str) -> None:
    """Assert no active marker and no ``javascript:`` URL attribute (Markdown fields).

    The diff page and the admin's form show the Markdown source as text, so the words
    may be on the page; `scan` looks at what a browser would follow or run.
    """
    assert_inert(html, where, must_show=False)


@pytest.mark.clause("P15")
@pytest.mark.parametrize("payload", MARKDOWN_PAYLOADS)
def test_policy_markdown_never_yields_script_or_javascript_links(
    client: Client,
    member: User,
    admin_client: Client,
    mailoutbox: list[EmailMessage],
    payload: str,
) -> None:
    """A policy version's Markdown, on the public pages, the diff, the admin and the notice."""
    mail_preferences_set(member=member, consents={"updates": True})
    first = PolicyVersion.objects.create(number=1, body="# Privacy\n\nWe keep little.")
    policy_version_publish(actor=None, version=first, notify_by_email=False)
    second = PolicyVersion.objects.create(number=2, body=f"# Privacy\n\n{payload}\n")
    policy_version_publish(actor=None, version=second, notify_by_email=True)
    for url in ("/privacy/", "/privacy/v/2/", "/privacy/diff/?a=1&b=2"):
        _assert_no_javascript_links(client.get(url).content.decode(), url)
    url = admin_change(PolicyVersion, second.pk)
    _assert_no_javascript_links(admin_client.get(url).content.decode(), url)
    sent = emails(mailoutbox)
    assert sent, "the notice email was not queued"
    for message in sent:
        for html in html_parts(message):
            _assert_no_javascript_links(html, str(message.subject))


@pytest.mark.clause("P5")
@pytest.mark.parametrize("payload", MARKDOWN_PAYLOADS)
def test_product_update_markdown_and_title_are_inert_in_preview_and_email(
    admin_client: Client,
    superuser: User,
    member: User,
    mailoutbox: list[EmailMessage],
    payload: str,
) -> None:
    """A product update (P5c): its title is text, its Markdown has no script or javascript link."""
    mail_preferences_set(member=member, consents={"updates": True})
    update = ProductUpdate.objects.create(
        title=f"<script>alert({MARK})</script> news",
        body_markdown=f"Hello\n\n{payload}\n",
        created_by=superuser,
        created_at=timezone.now(),
    )
    preview = admin_client.get(reverse("newsletter:update-preview", args=[update.pk]))
    assert preview.status_code == 200
    _assert_no_javascript_links(preview.content.decode(), "update preview")
    assert scan(preview.content.decode()).shown, "the title is not shown"
    _assert_no_javascript_links(
        admin_client.get(admin_list(ProductUpdate)).content.decode(), "updates list"
    )
    assert product_update_send(update=update) == 1
    (message,) = emails(mailoutbox)
    assert message.subject == f"Lead411 update: <script>alert({MARK})</script> news"
    (html,) = html_parts(message)
    _assert_no_javascript_links(html, "update email")
    assert scan(html).shown, "the title is not in the email"


# --- Redirect targets: a javascript: URL is never followed ---


@pytest.mark.clause("P4")
@pytest.mark.parametrize("target", [f"javascript:alert({MARK})", f" JavaScript:alert({MARK})"])
def test_a_javascript_next_is_never_a_redirect_target(
    client: Client, member: User, target: str
) -> None:
    """Login's and the notice button's ``next`` never send the browser to ``javascript:``."""
    response = client.post(
        "/accounts/login/",
        {"login": member.email, "password": "correct horse battery staple 2026", "next": target},
    )
    assert response.status_code == 302
    assert "javascript" not in response["Location"].lower()
    version = PolicyVersion.objects.create(number=1, body="# Privacy")
    policy_version_publish(actor=None, version=version, notify_by_email=False)
    response = client.post("/privacy/acknowledge/", {"version": "1", "next": target})
    assert response.status_code == 302
    assert "javascript" not in response["Location"].lower()


# --- The checker itself ---


@pytest.mark.parametrize(
    ("html", "active"),
    [
        (f"<p>&lt;script&gt;alert({MARK})&lt;/script&gt;</p>", False),
        (f'<input value="&quot;&gt;&lt;img src=x onerror=alert({MARK})&gt;">', False),
        (f"<p><script>alert({MARK})</script></p>", True),
        (f'<input value=""><img src=x onerror=alert({MARK})>">', True),
        (f"<svg/onload=alert({MARK})>", True),
        (f'<a href=" java&#x09;script:alert({MARK})">x</a>', True),
        (f'<iframe srcdoc="&lt;script&gt;alert({MARK})&lt;/script&gt;"></iframe>', True),
        (f'<iframe srcdoc="&amp;lt;b&amp;gt;{MARK}"></iframe>', False),
    ],
)
def test_scan_tells_escaped_from_active_markup(html: str, active: bool) -> None:
    """The checker finds script elements, handlers and javascript: URLs; escaped text is data."""
    result = scan(html)
    assert bool(result.active) is active, result
    assert result.active or result.shown
