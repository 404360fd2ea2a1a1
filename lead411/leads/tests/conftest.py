"""Every leads test gets its own search index folder, so runs never share an index."""

import pytest


@pytest.fixture(autouse=True)
def _search_index_dir(settings, tmp_path):
    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
