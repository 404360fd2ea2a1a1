"""Row-by-row index writes held for a whole import (issue 14's benchmark): an importer that
commits one transaction per filing writes the search index once, not once per filing, and
re-linking a category a company already has writes nothing."""

import pytest

from lead411.leads.models import Category
from lead411.leads.search import engine
from lead411.leads.search.index import search_index_batch, search_index_flush, search_index_rebuild
from lead411.leads.tests.factories import CompanyFactory, TriggerEventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_index(settings, tmp_path):
    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
    search_index_flush()  # nothing queued by an earlier test


def _indexed_ids() -> set[int]:
    return set(engine.engine_ids(engine.open_index(engine.search_index_dir())))


def test_rows_saved_in_a_batch_are_indexed_once_at_its_end(django_capture_on_commit_callbacks):
    search_index_rebuild()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, search_index_batch():
        first = TriggerEventFactory.create()
        second = TriggerEventFactory.create()
        assert not ({first.pk, second.pk} & _indexed_ids())  # held until the end
    assert callbacks == [search_index_flush]
    assert {first.pk, second.pk} <= _indexed_ids()


def test_without_a_batch_each_transaction_queues_its_own_write(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        TriggerEventFactory.create()
    assert callbacks == [search_index_flush]


def test_relinking_a_known_category_queues_nothing(django_capture_on_commit_callbacks):
    company = CompanyFactory.create(categories=["Software"])
    software = Category.objects.get(name="Software")
    search_index_flush()
    with django_capture_on_commit_callbacks() as callbacks:
        company.categories.add(software)
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        company.categories.add(Category.objects.create(name="Robotics"))
    assert callbacks == [search_index_flush]
