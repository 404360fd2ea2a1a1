"""Fixtures for the accounts tests."""

import re

import pytest
from django.core.cache import cache

from conftest import PASSWORD


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth keeps rate-limit counters in the cache; start each test from zero."""
    cache.clear()
    yield
    cache.clear()


def signup_data(**overrides: str) -> dict[str, str]:
    """Return a complete, valid sign-up (application) POST body."""
    data = {
        "email": "new.applicant@example.com",
        "password1": "plum tractor seventeen lanterns",
        "first_name": "Nora",
        "last_name": "Newcomer",
        "company": "Northwind Traders",
        "job_title": "VP Sales",
        "telephone": "+1 555 0142",
        "industry": "Logistics",
        "company_size": "51-200",
        "country": "United States",
    }
    data.update(overrides)
    return data


def links_in(body: object) -> list[str]:
    """Return the http(s) URLs in an email body."""
    return re.findall(r"https?://\S+", str(body))


def login(client, email: str, password: str = PASSWORD, remember: bool = False):
    """Log in through allauth's form (not force_login), so sessions are real logins."""
    data = {"login": email, "password": password}
    if remember:
        data["remember"] = "on"
    return client.post("/accounts/login/", data)
