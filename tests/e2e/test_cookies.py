"""The cookies a real browser receives are the ones the personal-data registry declares
(issue 17, clauses P4 and P15): the policy and "What we record about you" list them from
that registry, so what they say is what Chromium gets."""

from typing import Any

import pytest

from lead411.core.privacy_registry import cookies
from tests.e2e.conftest import log_in
from tests.e2e.personas import MEMBER


@pytest.mark.clause("P15")
def test_the_browser_receives_exactly_the_declared_cookies(page: Any) -> None:
    """A visitor reads public pages, logs in, saves a search and logs out; every
    Set-Cookie name seen on the way is declared, and every declared cookie is seen."""
    seen: set[str] = set()

    def collect(response: Any) -> None:
        for header in response.headers_array():
            if header["name"].lower() == "set-cookie":
                seen.add(header["value"].split("=", 1)[0].strip())

    page.on("response", collect)
    for path in ("/", "/about/", "/privacy/", "/contact/"):
        page.goto(path)
    log_in(page, email_address=MEMBER.email, password=MEMBER.password)
    page.goto("/me/activity/")
    listed = page.locator("#cookies tbody th code").all_inner_texts()
    page.get_by_role("button", name="Log out").first.click()
    page.wait_for_load_state()

    declared = {c.name for c in cookies()}
    assert seen == declared
    assert set(listed) == declared
