"""factory_boy factories for the contact models: conversations and their messages."""

import datetime as dt

import factory

from lead411.accounts.tests.factories import UserFactory
from lead411.contact.models import Conversation, Message
from lead411.core import clock


def _now() -> dt.datetime:
    return clock.now()


class ConversationFactory(factory.django.DjangoModelFactory[Conversation]):
    """An open conversation a logged-in member started; pass ``user=None`` for a visitor."""

    class Meta:
        model = Conversation

    user = factory.SubFactory(UserFactory)
    name = factory.LazyAttribute(lambda o: o.user.first_name if o.user else "Visitor")
    email = factory.LazyAttribute(lambda o: o.user.email if o.user else "visitor@example.com")
    category = Conversation.Category.OTHER
    status = Conversation.Status.OPEN
    created_at = factory.LazyFunction(_now)
    last_message_at = factory.LazyAttribute(lambda o: o.created_at)


class MessageFactory(factory.django.DjangoModelFactory[Message]):
    """The sender's message of a conversation; trait ``from_staff`` for an answer."""

    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    author_kind = Message.Author.SENDER
    author = factory.LazyAttribute(lambda o: o.conversation.user)
    body = "How often are the leads updated?"
    created_at = factory.LazyFunction(_now)

    class Params:
        from_staff = factory.Trait(
            author_kind=Message.Author.STAFF,
            author=factory.SubFactory(UserFactory, staff=True),
            body="Every night, from the public sources.",
        )
