"""Every HTML page a visitor or member can open uses the site's layout (issue 17).

Walks every URL pattern (``tests.security.test_url_walk.ROUTES``, read from the resolver,
so a new route is walked without editing this file) with GET as an anonymous visitor and
as a member, following redirects; a 200 text/html answer must carry base.html's marker
(``<body ... data-layout="site">``). allauth's pages must also sit in the site's column.
"""

from typing import Any

import pytest
from django.test import Client

from tests.security.test_url_walk import ROUTES

MARKER = 'data-layout="site"'
# Pages with their own layout on purpose, each with its reason.
OWN_LAYOUT = {
    # The API reference is django-ninja's self-contained page (docs without scripts).
    "api-docs",
}
# The Django admin has its own layout for staff; it is not the member site.
ADMIN_PREFIX = "admin/"


def _pages_without_layout(client: Client) -> tuple[int, list[tuple[str, str]]]:
    """Return how many HTML pages answered 200, and those without the marker."""
    checked, missing = 0, []
    for route in ROUTES:
        if route.pattern.startswith(ADMIN_PREFIX) or route.name in OWN_LAYOUT:
            continue
        response: Any = client.get(route.path(), follow=True)
        if response.status_code != 200:
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        final = response.redirect_chain[-1][0] if response.redirect_chain else route.path()
        if final.startswith("/" + ADMIN_PREFIX):
            continue
        checked += 1
        if MARKER not in response.content.decode():
            missing.append((route.pattern, final))
    return checked, missing


@pytest.mark.clause("P4")
@pytest.mark.django_db
def test_every_page_uses_the_site_layout_for_visitors(client):
    checked, missing = _pages_without_layout(client)
    assert missing == []
    assert checked >= 30, "the walk reached the pages"


@pytest.mark.clause("P4")
@pytest.mark.django_db
def test_every_page_uses_the_site_layout_for_members(member_client):
    checked, missing = _pages_without_layout(member_client)
    assert missing == []
    assert checked >= 30, "the walk reached the pages"


ACCOUNT_PAGES = {
    "/accounts/confirm-email/": "anon",
    "/accounts/confirm-email/not-a-key/": "anon",
    "/accounts/password/reset/": "anon",
    "/accounts/password/reset/done/": "anon",
    "/accounts/password/reset/key/1-not-a-key/": "anon",
    "/accounts/email/": "member",
    "/accounts/reauthenticate/": "member",
    "/accounts/logout/": "member",
    "/accounts/password/change/": "member",
}


@pytest.mark.clause("P4")
@pytest.mark.django_db
@pytest.mark.parametrize(("url", "who"), sorted(ACCOUNT_PAGES.items()))
def test_account_pages_sit_in_the_site_column_with_site_buttons(client, member, url, who):
    if who == "member":
        client.force_login(member)
    response = client.get(url, follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert MARKER in page
    assert '<div class="container narrow account-page">' in page
    assert "<button>" not in page.replace(" ", ""), "no browser-default buttons"


@pytest.mark.clause("P4")
@pytest.mark.django_db
def test_every_staff_tool_page_uses_the_site_layout(client, superuser):
    """Issue 17: the staff tools outside the admin (web log, reports, member activity,
    newsletter preview) are pages of the site too."""
    client.force_login(superuser)
    checked, missing = _pages_without_layout(client)
    assert missing == []
    assert checked >= 35, "the walk reached the staff pages as well"
