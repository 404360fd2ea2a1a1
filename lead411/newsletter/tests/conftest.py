"""Fixtures of the newsletter tests: a real SMTP server on loopback, leads, members."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from lead411.accounts.models import User
from lead411.core import clock
from lead411.leads.tests.factories import CompanyFactory, TriggerEventFactory

from .smtp_sink import Sink


@pytest.fixture
def smtp_sink(settings: Any) -> Iterator[Sink]:
    """An aiosmtpd server on 127.0.0.1 with Django's SMTP backend pointed at it."""
    with Sink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        yield sink


@pytest.fixture
def https_site(settings: Any) -> str:
    settings.SITE_URL = "https://leads.example.com"
    return settings.SITE_URL


def make_member(email: str, first_name: str = "") -> User:
    return User.objects.create_user(email, None, first_name=first_name)


def new_event(**fields: Any) -> Any:
    """A trigger event imported five minutes ago by the project clock (new for the newsletter)."""
    company = fields.pop("company", None) or CompanyFactory(
        name=fields.pop("company_name", "Acme Robotics"),
        categories=fields.pop("categories", ["Software"]),
        **{k: fields.pop(k) for k in ("country_code", "region", "city") if k in fields},
    )
    fields.setdefault("imported_at", clock.now() - dt.timedelta(minutes=5))
    return TriggerEventFactory(company=company, **fields)
