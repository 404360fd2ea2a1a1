"""Every factory of the reports app, and each of its traits, builds a row that passes ``full_clean()``."""

import pytest

from lead411.reports.tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("factory_class", "traits"),
    [
        pytest.param(factories.RecipientFactory, {}, id="RecipientFactory"),
        pytest.param(factories.DisclosureFactory, {}, id="DisclosureFactory"),
        pytest.param(factories.DisclosureFileFactory, {}, id="DisclosureFileFactory"),
    ],
)
def test_factory_builds_a_valid_row(factory_class, traits):
    obj = factory_class(**traits)
    assert obj.pk is not None
    obj.full_clean()
