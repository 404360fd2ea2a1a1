"""Every factory of the accounts app, and each of its traits, builds a row that passes ``full_clean()``."""

import pytest

from lead411.accounts.selectors import member_list
from lead411.accounts.tests import factories
from lead411.mail.models import Stream
from lead411.mail.selectors import members_consenting


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("factory_class", "traits"),
    [
        pytest.param(factories.UserFactory, {}, id="UserFactory"),
        pytest.param(factories.UserFactory, {"staff": True}, id="UserFactory-staff"),
        pytest.param(factories.UserFactory, {"superuser": True}, id="UserFactory-superuser"),
        pytest.param(factories.UserFactory, {"inactive": True}, id="UserFactory-inactive"),
        pytest.param(factories.ApplicationFactory, {}, id="ApplicationFactory"),
        pytest.param(
            factories.ApplicationFactory, {"approved": True}, id="ApplicationFactory-approved"
        ),
        pytest.param(
            factories.ApplicationFactory, {"refused": True}, id="ApplicationFactory-refused"
        ),
        pytest.param(factories.AccountChangeRequestFactory, {}, id="AccountChangeRequestFactory"),
        pytest.param(factories.StolenPasswordReportFactory, {}, id="StolenPasswordReportFactory"),
    ],
)
def test_factory_builds_a_valid_row(factory_class, traits):
    obj = factory_class(**traits)
    assert obj.pk is not None
    obj.full_clean()


@pytest.mark.django_db
def test_personas_are_who_the_root_conftest_says(
    member, staff, applicant, unsubscribed_member, superuser, sales_team_staff
):
    """The root conftest's personas: who is a member, who may be mailed, who logs in how."""
    assert set(member_list()) == {
        member,
        staff,
        unsubscribed_member,
        superuser,
        sales_team_staff,
    }
    for stream in (Stream.DAILY, Stream.REPLIES):
        assert unsubscribed_member not in members_consenting(stream=stream)
        assert member in members_consenting(stream=stream)
    assert applicant.application.status == "pending"
    assert (staff.is_staff, staff.is_superuser) == (True, False)
    assert (superuser.is_staff, superuser.is_superuser) == (True, True)
    assert all(
        u.check_password(factories.PASSWORD)
        for u in (member, staff, applicant, unsubscribed_member, superuser, sales_team_staff)
    )
