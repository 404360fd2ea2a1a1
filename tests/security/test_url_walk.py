"""Walk every URL pattern of the site as an attacker would (issue 8, "Security").

The walk reads ``django.urls.get_resolver()``, so a route added later is walked without
editing this file. For each route it fills the path parameters with a sample value and
checks that:

* anonymous visitors are refused member and staff pages (a redirect to the login page,
  403 or 404; never a 200 with the page);
* every view that accepts POST needs a CSRF token (only the RFC 8058 one-click
  unsubscribe is exempt), and a GET of any page writes nothing but the counters;
* a member gets a refusal (403/404, or a redirect to the login page for the staff pages)
  for member B's saved searches and conversations and for staff-only previews;
* garbage in a path parameter is never an HTTP 500.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

# Routes anyone may open. Keys are URL names (namespace:name); allauth's are un-namespaced.
PUBLIC_NAMES = {
    "healthz",
    "robots-txt",
    "favicon",
    "pages:home",
    "pages:about",
    "pages:privacy",
    "pages:contact",
    "policy:privacy",
    "policy:version",
    "policy:diff",
    "contact:contact",
    "contact:contact-sent",
    "mail:unsubscribe",
    "accounts:stolen-password",
    "accounts:stolen-password-link",
    "accounts:change-request",
    "accounts:suspended",
    "accounts:application",
    # Logs nobody out for an anonymous visitor: it sends them to the admin's login.
    "admin:logout",
    # The API's description and reference page (lead411.api); the data needs a token.
    "api:openapi-json",
    "api-docs",
}
# allauth pages that are for logged-out people by design (login, sign-up, password reset...).
PUBLIC_PREFIXES = ("/accounts/",)
# The one view that takes a POST without a CSRF token: RFC 8058 one-click unsubscribe,
# which mail clients send without cookies; its signed token is the authorisation.
CSRF_EXEMPT_NAMES = {"mail:unsubscribe"}
# The REST API authenticates by bearer token only, never by cookie, so a cross-site request
# carries no credential and CSRF cannot apply (OWASP CSRF cheat sheet); it refuses with 401.
API_NAMESPACE = "api:"
# Tables a page view may write to: session, counters, logs and allauth's rate limits.
GET_MAY_WRITE = {
    "sessions.session",
    "activity.dailyactivity",
    "activity.memberday",
    "weblog.pageview",
    "django_q.task",
    "core.auditevent",
    # A member's default mail preferences row, created once on first view (get_or_create).
    "mail.mailpreferences",
}
REFUSED = {301, 302, 400, 403, 404, 405}
GARBAGE_STRINGS = ["x", "0", "-1", "%2e%2e%2fetc", "'\"<svg>", "a" * 300, "%00", "2026-13-45"]
GARBAGE_INTS = ["0", "99999999999999999999", "2147483648"]


@dataclass(frozen=True)
class Route:
    """One URL pattern: its name, a sample path and the converters of its parameters."""

    name: str
    pattern: str
    callback: Any

    def path(self, **values: str) -> str:
        """Return the route's path with each ``<conv:name>`` replaced by ``values`` or a sample."""

        def fill(match: re.Match[str]) -> str:
            converter, param = match.group(1) or "str", match.group(2)
            if param in values:
                return values[param]
            return "999999" if converter == "int" else "sample"

        return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, self.pattern)

    def params(self) -> list[tuple[str, str]]:
        """Return ``(converter, name)`` for each path parameter."""
        return [(c or "str", n) for c, n in re.findall(r"<(?:(\w+):)?(\w+)>", self.pattern)]


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in resolver.url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from _walk(entry, prefix + route, ns)
        elif isinstance(entry, URLPattern):
            if route.startswith("^") or "(?P" in route:  # regex routes (admin's catch-all)
                continue
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            yield Route(name=name, pattern=prefix + route, callback=entry.callback)


ROUTES = sorted({r.pattern: r for r in _walk(get_resolver())}.values(), key=lambda r: r.pattern)
APP_ROUTES = [r for r in ROUTES if not r.pattern.startswith("admin/")]


def _is_public(route: Route) -> bool:
    return route.name in PUBLIC_NAMES or route.path().startswith(PUBLIC_PREFIXES)


def _to_login(response: Any) -> bool:
    return response.status_code in (301, 302) and "/login/" in response.get("Location", "")


@pytest.fixture
def anon() -> Client:
    """An anonymous client that enforces CSRF and returns 500s instead of raising."""
    return Client(enforce_csrf_checks=True, raise_request_exception=False)


@pytest.fixture
def member_a(member) -> Client:
    """Member A, logged in, with CSRF checks."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(member)
    return client


@pytest.fixture
def other_member(db) -> Any:
    """Member B, whose things member A must not reach."""
    from lead411.accounts.models import User

    return User.objects.create_user("bob.other@example.com", "another long password 2026 b")


def test_the_walk_sees_every_app() -> None:
    """The walk covers the routes of every app (guards against an empty or partial walk)."""
    names = {r.name.split(":")[0] for r in ROUTES if ":" in r.name}
    assert {"leads", "newsletter", "policy", "accounts", "pages", "admin"} <= names
    assert len(ROUTES) > 40


@pytest.mark.clause("L2")
@pytest.mark.django_db
def test_anonymous_visitors_are_refused_member_and_staff_pages(anon: Client) -> None:
    """GET and POST of every member or staff route, anonymously: a login redirect, 403 or 404."""
    wrong = []
    for route in (r for r in ROUTES if not _is_public(r)):
        for method in (anon.get, anon.post):
            response = method(route.path())
            status = response.status_code
            if route.name.startswith(API_NAMESPACE) and status == 401:
                continue  # the API's refusal: no bearer token
            if status not in REFUSED or (status in (301, 302) and not _to_login(response)):
                wrong.append((method.__name__, route.pattern, status, response.get("Location")))
    assert wrong == []


@pytest.mark.django_db
def test_public_routes_answer_anonymous_visitors_without_error(anon: Client) -> None:
    """Every public route answers an anonymous GET without a server error."""
    errors = [r.pattern for r in ROUTES if _is_public(r) and anon.get(r.path()).status_code >= 500]
    assert errors == []


def test_only_the_one_click_unsubscribe_is_csrf_exempt() -> None:
    """No view but RFC 8058's one-click unsubscribe skips the CSRF check."""
    exempt = {r.name for r in ROUTES if getattr(r.callback, "csrf_exempt", False)}
    assert {n for n in exempt if not n.startswith(API_NAMESPACE)} == CSRF_EXEMPT_NAMES


@pytest.mark.django_db
def test_a_post_without_csrf_token_is_refused(member_a: Client) -> None:
    """A logged-in member's POST without a token gets 403 on every route (or 404/405)."""
    wrong = []
    for route in (r for r in ROUTES if r.name not in CSRF_EXEMPT_NAMES):
        response = member_a.post(route.path(), {"name": "x", "q": "x"})
        # The API ignores the session cookie: without a token it is 401 (see API_NAMESPACE).
        api_refused = route.name.startswith(API_NAMESPACE) and response.status_code == 401
        if response.status_code not in (403, 404, 405) and not api_refused:
            wrong.append((route.pattern, response.status_code))
    assert wrong == []


def _row_counts() -> dict[str, int]:
    return {m._meta.label_lower: m._default_manager.count() for m in apps.get_models()}


@pytest.mark.django_db
def test_a_get_of_any_page_writes_nothing_but_counters(member_a: Client, staff) -> None:
    """GET every route as a member and as staff: no table changes size but sessions, counters, logs."""
    staff_client = Client(raise_request_exception=False)
    staff_client.force_login(staff)
    before = _row_counts()
    for route in APP_ROUTES:
        for client in (member_a, staff_client):
            response = client.get(route.path())
            assert response.status_code != 500, route.pattern
    after = _row_counts()
    changed = {k for k in before if before[k] != after[k]} - GET_MAY_WRITE
    assert changed == set()


@pytest.mark.django_db
def test_garbage_path_parameters_are_never_a_500(member_a: Client, staff) -> None:
    """Odd values in every path parameter of the site's routes, as member and staff: no 500.

    The admin's ~160 generated routes get one odd value each (Django's own code).
    """
    staff_client = Client(raise_request_exception=False)
    staff_client.force_login(staff)
    errors = []
    for route in (r for r in ROUTES if r.params()):
        admin = route.pattern.startswith("admin/")
        for client in (staff_client,) if admin else (member_a, staff_client):
            for converter, name in route.params():
                values = GARBAGE_INTS if converter == "int" else GARBAGE_STRINGS
                for value in values[:1] if admin else values:
                    if client.get(route.path(**{name: value})).status_code >= 500:
                        errors.append((route.pattern, name, value))
    assert errors == []


@pytest.mark.clause("P8")
@pytest.mark.django_db
def test_member_a_cannot_read_or_change_member_bs_saved_search(
    member_a: Client, other_member
) -> None:
    """Member B's saved search: A's GET, POST edit and POST delete are all 404; it is unchanged."""
    from lead411.leads.models import SavedSearch
    from lead411.leads.services import saved_search_create

    theirs = saved_search_create(
        member=other_member, name="B's secret", criteria={"q": ["biotech"]}
    )
    member_a.get("/leads/searches/")  # sets the CSRF cookie, as a browser gets it
    token = member_a.cookies["csrftoken"].value
    for path in (
        f"/leads/searches/{theirs.pk}/edit/",
        f"/leads/searches/{theirs.pk}/delete/",
    ):
        assert member_a.get(path).status_code == 404, path
        response = member_a.post(path, {"csrfmiddlewaretoken": token, "name": "pwned", "q": "x"})
        assert response.status_code == 404, path
    listing = member_a.get("/leads/searches/")
    assert "B&#x27;s secret" not in listing.content.decode()
    assert "B's secret" not in listing.content.decode()
    theirs.refresh_from_db()
    assert theirs.name == "B's secret"
    assert SavedSearch.objects.filter(pk=theirs.pk).exists()


@pytest.mark.clause("P10")
@pytest.mark.django_db
def test_member_a_cannot_read_member_bs_conversation(member_a: Client, other_member) -> None:
    """Member B's contact conversation is 404 for member A and absent from A's list."""
    from lead411.contact.services import conversation_start

    theirs = conversation_start(
        user=other_member,
        name="Bob",
        email=other_member.email,
        category="privacy",
        body="Private question about my data",
    )
    assert member_a.get(f"/contact/conversations/{theirs.pk}/").status_code == 404
    assert "Private question" not in member_a.get("/contact/conversations/").content.decode()


@pytest.mark.django_db
def test_a_member_cannot_open_staff_previews_of_another_members_newsletter(
    member_a: Client, other_member
) -> None:
    """The staff newsletter previews refuse a member (login redirect, never the letter)."""
    for path in (
        f"/newsletter/preview/{other_member.pk}/2015-01-02/",
        "/newsletter/preview/",
        "/staff/activity/",
        f"/staff/activity/{other_member.pk}/",
        "/staff/weblog/",
        "/staff/reports/",
    ):
        response = member_a.get(path)
        assert response.status_code in (302, 403, 404), path
        if response.status_code == 302:
            assert "login" in response["Location"], path
