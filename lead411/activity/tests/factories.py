"""factory_boy factories for the activity model: one member's counters of one day."""

import factory

from lead411.accounts.tests.factories import UserFactory
from lead411.activity.models import MemberDailyActivity
from lead411.core import clock


class MemberDailyActivityFactory(factory.django.DjangoModelFactory[MemberDailyActivity]):
    """Today's lead-search counters of a member: one visit, three page views."""

    class Meta:
        model = MemberDailyActivity

    member = factory.SubFactory(UserFactory)
    day = factory.LazyFunction(lambda: clock.today())
    page_type = MemberDailyActivity.PageType.SEARCH
    lead_id = 0
    pageviews = 3
    visits = 1
    last_seen_at = factory.LazyFunction(lambda: clock.now())

    class Params:
        lead_detail = factory.Trait(
            page_type=MemberDailyActivity.PageType.LEAD_DETAIL,
            lead_id=factory.Sequence(lambda n: n + 1),
        )
