"""factory_boy factories for the disclosure register: recipients, releases, archived files.

The register is written by ``services.report_release`` in production; these rows are for
tests that read it. ``Disclosure`` is insert-only, so nothing here saves a row twice.
"""

import datetime as dt
import hashlib

import factory

from lead411.accounts.tests.factories import UserFactory
from lead411.core import clock
from lead411.reports.models import Disclosure, DisclosureFile, Recipient


def _now() -> dt.datetime:
    return clock.now()


class RecipientFactory(factory.django.DjangoModelFactory[Recipient]):
    """A third party with a budget of epsilon 1; get-or-create by ``name``."""

    class Meta:
        model = Recipient
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Research partner {n}")
    epsilon_budget = 1.0
    created_at = factory.LazyFunction(_now)


class DisclosureFactory(factory.django.DjangoModelFactory[Disclosure]):
    """A release of the members-by-country table without noise (k = 10)."""

    class Meta:
        model = Disclosure
        skip_postgeneration_save = True

    recipient = factory.SubFactory(RecipientFactory)
    purpose = "Market sizing for the annual report"
    released_at = factory.LazyFunction(_now)
    released_by = factory.SubFactory(UserFactory, staff=True)
    released_by_label = factory.LazyAttribute(lambda o: o.released_by.email)
    report_kind = "members_by_country"
    period_start = dt.date(2026, 3, 2)
    period_end = dt.date(2026, 3, 15)
    definition = factory.LazyAttribute(
        lambda o: {
            "kind": o.report_kind,
            "period": [o.period_start.isoformat(), o.period_end.isoformat()],
            "rows": ["United States", "Other"],
            "columns": ["Members"],
        }
    )
    min_cell = 10
    epsilon = None
    released_cells = factory.LazyFunction(
        lambda: {"United States\x1fMembers": 12, "Other\x1fMembers": 10}
    )


class DisclosureFileFactory(factory.django.DjangoModelFactory[DisclosureFile]):
    """The CSV archived with a release; ``sha256`` and ``size_bytes`` describe ``content``."""

    class Meta:
        model = DisclosureFile

    class Params:
        content = b"Country or region,Members\r\nUnited States,12\r\nOther,10\r\n"

    disclosure = factory.SubFactory(DisclosureFactory)
    file_format = DisclosureFile.Format.CSV
    name = factory.Sequence(lambda n: f"disclosure-{n}.csv")
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.content).hexdigest())
    size_bytes = factory.LazyAttribute(lambda o: len(o.content))
