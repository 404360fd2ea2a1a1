"""Every factory of the policy app, and each of its traits, builds a row that passes ``full_clean()``."""

import pytest
from django.core.exceptions import ValidationError

from lead411.policy.tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("factory_class", "traits"),
    [
        pytest.param(factories.PolicyVersionFactory, {}, id="PolicyVersionFactory"),
        pytest.param(factories.PolicyAcknowledgementFactory, {}, id="PolicyAcknowledgementFactory"),
    ],
)
def test_factory_builds_a_valid_row(factory_class, traits):
    obj = factory_class(**traits)
    assert obj.pk is not None
    obj.full_clean()


@pytest.mark.django_db
def test_published_version_factory_is_immutable_like_a_published_version():
    """The ``published`` trait gives a row that ``clean`` refuses to change (clause P15)."""
    version = factories.PolicyVersionFactory.create(published=True)
    assert version.is_published
    assert version.effective_at == version.published_at
    with pytest.raises(ValidationError, match="is published and can no longer be changed"):
        version.full_clean()
