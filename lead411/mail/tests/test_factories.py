"""Every factory of the mail app, and each of its traits, builds a row that passes ``full_clean()``."""

import pytest

from lead411.mail.tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("factory_class", "traits"),
    [
        pytest.param(factories.MailPreferencesFactory, {}, id="MailPreferencesFactory"),
        pytest.param(
            factories.MailPreferencesFactory,
            {"unsubscribed": True},
            id="MailPreferencesFactory-unsubscribed",
        ),
        pytest.param(factories.SuppressionFactory, {}, id="SuppressionFactory"),
        pytest.param(factories.DeliveryFactory, {}, id="DeliveryFactory"),
        pytest.param(factories.MemberExportRecordFactory, {}, id="MemberExportRecordFactory"),
    ],
)
def test_factory_builds_a_valid_row(factory_class, traits):
    obj = factory_class(**traits)
    assert obj.pk is not None
    obj.full_clean()
