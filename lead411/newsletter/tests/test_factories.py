"""Every factory of the newsletter app, and each of its traits, builds a row that passes ``full_clean()``."""

import pytest

from lead411.newsletter.tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("factory_class", "traits"),
    [
        pytest.param(factories.NewsletterIssueFactory, {}, id="NewsletterIssueFactory"),
        pytest.param(factories.ProductUpdateFactory, {}, id="ProductUpdateFactory"),
    ],
)
def test_factory_builds_a_valid_row(factory_class, traits):
    obj = factory_class(**traits)
    assert obj.pk is not None
    obj.full_clean()
