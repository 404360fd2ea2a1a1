"""factory_boy factories for the mail models: preferences, suppression, outbox, exports."""

import datetime as dt

import factory

from lead411.accounts.tests.factories import UserFactory
from lead411.core import clock
from lead411.mail.models import Delivery, MailPreferences, MemberExportRecord, Stream, Suppression
from lead411.mail.suppression import email_hash


def _now() -> dt.datetime:
    return clock.now()


class MailPreferencesFactory(factory.django.DjangoModelFactory[MailPreferences]):
    """A member's consents at the defaults (newsletter and replies on, updates off).

    Get-or-create by ``member`` (the primary key). Trait ``unsubscribed``: every stream off.
    """

    class Meta:
        model = MailPreferences
        django_get_or_create = ("member",)

    member = factory.SubFactory(UserFactory)
    daily = True
    replies = True
    updates = False
    updated_at = factory.LazyFunction(_now)

    class Params:
        unsubscribed = factory.Trait(daily=False, replies=False, updates=False)


class SuppressionFactory(factory.django.DjangoModelFactory[Suppression]):
    """A suppressed address after a permanent SMTP failure.

    Pass ``email=`` (a parameter, never stored): the row holds ``suppression.email_hash``
    of it. Get-or-create by ``email_hash``.
    """

    class Meta:
        model = Suppression
        django_get_or_create = ("email_hash",)

    class Params:
        email = factory.Sequence(lambda n: f"bounced{n}@example.com")

    email_hash = factory.LazyAttribute(lambda o: email_hash(o.email))
    reason = "550 5.1.1 <address>: mailbox unavailable"
    smtp_code = 550
    created_at = factory.LazyFunction(_now)


class DeliveryFactory(factory.django.DjangoModelFactory[Delivery]):
    """A pending product-update email in the outbox, due now, never tried.

    ``key`` and ``message_id`` are unique per row; ``to_email`` is the member's address.
    ``issue_date`` is empty (only daily newsletters carry one; pass it with
    ``stream=Stream.DAILY``).
    """

    class Meta:
        model = Delivery

    key = factory.Sequence(lambda n: f"test-delivery-{n}")
    member = factory.SubFactory(UserFactory)
    stream = Stream.UPDATES
    to_email = factory.LazyAttribute(lambda o: o.member.email)
    subject = "What is new in Lead411"
    text_body = "Saved searches can now be renamed.\n"
    message_id = factory.LazyAttribute(lambda o: f"<{o.key}@lead411.test>")
    status = Delivery.Status.PENDING
    next_attempt_at = factory.LazyFunction(_now)
    created_at = factory.LazyFunction(_now)


class MemberExportRecordFactory(factory.django.DjangoModelFactory[MemberExportRecord]):
    """One superuser export of the member list."""

    class Meta:
        model = MemberExportRecord

    actor = factory.SubFactory(UserFactory, superuser=True)
    actor_label = factory.LazyAttribute(lambda o: o.actor.email)
    exported_at = factory.LazyFunction(_now)
    rows = 2
    purpose = "Quarterly reconciliation with the billing system"
