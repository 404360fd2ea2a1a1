"""factory_boy factories for the newsletter models: daily issues and product updates."""

import datetime as dt

import factory

from lead411.accounts.tests.factories import UserFactory
from lead411.core import clock
from lead411.newsletter.models import NewsletterIssue, ProductUpdate


def _now() -> dt.datetime:
    return clock.now()


class NewsletterIssueFactory(factory.django.DjangoModelFactory[NewsletterIssue]):
    """One day's build, one issue per day going back from today; get-or-create by ``date``."""

    class Meta:
        model = NewsletterIssue
        django_get_or_create = ("date",)

    date = factory.Sequence(lambda n: clock.today() - dt.timedelta(days=n))
    cutoff_at = factory.LazyFunction(_now)
    built_at = factory.LazyFunction(_now)
    events_considered = 3
    members_considered = 2
    deliveries_created = 2


class ProductUpdateFactory(factory.django.DjangoModelFactory[ProductUpdate]):
    """A product update written by staff, not sent yet."""

    class Meta:
        model = ProductUpdate

    title = factory.Sequence(lambda n: f"Product update {n}")
    body_markdown = "Saved searches can now be **renamed**."
    created_by = factory.SubFactory(UserFactory, staff=True)
    created_at = factory.LazyFunction(_now)
