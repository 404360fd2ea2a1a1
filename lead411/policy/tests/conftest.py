"""Fixtures of the policy app's tests: published versions and a clean rate-limit cache."""

from collections.abc import Callable

import pytest
from django.core.cache import cache

from lead411.policy.models import PolicyVersion
from lead411.policy.services import policy_version_publish


@pytest.fixture(autouse=True)
def _clear_cache():
    """The contact form's rate limit lives in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_version(db) -> Callable[..., PolicyVersion]:
    """Return a factory: ``make_version(number, body, publish=True, **fields)``."""

    def _make(number: int, body: str, *, publish: bool = True, **fields: object) -> PolicyVersion:
        version = PolicyVersion.objects.create(number=number, body=body, **fields)
        if publish:
            version = policy_version_publish(actor=None, version=version, notify_by_email=False)
        return version

    return _make
