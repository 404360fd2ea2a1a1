"""Minimisation helpers (clause P2)."""

import pytest

from lead411.weblog.privacy import (
    clean_path,
    clean_referrer,
    is_page_path,
    minimise_ip,
    visitor_hash,
)


@pytest.mark.clause("P2")
@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("192.0.2.77", "192.0.2.0/24"),
        ("2001:db8:abcd:12::1", "2001:db8:abcd::/48"),
        ("::ffff:198.51.100.23", "198.51.100.0/24"),
        ("not-an-ip", ""),
        ("", ""),
    ],
)
def test_minimise_ip_keeps_only_the_network(ip, expected):
    assert minimise_ip(ip) == expected


@pytest.mark.clause("P2")
def test_visitor_hash_depends_on_the_day_salt():
    one = visitor_hash(ip="192.0.2.77", user_agent="UA", day_salt=b"a" * 32)
    assert one == visitor_hash(ip="192.0.2.77", user_agent="UA", day_salt=b"a" * 32)
    assert one != visitor_hash(ip="192.0.2.77", user_agent="UA", day_salt=b"b" * 32)
    assert one != visitor_hash(ip="192.0.2.78", user_agent="UA", day_salt=b"a" * 32)
    assert len(one) == 16
    assert "192" not in one or all(c in "0123456789abcdef" for c in one)


@pytest.mark.clause("P2")
def test_clean_path_drops_query_values_outside_the_allowlist():
    allow = frozenset({"utm_source"})
    assert clean_path("/p?utm_source=x&email=a@b.c", allowlist=allow) == "/p?utm_source=x"
    assert clean_path("/p?session=abc", allowlist=allow) == "/p"
    assert clean_path("/p?utm_source=x", allowlist=frozenset()) == "/p"


@pytest.mark.clause("P2")
def test_clean_referrer_keeps_scheme_host_and_path():
    assert clean_referrer("https://www.Google.com/search?q=me#x") == (
        "https://www.google.com/search",
        "www.google.com",
        "Google",
    )
    assert clean_referrer("http://example.org:8080/a?id=1") == (
        "http://example.org/a",
        "example.org",
        "",
    )
    assert clean_referrer("-") == ("", "", "")
    assert clean_referrer("javascript:alert(1)") == ("", "", "")


def test_static_assets_are_not_pages():
    assert is_page_path("/about/")
    assert not is_page_path("/static/site.css?v=2")
    assert not is_page_path("/img/logo.PNG")
