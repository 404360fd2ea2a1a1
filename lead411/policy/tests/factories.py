"""factory_boy factories for the policy models: versions and acknowledgements.

A published version is immutable (clause P15): ``PolicyVersion.clean`` refuses any change
once the stored row is published, so only drafts pass ``full_clean`` after saving.
"""

import datetime as dt

import factory

from lead411.accounts.tests.factories import UserFactory
from lead411.core import clock
from lead411.policy.models import PolicyAcknowledgement, PolicyVersion


def _now() -> dt.datetime:
    return clock.now()


class PolicyVersionFactory(factory.django.DjangoModelFactory[PolicyVersion]):
    """A draft version; trait ``published`` publishes it now (effective now).

    Get-or-create by ``number``. Publishing through ``services.policy_version_publish``
    also mails notices; the trait only sets the columns.
    """

    class Meta:
        model = PolicyVersion
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: n + 1)
    title = "Privacy policy"
    body = factory.LazyAttribute(lambda o: f"# Privacy policy\n\nVersion {o.number}.")
    summary_of_changes = "Clearer wording."
    created_at = factory.LazyFunction(_now)

    class Params:
        published = factory.Trait(
            published_at=factory.LazyFunction(_now),
            effective_at=factory.LazyAttribute(lambda o: o.published_at),
        )


class PolicyAcknowledgementFactory(factory.django.DjangoModelFactory[PolicyAcknowledgement]):
    """A member's acknowledgement of a published version."""

    class Meta:
        model = PolicyAcknowledgement

    user = factory.SubFactory(UserFactory)
    version = factory.SubFactory(PolicyVersionFactory, published=True)
    acknowledged_at = factory.LazyFunction(_now)
