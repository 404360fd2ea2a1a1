"""Every factory of the accounts app, and each of its traits, builds a row that passes ``full_clean()``."""

import pytest

from lead411.accounts.tests import factories


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
