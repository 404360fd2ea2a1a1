"""Every factory of the core app, and each of its traits, builds a row that passes ``full_clean()``."""

import pytest

from lead411.core.tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("factory_class", "traits"),
    [
        pytest.param(factories.AuditEventFactory, {}, id="AuditEventFactory"),
    ],
)
def test_factory_builds_a_valid_row(factory_class, traits):
    obj = factory_class(**traits)
    assert obj.pk is not None
    obj.full_clean()
