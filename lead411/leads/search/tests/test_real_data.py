"""The judged query set on the real CrunchBase export: expectations computed from the database.

Each expectation is counted independently with the ORM (issue 13, "Correctness"): an
industry word returns at least its industry's events, ``series a`` exactly the Series A
rounds, a place at least its events; ``a OR b`` is the union, ``a -b`` is a minus
(a AND b), ``NOT a`` is everything else; a phrase is at most its words ANDed; facet
counts equal plain SQL counts of the same ids. The export is imported once per module
(about a minute); without ``shared/data`` the module is skipped.
"""

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from lead411.leads.models import TriggerEvent
from lead411.leads.search.places import country_codes_path
from lead411.leads.search.query import LeadQuery
from lead411.leads.selectors import FACET_LIMIT, lead_search, lead_search_ids
from lead411.leads.sources.crunchbase import crunchbase_import

REAL_EXPORT = Path(settings.LEAD411_DATA_DIR) / "crunchbase_2015"

pytestmark = [
    pytest.mark.clause("L2"),
    pytest.mark.skipif(
        not (REAL_EXPORT / "rounds2.csv").is_file(),
        reason=f"the CrunchBase 2015 export is not at {REAL_EXPORT} (see SOURCES.md)",
    ),
]


class _Rollback(Exception):
    pass


@pytest.fixture(scope="module")
def real_data(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Path]:
    """Import the real export once for the module, index it, and roll it all back after."""
    index_dir = tmp_path_factory.mktemp("real-index")
    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                crunchbase_import(directory=REAL_EXPORT)
                yield index_dir
                raise _Rollback
        except _Rollback:
            pass


@pytest.fixture(autouse=True)
def _index(real_data, settings, db):
    settings.SEARCH_INDEX_DIR = real_data


def _ids(q: str, **filters) -> set[int]:
    return set(lead_search_ids(query=LeadQuery(q=q, **filters), limit=200_000).ids)


def _events(**lookups) -> set[int]:
    return set(TriggerEvent.objects.filter(**lookups).values_list("id", flat=True))


# (query, ORM lookups of the events it must include at least)
AT_LEAST = [
    ("biotech", {"company__categories__name": "Biotechnology"}),
    ("biotechnology", {"company__categories__name": "Biotechnology"}),
    ("fintech", {"company__categories__name": "FinTech"}),
    ("healthcare", {"company__categories__name": "Health Care"}),
    ("health care", {"company__categories__name": "Health Care"}),
    ("saas", {"company__categories__name": "SaaS"}),
    ("ai", {"company__categories__name": "Artificial Intelligence"}),
    ("artificial intelligence", {"company__categories__name": "Artificial Intelligence"}),
    ("ecommerce", {"company__categories__name": "E-Commerce"}),
    ("machine learning", {"company__categories__name": "Machine Learning"}),
    ("software", {"company__categories__name": "Software"}),
    ("mobile", {"company__categories__name": "Mobile"}),
    ("seed", {"round_type": "seed"}),
    ("angel", {"round_type": "angel"}),
    ("debt financing", {"round_type": "debt_financing"}),
    ("acquisition", {"kind": "acquisition"}),
    ("san francisco", {"company__city": "San Francisco"}),
    ("new york", {"company__city": "New York"}),
    ("london", {"company__city": "London"}),
    ("boston", {"company__city": "Boston"}),
    ("california", {"company__region": "CA", "company__country_code": "USA"}),
    ("texas", {"company__region": "TX", "company__country_code": "USA"}),
    ("massachusetts", {"company__region": "MA", "company__country_code": "USA"}),
    ("ontario", {"company__region": "ON", "company__country_code": "CAN"}),
    ("usa", {"company__country_code": "USA"}),
]
NEEDS_NAMES = [
    ("canada", {"company__country_code": "CAN"}),
    ("germany", {"company__country_code": "DEU"}),
    ("united kingdom", {"company__country_code": "GBR"}),
    ("israel", {"company__country_code": "ISR"}),
    ("india", {"company__country_code": "IND"}),
]


@pytest.mark.parametrize(("q", "lookups"), AT_LEAST, ids=[q for q, _ in AT_LEAST])
def test_a_word_finds_at_least_its_industry_round_or_place(q, lookups):
    expected = _events(**lookups)
    assert expected
    assert _ids(q) >= expected


@pytest.mark.skipif(not country_codes_path().is_file(), reason="no country_codes table")
@pytest.mark.parametrize(("q", "lookups"), NEEDS_NAMES, ids=[q for q, _ in NEEDS_NAMES])
def test_a_country_name_finds_its_events(q, lookups):
    assert _ids(q) >= _events(**lookups)


@pytest.mark.parametrize("letter", ["A", "B", "C", "D"])
def test_series_x_is_exactly_that_round(letter):
    assert _ids(f"series {letter.lower()}") == _events(series=letter)


@pytest.mark.parametrize(
    ("a", "b"),
    [("software", "saas"), ("biotech", "medical"), ("london", "berlin"), ("seed", "angel")],
)
def test_or_is_the_union(a, b):
    assert _ids(f"{a} OR {b}") == _ids(a) | _ids(b)


@pytest.mark.parametrize(
    ("a", "b"), [("software", "mobile"), ("biotech", "boston"), ("series a", "california")]
)
def test_minus_and_not_take_away(a, b):
    expected = _ids(a) - _ids(f"{a} {b}")
    assert _ids(f"{a} -{b}") == expected
    assert _ids(f"{a} NOT {b}") == expected


def test_not_alone_is_everything_else():
    everything = set(TriggerEvent.objects.values_list("id", flat=True))
    assert _ids("NOT software") == everything - _ids("software")


@pytest.mark.parametrize("phrase", ["social media", "big data", "real estate", "venture round"])
def test_a_phrase_is_at_most_its_words(phrase):
    quoted = _ids(f'"{phrase}"')
    assert quoted
    assert quoted <= _ids(phrase)


@pytest.mark.parametrize("name", ["Uber", "Airbnb", "Dropbox", "Pinterest"])
def test_a_company_name_returns_its_events_first(name):
    own = _events(company__name=name)
    assert own
    first = lead_search_ids(query=LeadQuery(q=name.lower()), limit=len(own)).ids
    assert set(first) == own


_FACET_COLUMNS = {
    "kind": "kind",
    "round_type": "round_type",
    "country": "company__country_code",
    "region": "company__region",
    "city": "company__city",
    "category": "company__categories__name",
}


def _sql_counts(ids: set[int], column: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    ordered = sorted(ids)
    for start in range(0, len(ordered), 900):
        chunk = ordered[start : start + 900]
        rows = TriggerEvent.objects.filter(id__in=chunk).values_list(column, flat=True)
        counts.update(v for v in rows if v)
    return counts


@pytest.mark.parametrize(
    "query",
    [
        LeadQuery(q="biotech"),
        LeadQuery(q="series a", countries=("USA",)),
        LeadQuery(q="san francisco OR boston"),
        LeadQuery(q="software -mobile", kinds=("acquisition",)),
        LeadQuery(round_types=("seed",), regions=("NY",)),
    ],
    ids=["biotech", "series-a-usa", "sf-or-boston", "software-mobile-acq", "seed-ny"],
)
def test_facet_counts_equal_a_plain_sql_count(query):
    result = lead_search(query=query, page=1)
    ids = set(lead_search_ids(query=query, limit=200_000).ids)
    assert result.total == len(ids)
    for facet in result.facets:
        expected = _sql_counts(ids, _FACET_COLUMNS[facet.param])
        top = sorted(expected.items(), key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]
        assert [(v.value, v.count) for v in facet.values if v.count is not None] == top
