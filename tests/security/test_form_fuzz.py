"""Fuzz every user-facing form with malformed input (issue 8, "Security").

The brief: bad input gets a clear error and loses nothing, a 4xx page or a form error,
never an HTTP 500. For each form endpoint hypothesis generates malformed submissions:
wrong types, strings up to 20,000 characters, NUL bytes, lone surrogates, CR/LF in
one-line fields, unicode oddities (bidi overrides, zero-width and full-width characters,
ligatures), missing fields, extra fields, repeated keys where a scalar is expected, and
bodies that are not valid UTF-8 at all. Every example must answer below 500, and a
rejected one (a 4xx or the form shown again with errors) must leave the tables the
endpoint writes exactly as they were (a SHA-256 of their rows, before and after).

Staff pages too (issue 17): the web-log dashboard, the report builder and release, the
member-activity pages, the newsletter preview, the EDGAR review decisions, and
every admin list with impossible filter values (a year past 9999, an id beyond the
column's integers, dates that do not exist) and every admin object page with impossible
ids: a 400 or the admin's own redirect, never a 500.

Bodies are built by hand and sent with ``client.generic`` as
``application/x-www-form-urlencoded`` bytes, because the test client cannot encode a
lone surrogate. The test client re-raises a view's exception, so an HTTP 500 fails the
example with its traceback and hypothesis shrinks it to a minimal input.
"""

import hashlib
import itertools
import os
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Model
from django.http import HttpResponseBase
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lead411.accounts.models import Application, User
from lead411.accounts.views import stolen_password_token
from lead411.contact.services import conversation_start
from lead411.leads.models import SavedSearch
from lead411.leads.services import saved_search_create
from lead411.mail.models import Stream
from lead411.mail.services import mail_preferences_get_or_create
from lead411.mail.tokens import unsubscribe_token_make
from lead411.policy.models import PolicyVersion
from lead411.policy.services import policy_version_publish

# 100 examples per endpoint keeps the file near two minutes on a loaded machine; the
# full run of the brief is FUZZ_EXAMPLES=200 (both pass on SQLite and PostgreSQL).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # No .hypothesis/ folder in the work tree; a failure prints its reproduce blob instead.
    database=None,
    print_blob=True,
)
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

# Values that broke forms elsewhere: numbers a parser overflows on, impossible dates,
# header injection, markup, and the unicode that normalisation or encoding trips over.
NASTY_VALUES = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n",
    "Eve\r\nBcc: victim@example.com",
    "\t",
    "-1",
    "0",
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "9" * 40,
    "0x10",
    "1_000",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "2026-1-1",
    "\uff12\uff10\uff12\uff16-\uff10\uff11-\uff10\uff11",  # full-width digits
    "٣",
    "Ⅻ",
    "\u202eevil",
    "\ufeff",
    "\u200b",
    "ﬃ",
    "İ",
    "ß" * 60,
    "\U0001f642" * 10,
    "\U0010ffff",
    "\ufffd",
    "null",
    "true",
    "[]",
    "{}",
    "<script>alert(1)</script>",
    "'; DROP TABLE accounts_user; --",
    "%00",
    "%ZZ",
    "../../etc/passwd",
    "@",
    "a@b",
    "x@example.com",
    "member@example.com",
    "on",
    "off",
    "false",
]
EXTRA_NAMES = [
    "csrfmiddlewaretoken",
    "id",
    "pk",
    "is_staff",
    "is_superuser",
    "status",
    "user",
    "member",
    "__proto__",
    "name[]",
    "",
    "\x00",
]
HUGE_UNITS = ["a", "é", "\x00", "\r\n", "\ud800", "\U0001f642", "9", " "]

lone_surrogates = st.integers(0xD800, 0xDFFF).map(chr)
unicode_text = st.text(
    alphabet=st.one_of(st.characters(exclude_categories=()), lone_surrogates), max_size=60
)
huge_strings = st.builds(
    lambda unit, n: unit * n, st.sampled_from(HUGE_UNITS), st.integers(1_000, 20_000)
)


def field_values(plausible: list[str]) -> st.SearchStrategy[str]:
    """A value for one field: a plausible one, a known-nasty one, random text or a huge one."""
    parts = [st.sampled_from(NASTY_VALUES), unicode_text, huge_strings]
    if plausible:
        # Plausible values first, so examples get past the first check and deeper in.
        parts.insert(0, st.sampled_from(plausible))
    return st.one_of(*parts)


@st.composite
def submissions(draw: Callable[..., Any], fields: dict[str, list[str]]) -> tuple[bytes, bool]:
    """Return ``(body, raw)``: a urlencoded body of ``fields``, often malformed.

    Some fields are left out, unknown ones are added, and a field may be sent up to three
    times (an array where a scalar is expected). With ``raw`` the body is not
    percent-encoded at all: invalid UTF-8, stray ``&`` and ``=``.
    """
    names = sorted(fields)
    if draw(st.booleans()):
        chosen = names
    else:
        chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    extras = draw(st.lists(st.one_of(st.sampled_from(EXTRA_NAMES), unicode_text), max_size=2))
    pairs: list[tuple[str, str]] = []
    for name in [*chosen, *extras]:
        count = draw(st.sampled_from([1, 1, 1, 1, 2, 3]))
        values = field_values(fields.get(name, []))
        pairs.extend((name, draw(values)) for _ in range(count))
    raw = draw(st.integers(0, 9)) == 0
    return encode(pairs, raw=raw), raw


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def encode(pairs: Iterable[tuple[str, str]], *, raw: bool = False) -> bytes:
    """Return ``pairs`` as an urlencoded body; lone surrogates become invalid UTF-8 bytes."""
    if raw:
        return b"&".join(_bytes(k) + b"=" + _bytes(v) for k, v in pairs)
    return b"&".join(
        quote_from_bytes(_bytes(k)).encode() + b"=" + quote_from_bytes(_bytes(v)).encode()
        for k, v in pairs
    )


def snapshot(labels: Iterable[str]) -> dict[str, str]:
    """Return a SHA-256 of every row of each model ``app_label.ModelName``, by label."""
    digests = {}
    for label in labels:
        model: type[Model] = apps.get_model(label)
        rows = list(model._default_manager.order_by("pk").values_list())
        digests[label] = hashlib.sha256(_bytes(repr(rows))).hexdigest()
    return digests


def rejected(response: HttpResponseBase) -> bool:
    """True for a 4xx, or a 200 that shows a form again with its errors."""
    if response.status_code >= 400:
        return True
    context = getattr(response, "context", None)
    if response.status_code != 200 or context is None:
        return False
    for name in ("form", "release_form"):
        try:
            form = context[name]
        except KeyError:
            continue
        if getattr(form, "errors", None):
            return True
    return False


def exercise(
    client: Client, method: str, url: str, body: bytes, watched: Iterable[str], *, raw: bool
) -> HttpResponseBase:
    """Send ``body`` to ``url``; assert no 5xx and, when rejected, no change to ``watched``.

    Rate-limit counters (cache) and the mail outbox are reset first, so every example
    reaches the form rather than a 429; the example's writes are rolled back after it, so
    examples do not depend on each other and hypothesis can shrink a failure.
    """
    with transaction.atomic():
        response = _exercise(client, method, url, body, list(watched), raw=raw)
        transaction.set_rollback(True)
    return response


def _exercise(
    client: Client, method: str, url: str, body: bytes, watched: list[str], *, raw: bool
) -> HttpResponseBase:
    cache.clear()
    mail.outbox = []
    before = snapshot(watched)
    if method == "GET":
        query = body.decode("latin-1")
        response = client.generic("GET", url, QUERY_STRING=query)
    else:
        response = client.generic(method, url, body, content_type=FORM_CONTENT_TYPE)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # type: ignore[attr-defined]  # streaming
    assert response.status_code < 500, (url, body[:300], raw)
    if rejected(response):
        assert snapshot(watched) == before, (url, response.status_code, body[:300])
    return response


_serial = itertools.count(1)

ACCOUNT_TABLES = [
    "accounts.User",
    "accounts.Application",
    "accounts.AccountChangeRequest",
    "accounts.StolenPasswordReport",
    "account.EmailAddress",
]
PERSON = {
    "first_name": ["Ada", "Zoë", "O'Brien"],
    "last_name": ["Lovelace", "Nguyễn"],
}
SIGNUP_FIELDS = {
    "email": ["new@example.com", "NEW@EXAMPLE.COM", "member@example.com"],
    "password1": ["correct horse battery staple 9", "short"],
    "password2": ["correct horse battery staple 9"],
    **PERSON,
    "company": ["Acme Widgets"],
    "job_title": ["Head of Sales"],
    "telephone": ["+1 555 0199"],
    "industry": ["Manufacturing"],
    "company_size": ["1-10", "11-50", "5000+"],
    "country": ["Canada"],
}


@pytest.mark.django_db
@pytest.mark.clause("P3")
@FUZZ
@given(sub=submissions(SIGNUP_FIELDS))
def test_signup_survives_malformed_applications(client: Client, sub: tuple[bytes, bool]) -> None:
    """Sign-up (allauth plus the application fields) never answers 500 (P3)."""
    client.logout()
    exercise(client, "POST", "/accounts/signup/", sub[0], ACCOUNT_TABLES, raw=sub[1])


@pytest.fixture
def md5_member(member: User, settings: Any) -> User:
    """``member`` with an MD5 hash: Argon2 costs a tenth of a second per login attempt."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    member.set_password("correct horse battery staple 2026")
    member.save(update_fields=["password"])
    return member


@pytest.mark.clause("P4")
@FUZZ
@given(
    sub=submissions(
        {
            "login": ["member@example.com", "MEMBER@example.com", "nobody@example.com"],
            "password": ["correct horse battery staple 2026", "wrong"],
            "remember": ["on", ""],
            "next": ["/leads/", "https://evil.example/", "//evil.example"],
        }
    )
)
def test_login_survives_malformed_input(
    client: Client, md5_member: User, sub: tuple[bytes, bool]
) -> None:
    """The login form (with "Remember me") never answers 500 (P4)."""
    client.logout()
    exercise(client, "POST", "/accounts/login/", sub[0], ACCOUNT_TABLES, raw=sub[1])


@pytest.mark.clause("P12")
@FUZZ
@given(
    sub=submissions({"email": ["member@example.com", "nobody@example.com", "MEMBER@EXAMPLE.COM"]})
)
def test_password_reset_survives_malformed_input(
    client: Client, member: User, sub: tuple[bytes, bool]
) -> None:
    """ "Forgot password" never answers 500 and a refused request writes nothing (P12)."""
    client.logout()
    exercise(client, "POST", "/accounts/password/reset/", sub[0], ACCOUNT_TABLES, raw=sub[1])


@pytest.mark.clause("P11")
@FUZZ
@given(
    sub=submissions(
        {
            "name": ["Mia Member"],
            "contact_email": ["mia@example.com"],
            "kind": ["email", "name", "password", "other"],
            "details": ["Please change my address."],
        }
    )
)
def test_change_request_survives_malformed_input(
    client: Client, db: None, sub: tuple[bytes, bool]
) -> None:
    """The account-change request form, logged out, never answers 500 (P11)."""
    exercise(client, "POST", "/members/change-request/", sub[0], ACCOUNT_TABLES, raw=sub[1])


@pytest.mark.clause("P11")
@FUZZ
@given(sub=submissions(PERSON))
def test_name_change_survives_malformed_input(
    client: Client, member: User, sub: tuple[bytes, bool]
) -> None:
    """The account page's name change never answers 500; a refused one keeps the name (P11)."""
    client.force_login(member)
    exercise(client, "POST", "/members/account/", sub[0], ACCOUNT_TABLES, raw=sub[1])


@pytest.mark.clause("P13")
@FUZZ
@given(sub=submissions({"confirm": ["on", "", "false", "0"]}))
def test_stolen_password_report_survives_malformed_input(
    client: Client, db: None, sub: tuple[bytes, bool]
) -> None:
    """Both stolen-password forms (account page and email link) never answer 500 (P13).

    A confirmed report suspends the reporter, so each example has a fresh member.
    """
    user = User.objects.create_user(f"victim{next(_serial)}@example.com", None)
    client.force_login(user)
    exercise(client, "POST", "/members/stolen-password/", sub[0], ACCOUNT_TABLES, raw=sub[1])
    client.logout()
    link = f"/members/stolen-password/{stolen_password_token(user=user)}/"
    exercise(client, "POST", link, sub[0], ACCOUNT_TABLES, raw=sub[1])


@pytest.mark.clause("P3")
@FUZZ
@given(sub=submissions({"answer": ["We sell widgets to hospitals."]}))
def test_application_answer_survives_malformed_input(
    client: Client, applicant: User, sub: tuple[bytes, bool]
) -> None:
    """An applicant's answer to a request for information never answers 500 (P3)."""
    Application.objects.filter(user=applicant).update(status=Application.Status.INFO_REQUESTED)
    client.force_login(applicant)
    exercise(client, "POST", "/members/application/", sub[0], ACCOUNT_TABLES, raw=sub[1])


@pytest.mark.clause("P11")
@FUZZ
@given(
    sub=submissions(
        {"confirm": ["on", ""], "password": ["correct horse battery staple 2026", "wrong"]}
    )
)
def test_account_delete_survives_malformed_input(
    client: Client, md5_member: User, sub: tuple[bytes, bool]
) -> None:
    """Deleting one's account (confirm box plus current password) never answers 500."""
    client.force_login(md5_member)
    exercise(client, "POST", "/members/account/delete/", sub[0], ACCOUNT_TABLES, raw=sub[1])


# --- Newsletter: saved searches, preferences, unsubscribe. ---

NEWSLETTER_TABLES = [
    "leads.SavedSearch",
    "mail.MailPreferences",
    "mail.Suppression",
]
SAVED_SEARCH_FIELDS = {
    "name": ["Robotics in Texas"],
    "include_in_newsletter": ["on", ""],
    "params": [
        "q=robotics&kind=funding_round&country=USA",
        "?q=x",
        "date_from=2026-13-01",
        "kind=nope",
        "amount_min=-5",
        "city=" + "&city=".join(str(i) for i in range(30)),
        "q=%00",
    ],
}


@pytest.mark.clause("L3")
@FUZZ
@given(sub=submissions(SAVED_SEARCH_FIELDS))
def test_saved_search_create_survives_malformed_input(
    member_client: Client, sub: tuple[bytes, bool]
) -> None:
    """Saving a search never answers 500; a refused one saves nothing (L3)."""
    exercise(member_client, "POST", "/leads/searches/new/", sub[0], NEWSLETTER_TABLES, raw=sub[1])


@pytest.mark.clause("L3")
@FUZZ
@given(sub=submissions(SAVED_SEARCH_FIELDS))
def test_saved_search_edit_survives_malformed_input(
    member_client: Client, member: User, sub: tuple[bytes, bool]
) -> None:
    """Editing a saved search never answers 500; a refused edit changes nothing (L3)."""
    search = SavedSearch.objects.filter(member=member).first() or saved_search_create(
        member=member, name="Mine", criteria={"q": ["robotics"]}, include_in_newsletter=True
    )
    url = f"/leads/searches/{search.pk}/edit/"
    exercise(member_client, "POST", url, sub[0], NEWSLETTER_TABLES, raw=sub[1])


WEBHOOK_TABLES = ["api.WebhookEndpoint", "core.AuditEvent"]
WEBHOOK_URLS = [
    "https://crm.example.com/hooks/l411",
    "http://crm.example.com/",
    "https://10.0.0.1/",
    "https://[::1]:99999/",
    "https://user:pw@crm.example.com/",
    "https://münchen.example/x",
    "https://" + "a" * 300 + ".example/",
    "javascript:alert(1)",
]


@pytest.mark.clause("L2")
@FUZZ
@given(data=st.data())
def test_webhook_attach_survives_malformed_input(
    member_client: Client, member: User, data: st.DataObject
) -> None:
    """Attaching a webhook never answers 500; a refused one attaches nothing (issue 16)."""
    search = SavedSearch.objects.filter(member=member).first() or saved_search_create(
        member=member, name="Mine", criteria={"q": ["robotics"]}
    )
    body, raw = data.draw(
        submissions({"saved_search": [str(search.pk), "0", "x"], "url": WEBHOOK_URLS})
    )
    url = "/members/api-tokens/webhooks/"
    exercise(member_client, "POST", url, body, WEBHOOK_TABLES, raw=raw)


@pytest.mark.clause("P5")
@FUZZ
@given(sub=submissions({stream: ["on", "", "false"] for stream in Stream.values}))
def test_mail_preferences_survive_malformed_input(
    member_client: Client, sub: tuple[bytes, bool]
) -> None:
    """The three consent switches never answer 500 (P5)."""
    exercise(
        member_client, "POST", "/newsletter/preferences/", sub[0], NEWSLETTER_TABLES, raw=sub[1]
    )


@st.composite
def unsubscribe_tokens(draw: Callable[..., Any]) -> Callable[[str], str]:
    """A function of the member's key: a valid token, a damaged one, or garbage text."""
    mode = draw(st.sampled_from(["valid", "truncated", "flipped", "garbage", "huge"]))
    stream = draw(st.sampled_from([*Stream.values, "all", "account", "", "\x00"]))
    garbage = draw(st.one_of(unicode_text.filter(bool), st.sampled_from(NASTY_VALUES[1:])))
    cut = draw(st.integers(1, 40))

    def make(key: str) -> str:
        token = unsubscribe_token_make(key=key, stream=stream)
        if mode == "truncated":
            return token[:-cut]
        if mode == "flipped":
            return token[:-1] + ("A" if token[-1] != "A" else "B")
        if mode == "garbage":
            return garbage
        if mode == "huge":
            return token * 200
        return token

    return make


@pytest.mark.clause("P7")
@FUZZ
@given(
    make_token=unsubscribe_tokens(),
    sub=submissions({"List-Unsubscribe": ["One-Click"], "stream": ["daily", "all"]}),
)
def test_unsubscribe_survives_malformed_tokens(
    client: Client, member: User, make_token: Callable[[str], str], sub: tuple[bytes, bool]
) -> None:
    """One-click unsubscribe (POST, no login) with a damaged token answers 400, not 500 (P7)."""
    prefs = mail_preferences_get_or_create(member=member)
    token = make_token(prefs.unsubscribe_key)
    url = "/newsletter/unsubscribe/" + quote_from_bytes(_bytes(token), safe="") + "/"
    exercise(client, "POST", url, sub[0], NEWSLETTER_TABLES, raw=sub[1])


# --- Policy: contact form, conversation reply, notice acknowledgement. ---

POLICY_TABLES = ["contact.Conversation", "contact.Message", "policy.PolicyAcknowledgement"]
CONTACT_FIELDS = {
    "name": ["Visitor Vee", "  "],
    "email": ["vee@example.com", "vee@example.com\r\nBcc: x@example.com"],
    "category": ["other", "breach", "privacy", "nope"],
    "message": ["Hello, please call me back.", "x"],
    "website": ["", "http://spam.example"],
}


@pytest.mark.clause("P1")
@FUZZ
@given(sub=submissions(CONTACT_FIELDS), logged_in=st.booleans())
def test_contact_form_survives_malformed_input(
    client: Client, member: User, sub: tuple[bytes, bool], logged_in: bool
) -> None:
    """The contact form, for visitors and members, never answers 500 (P1)."""
    if logged_in:
        client.force_login(member)
    else:
        client.logout()
    exercise(client, "POST", "/contact/", sub[0], POLICY_TABLES, raw=sub[1])


@pytest.mark.clause("P1")
@FUZZ
@given(sub=submissions({"message": ["Thanks, that answers it."]}))
def test_conversation_reply_survives_malformed_input(
    member_client: Client, member: User, sub: tuple[bytes, bool]
) -> None:
    """A member's answer in their conversation with staff never answers 500 (P1)."""
    conversation = member.conversations.first() or conversation_start(  # type: ignore[attr-defined]  # reverse FK
        user=member, name="Mia", email=member.email, category="other", body="Hello there"
    )
    url = f"/contact/conversations/{conversation.pk}/"
    exercise(member_client, "POST", url, sub[0], POLICY_TABLES, raw=sub[1])


@pytest.mark.clause("P15")
@FUZZ
@given(
    sub=submissions(
        {
            "version": ["1", "2", "0", "-3", "99999999999999999999"],
            "next": ["/leads/", "//evil.example"],
        }
    )
)
def test_policy_acknowledge_survives_malformed_input(
    member_client: Client, sub: tuple[bytes, bool]
) -> None:
    """The notice banner's "I have read it" button never answers 500 (P15)."""
    if not PolicyVersion.objects.filter(number=1).exists():
        version = PolicyVersion.objects.create(number=1, body="# Privacy\n\nWe keep little.")
        policy_version_publish(actor=None, version=version, notify_by_email=False)
        PolicyVersion.objects.create(number=2, body="# Draft")
    exercise(member_client, "POST", "/privacy/acknowledge/", sub[0], POLICY_TABLES, raw=sub[1])


# --- Leads: search and CSV export (GET parameters). ---

SEARCH_FIELDS = {
    "q": ["robotics", "robot*", '"series a" OR -foo', "AND"],
    "kind": ["funding_round", "acquisition", "nope"],
    "round_type": ["seed", "venture"],
    "category": ["Software"],
    "country": ["USA", "CAN"],
    "region": ["TX"],
    "city": ["Austin"],
    "date_from": ["2014-01-01", "2014-13-01"],
    "date_to": ["2014-12-31", "2013-01-01"],
    "amount_min": ["1000000", "1e3", "-1", "1.005"],
    "amount_max": ["5", "99999999999999999999"],
    "sort": ["relevance", "date", "amount", "random"],
    "page": ["1", "2", "0", "100000", "1.5"],
}
LEADS_TABLES = ["leads.TriggerEvent", "leads.Company", "leads.SavedSearch"]


@pytest.mark.clause("L2")
@FUZZ
@given(sub=submissions(SEARCH_FIELDS))
def test_lead_search_survives_malformed_parameters(
    member_client: Client, sub: tuple[bytes, bool]
) -> None:
    """The search page answers 200 or 400 with the form's errors, never 500 (L2)."""
    exercise(member_client, "GET", "/leads/", sub[0], LEADS_TABLES, raw=sub[1])


@pytest.mark.clause("L2")
@FUZZ
@given(sub=submissions(SEARCH_FIELDS))
def test_lead_export_survives_malformed_parameters(
    member_client: Client, sub: tuple[bytes, bool]
) -> None:
    """The CSV export, read to its end, never fails (L2)."""
    exercise(member_client, "GET", "/leads/export.csv", sub[0], LEADS_TABLES, raw=sub[1])


# --- Staff: web-log dashboard, report builder and release. ---

DATES = ["2026-03-01", "2026-03-31", "2016-03-01", "2099-01-01", "2026-02-29"]


@pytest.mark.clause("P2")
@FUZZ
@given(
    sub=submissions({"start": DATES, "end": DATES}),
    table=st.sampled_from(["days", "weeks", "months", "page", "browser", "nope"]),
)
def test_weblog_dashboard_survives_malformed_dates(
    client: Client, staff: User, sub: tuple[bytes, bool], table: str
) -> None:
    """The staff web-log dashboard and its CSV downloads never answer 500 (P2)."""
    client.force_login(staff)
    exercise(client, "GET", "/staff/weblog/", sub[0], ["weblog.PageView"], raw=sub[1])
    exercise(client, "GET", f"/staff/weblog/export/{table}.csv", sub[0], [], raw=sub[1])


REPORT_FIELDS = {
    "kind": ["members_by_industry", "pageviews_by_section", "visit_distribution", "nope"],
    "start": DATES,
    "end": DATES,
}
RELEASE_FIELDS = {
    **REPORT_FIELDS,
    "recipient": ["Acme Research"],
    "purpose": ["Market study"],
    "epsilon": ["", "0.5", "0", "11", "nan", "inf", "1e-400"],
}
REPORT_TABLES = ["reports.Disclosure", "reports.DisclosureFile", "reports.Recipient"]


@pytest.fixture
def report_staff(staff: User, settings: Any, tmp_path: Any) -> User:
    """Staff allowed to build and release reports; released files go to a temporary dir."""
    settings.VAR_DIR = tmp_path
    staff.user_permissions.add(Permission.objects.get(codename="release_report"))
    return staff


@pytest.mark.clause("P14")
@FUZZ
@given(sub=submissions(REPORT_FIELDS))
def test_report_builder_survives_malformed_input(
    client: Client, report_staff: User, sub: tuple[bytes, bool]
) -> None:
    """The report builder's GET form never answers 500 (P14)."""
    client.force_login(report_staff)
    exercise(client, "GET", "/staff/reports/", sub[0], REPORT_TABLES, raw=sub[1])


@pytest.mark.clause("P14")
@FUZZ
@given(sub=submissions(RELEASE_FIELDS))
def test_report_release_survives_malformed_input(
    client: Client, report_staff: User, sub: tuple[bytes, bool]
) -> None:
    """A release request never answers 500; a refused one registers nothing (P14)."""
    client.force_login(report_staff)
    exercise(client, "POST", "/staff/reports/release/", sub[0], REPORT_TABLES, raw=sub[1])


# --- Staff: member activity, newsletter preview, EDGAR review (issue 17). ---

PREVIEW_FIELDS = {
    "email": ["member@example.com", "nobody@example.com", "MEMBER@EXAMPLE.COM"],
    "date": ["2026-03-02", "2026-02-30", "1900-01-01", "9999-12-31", "2026-3-2"],
    "part": ["text", "html", "nope"],
}
PREVIEW_DATES = ["2026-03-02", "2026-02-30", "99999-01-01", "0000-00-00", "x", "2026-03-02%00"]


@pytest.mark.clause("L4")
@FUZZ
@given(
    sub=submissions(PREVIEW_FIELDS),
    member_id=st.sampled_from(["0", "99999999999999999999999", "self"]),
    date=st.one_of(st.sampled_from(PREVIEW_DATES), unicode_text),
)
def test_newsletter_preview_survives_malformed_input(
    client: Client,
    member: User,
    superuser: User,
    sub: tuple[bytes, bool],
    member_id: str,
    date: str,
) -> None:
    """The staff newsletter preview, its form and the raw body by member and date, never 500."""
    client.force_login(superuser)
    exercise(client, "GET", "/newsletter/preview/", sub[0], NEWSLETTER_TABLES, raw=sub[1])
    who = str(member.pk) if member_id == "self" else member_id
    day = quote_from_bytes(_bytes(date), safe="") or "x"
    url = f"/newsletter/preview/{who}/{day}/"
    exercise(client, "GET", url, sub[0], NEWSLETTER_TABLES, raw=sub[1])


@pytest.mark.clause("P8")
@FUZZ
@given(
    sub=submissions({"page": ["1", "2", "0", "-1", "last", "99999999999999999999999", "1.5"]}),
    member_id=st.sampled_from(["0", "99999999999999999999999", "self"]),
)
def test_member_activity_pages_survive_malformed_input(
    client: Client, member: User, superuser: User, sub: tuple[bytes, bool], member_id: str
) -> None:
    """The team's member-activity overview (paged) and one member's page never answer 500."""
    client.force_login(superuser)
    exercise(client, "GET", "/staff/activity/", sub[0], [], raw=sub[1])
    who = str(member.pk) if member_id == "self" else member_id
    exercise(client, "GET", f"/staff/activity/{who}/", sub[0], [], raw=sub[1])


REVIEW_TABLES = ["edgar.MatchReview", "leads.Company", "leads.TriggerEvent"]


@pytest.fixture
def match_review(db: None) -> Any:
    """An open EDGAR review: a new "Quill Fuzz, Inc." of Boston beside one of Austin."""
    from django.utils import timezone

    from lead411.leads.matching import normalize_company_name
    from lead411.leads.models import Company
    from lead411.leads.sources.edgar.models import MatchReview

    now = timezone.now()
    known, new = (
        Company.objects.create(
            name="Quill Fuzz, Inc.",
            normalized_name=normalize_company_name("Quill Fuzz, Inc."),
            city=city,
            region="TX",
            country_code="USA",
            source="test",
            source_key=f"quill-{city}",
            imported_at=now,
            updated_at=now,
        )
        for city in ("Austin", "Boston")
    )
    review = MatchReview.objects.create(
        company=new, accession="0009999903-25-000001", reason="same name", created_at=now
    )
    review.candidates.add(known)
    return review


@pytest.mark.clause("L5")
@FUZZ
@given(
    data=st.data(),
    decision=st.sampled_from(["merge", "keep"]),
    object_id=st.sampled_from(["self", "0", "abc", "99999999999999999999999", "%00", "1e9"]),
)
def test_edgar_review_decisions_survive_malformed_input(
    client: Client,
    superuser: User,
    match_review: Any,
    data: st.DataObject,
    decision: str,
    object_id: str,
) -> None:
    """The EDGAR review queue's merge and keep buttons, with any candidate or review id, never 500."""
    client.force_login(superuser)
    candidate = str(match_review.candidates.get().pk)
    fields = {
        "candidate": [candidate, str(match_review.company_id), "0", "99999999999999999999999"]
    }
    body, raw = data.draw(submissions(fields), label="body")
    review_id = str(match_review.pk) if object_id == "self" else object_id
    url = f"/admin/edgar/matchreview/{review_id}/{decision}/"
    exercise(client, "POST", url, body, REVIEW_TABLES, raw=raw)
    exercise(client, "GET", "/admin/edgar/matchreview/", body, [], raw=raw)


# --- Staff: every admin list (filters, search, ordering, paging) and object page. ---

# Values each kind of filter cannot take, next to good ones so that some queries run.
FILTER_VALUES = {
    "date part": ["2026", "99999", "0", "-1", "13", "40", "x"],
    "date": ["2026-03-01", "2026-02-30", "99999-01-01", "0000-00-00", "2026-03-01 25:00"],
    "id": ["1", "0", "-1", "99999999999999999999999", "abc", "1,2,x", "1.5"],
    "value": ["1", "0", "True", "x", "99999999999999999999999", "1,2,x", ""],
    "admin": ["1", "-1", "x", "99", "1.2.x", "id", "password", ""],
}
ADMIN_PARAMETERS = ["o", "p", "q", "all", "e", "_to_field", "_popup", "_changelist_filters"]


def admin_lists() -> list[tuple[str, dict[str, list[str]]]]:
    """Return (changelist URL, {kind of filter: its query parameters}) of every admin list.

    The parameters are each concrete field's filters as the admin's own filter links
    spell them (``created_at__year``, ``user__id__exact``, ``status__exact``,
    ``__isnull``, ``__in``), by kind (``FILTER_VALUES``), and the admin's ordering,
    paging, search and popup parameters.
    """
    from django.contrib import admin

    pages = []
    for model in admin.site._registry:
        kinds: dict[str, list[str]] = {kind: [] for kind in FILTER_VALUES}
        kinds["admin"] = list(ADMIN_PARAMETERS)
        for field in model._meta.concrete_fields:
            name = field.name
            kinds["value"] += [name, f"{name}__exact", f"{name}__isnull", f"{name}__in"]
            if field.get_internal_type() in ("DateField", "DateTimeField"):
                kinds["date part"] += [f"{name}__year", f"{name}__month", f"{name}__day"]
                kinds["date"] += [f"{name}__gte", f"{name}__lt", f"{name}__date"]
            if field.is_relation or field.primary_key:
                kinds["id"] += [f"{name}__id__exact", f"{name}__pk__exact", "pk", f"{name}__in"]
        meta = model._meta
        pages.append((f"/admin/{meta.app_label}/{meta.model_name}/", kinds))
    return sorted(pages, key=lambda page: page[0])


@st.composite
def admin_queries(draw: Callable[..., Any], kinds: dict[str, list[str]]) -> bytes:
    """Return a query string of one to three filters, each of a kind drawn first.

    Drawing the kind before the parameter gives the rare kinds (a date's year, an id)
    as many chances as the many plain fields; the value is one that kind cannot take
    (or a good one), else random or huge text.
    """
    pairs = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(sorted(k for k, names in kinds.items() if names)))
        name = draw(st.sampled_from(kinds[kind]))
        value = draw(st.one_of(st.sampled_from(FILTER_VALUES[kind]), field_values([])))
        pairs.append((name, value))
    return encode(pairs)


@pytest.mark.clause("P9")
@settings(FUZZ, max_examples=EXAMPLES * 3)
@given(data=st.data())
def test_admin_lists_survive_impossible_filters(
    client: Client, superuser: User, data: st.DataObject
) -> None:
    """Issue 17: ``?created_at__year=99999`` answered 500 on an admin list.

    Every admin list gets filters, ordering, paging and search with impossible values
    (the changelist's filters are staff's search form); none may answer 500.
    """
    client.force_login(superuser)
    url, kinds = data.draw(st.sampled_from(admin_lists()), label="admin list")
    exercise(client, "GET", url, data.draw(admin_queries(kinds), label="query"), [], raw=False)


ADMIN_IDS = ["0", "-1", "abc", "99999999999999999999999", "1e9", "%00", "%D9%A1", "a%2Fb"]


@pytest.mark.clause("P9")
def test_admin_object_pages_survive_impossible_ids(client: Client, superuser: User) -> None:
    """Issue 17: an id beyond the column's integers answered 500 on an admin object page.

    Every admin model's change page with each impossible id, and its delete and history
    pages with the id beyond range: none may answer 500.
    """
    client.force_login(superuser)
    for url, _kinds in admin_lists():
        for object_id in ADMIN_IDS:
            exercise(client, "GET", f"{url}{object_id}/change/", b"", [], raw=False)
        for view in ("delete", "history"):
            exercise(client, "GET", f"{url}{ADMIN_IDS[3]}/{view}/", b"", [], raw=False)


def test_admin_fuzz_reaches_every_admin_list_with_date_filters() -> None:
    """The generated parameters cover the filter of the issue and every registered list."""
    from django.contrib import admin

    pages = dict(admin_lists())
    assert len(pages) == len(admin.site._registry) >= 20
    assert "created_at__year" in pages["/admin/mail/suppression/"]["date part"]


def test_impossible_admin_filters_and_ids_are_a_400(client: Client, superuser: User) -> None:
    """Issue 17, the cases found: a year past 9999 and an id beyond the column's integers.

    An id past the column's integers is a 400 where the database cannot compare it
    (SQLite overflows); on PostgreSQL Django knows no row can match, so the list is empty
    and the change page redirects as for any missing object.
    """
    client.force_login(superuser)
    for url in (
        "/admin/mail/suppression/?created_at__year=99999",
        "/admin/newsletter/newsletterissue/?date__year=99999",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "Bad request" in response.content.decode()
    listed = client.get("/admin/mail/mailpreferences/?pk=99999999999999999999999")
    changed = client.get("/admin/mail/mailpreferences/99999999999999999999999/change/")
    if connection.vendor == "postgresql":
        assert listed.status_code == 200
        assert listed.context["cl"].result_count == 0
        assert changed.status_code == 302
    else:
        assert (listed.status_code, changed.status_code) == (400, 400)
    assert client.get("/admin/mail/suppression/?created_at__year=2026").status_code == 200


# --- Regression examples: inputs that once answered HTTP 500. ---


def test_fuzz_helpers_encode_lone_surrogates_as_invalid_utf8() -> None:
    """The body builder sends a lone surrogate as the bytes ED A0 80 (invalid UTF-8)."""
    assert encode([("name", "a\ud800")]) == b"name=a%ED%A0%80"
    assert encode([("a", "1&b=2")], raw=True) == b"a=1&b=2"


def test_rejected_sees_form_errors(client: Client, db: None) -> None:
    """A re-rendered form with errors counts as rejected; a redirect does not."""
    response = client.post("/members/change-request/", {"name": "x"})
    assert response.status_code == 200
    assert rejected(response)
    assert not rejected(client.get("/accounts/login/"))


@pytest.mark.clause("P15")
@pytest.mark.parametrize("next_value", ["a", "admin:index", "a" * 1000, "privacy"])
def test_acknowledge_with_a_bare_word_as_next_goes_to_the_policy(
    member_client: Client, next_value: str
) -> None:
    """Regression: ``next=a`` was tried as a URL name (NoReverseMatch, HTTP 500)."""
    version = PolicyVersion.objects.create(number=1, body="# Privacy")
    policy_version_publish(actor=None, version=version, notify_by_email=False)
    response = member_client.post("/privacy/acknowledge/", {"version": "1", "next": next_value})
    assert response.status_code == 302
    assert response["Location"] == "/privacy/"
