"""factory_boy factories for the leads models."""

import datetime as dt
import uuid
from decimal import Decimal

import factory
from django.utils import timezone

from lead411.accounts.tests.factories import UserFactory
from lead411.core import clock
from lead411.leads.models import (
    Category,
    Company,
    Contact,
    ExportJob,
    SavedSearch,
    TriggerEvent,
)
from lead411.leads.services import build_search_document

IMPORTED_AT = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Category {n}")


class CompanyFactory(factory.django.DjangoModelFactory[Company]):
    """A company; pass ``categories=["Software", ...]`` to attach categories by name."""

    class Meta:
        model = Company
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Company {n}")
    normalized_name = factory.LazyAttribute(lambda o: o.name.casefold())
    homepage = factory.LazyAttribute(lambda o: f"https://{o.name.lower().replace(' ', '')}.example")
    country_code = "USA"
    region = "CA"
    city = "San Francisco"
    status = Company.Status.OPERATING
    founded_on = dt.date(2010, 1, 1)
    source = "crunchbase"
    source_key = factory.Sequence(lambda n: f"/organization/company-{n}")
    imported_at = IMPORTED_AT
    updated_at = IMPORTED_AT

    @factory.post_generation
    def categories(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            self.categories.set([CategoryFactory(name=name) for name in extracted])


class TriggerEventFactory(factory.django.DjangoModelFactory[TriggerEvent]):
    """A funding round; its search document is built from the company as the importer does."""

    class Meta:
        model = TriggerEvent

    company = factory.SubFactory(CompanyFactory)
    kind = TriggerEvent.Kind.FUNDING_ROUND
    announced_on = dt.date(2014, 6, 1)
    round_type = "venture"
    amount = Decimal("5000000")
    currency = "USD"
    amount_usd = factory.LazyAttribute(lambda o: o.amount if o.currency == "USD" else None)
    summary = factory.LazyAttribute(lambda o: f"{o.company.name} raised a {o.round_type} round")
    search_document = factory.LazyAttribute(
        lambda o: build_search_document(
            company_name=o.company.name,
            categories=[c.name for c in o.company.categories.all()] if o.company.pk else [],
            summary=o.summary,
        )
    )
    source = "crunchbase"
    source_key = factory.Sequence(lambda n: f"/funding-round/round-{n}")
    imported_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)


class ContactFactory(factory.django.DjangoModelFactory[Contact]):
    class Meta:
        model = Contact

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Person {n}")
    role = "CEO"
    source = "sec_formd"
    source_key = factory.Sequence(lambda n: f"0001-{n}")
    imported_at = IMPORTED_AT


class SavedSearchFactory(factory.django.DjangoModelFactory[SavedSearch]):
    """A member's saved search that is also a newsletter alert (clause L3).

    ``criteria`` is in the stored shape ``{name: [values]}``.
    """

    class Meta:
        model = SavedSearch

    member = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Saved search {n}")
    criteria = factory.LazyFunction(lambda: {"q": ["robotics"]})
    include_in_newsletter = True
    created_at = factory.LazyFunction(lambda: clock.now())
    updated_at = factory.LazyAttribute(lambda o: o.created_at)


class ExportJobFactory(factory.django.DjangoModelFactory[ExportJob]):
    """A member's finished background export of the HubSpot leads preset (issue 16)."""

    class Meta:
        model = ExportJob

    public_id = factory.LazyFunction(uuid.uuid4)
    member = factory.SubFactory(UserFactory)
    criteria = factory.LazyFunction(lambda: {"q": ["robotics"]})
    described = "words: robotics"
    preset = "hubspot-leads"
    status = ExportJob.Status.DONE
    total = 6000
    processed = 6000
    rows_written = 6000
    download_name = "lead411-hubspot-leads-robotics-2026-12-05.csv"
    file_name = factory.LazyAttribute(lambda o: f"{o.public_id}.csv")
    created_at = factory.LazyFunction(lambda: clock.now())
    finished_at = factory.LazyAttribute(lambda o: o.created_at)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + dt.timedelta(hours=24))
