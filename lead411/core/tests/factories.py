"""factory_boy factories for the core model: audit events.

Production code writes them through ``lead411.core.audit.audit_record``; an event is
insert-only, so nothing here saves a row twice.
"""

import datetime as dt

import factory

from lead411.accounts.tests.factories import UserFactory
from lead411.core import clock
from lead411.core.models import AuditEvent


def _now() -> dt.datetime:
    return clock.now()


class AuditEventFactory(factory.django.DjangoModelFactory[AuditEvent]):
    """A staff user's view of a member's record."""

    class Meta:
        model = AuditEvent
        skip_postgeneration_save = True

    class Params:
        subject = factory.SubFactory(UserFactory)

    actor = factory.SubFactory(UserFactory, staff=True)
    actor_label = factory.LazyAttribute(lambda o: o.actor.email if o.actor else "")
    occurred_at = factory.LazyFunction(_now)
    action = AuditEvent.Action.VIEW
    verb = "view"
    object_type = "accounts.user"
    object_id = factory.LazyAttribute(lambda o: str(o.subject.pk))
    object_repr = factory.LazyAttribute(lambda o: str(o.subject))
