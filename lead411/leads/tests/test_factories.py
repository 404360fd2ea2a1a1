"""Every factory of the leads app, and each of its traits, builds a row that passes ``full_clean()``."""

import pytest

from lead411.leads.tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("factory_class", "traits"),
    [
        pytest.param(factories.CategoryFactory, {}, id="CategoryFactory"),
        pytest.param(factories.CompanyFactory, {}, id="CompanyFactory"),
        pytest.param(factories.TriggerEventFactory, {}, id="TriggerEventFactory"),
        pytest.param(factories.ContactFactory, {}, id="ContactFactory"),
        pytest.param(factories.SavedSearchFactory, {}, id="SavedSearchFactory"),
    ],
)
def test_factory_builds_a_valid_row(factory_class, traits):
    obj = factory_class(**traits)
    assert obj.pk is not None
    obj.full_clean()
