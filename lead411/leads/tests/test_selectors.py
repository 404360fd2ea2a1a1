"""Lead search selectors: the tantivy engine over the leads of the database in use."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from lead411.leads import selectors
from lead411.leads.models import Company, TriggerEvent
from lead411.leads.selectors import (
    LeadQuery,
    lead_export_ids,
    lead_export_rows,
    lead_get,
    lead_list_latest,
    lead_search,
    search_terms,
)
from lead411.leads.services import leads_changed
from lead411.leads.tests.factories import CompanyFactory, ContactFactory, TriggerEventFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clause("L2")]


@pytest.fixture
def leads() -> dict[str, TriggerEvent]:
    """Five events of four companies in three places."""
    acme = CompanyFactory(name="Acme Robotics", categories=["Software", "Robotics"])
    bio = CompanyFactory(
        name="BioGen Labs", categories=["Biotechnology"], region="MA", city="Boston"
    )
    cloudy = CompanyFactory(
        name="Cloudy Systems",
        categories=["Software", "Cloud"],
        country_code="GBR",
        region="H9",
        city="London",
    )
    nodate = CompanyFactory(name="Quiet Widgets", categories=["Hardware"], city="Palo Alto")
    return {
        "acme_a": TriggerEventFactory.create(
            company=acme, announced_on=dt.date(2014, 3, 1), amount=Decimal(5_000_000),
            summary="Acme Robotics raised a $5M series A", series="A",
        ),
        "acme_acq": TriggerEventFactory.create(
            company=acme, kind=TriggerEvent.Kind.ACQUISITION, round_type="",
            announced_on=dt.date(2015, 1, 10), amount=Decimal(100_000_000), counterparty="BigCo",
            summary="Acme Robotics was acquired by BigCo for $100M",
        ),
        "bio_seed": TriggerEventFactory.create(
            company=bio, round_type="seed", announced_on=dt.date(2013, 5, 5),
            amount=Decimal(500_000), summary="BioGen Labs raised a $500K seed round",
        ),
        "cloudy_b": TriggerEventFactory.create(
            company=cloudy, announced_on=dt.date(2014, 11, 20), amount=Decimal(20_000_000),
            summary="Cloudy Systems raised a $20M series B", series="B",
        ),
        "quiet": TriggerEventFactory.create(
            company=nodate, announced_on=None, amount=None,
            summary="Quiet Widgets raised an undisclosed venture round",
        ),
    }  # fmt: skip


def _ids(result) -> list[int]:
    return [event.pk for event in result.events]


def _facet(result, param: str) -> dict[str, int | None]:
    facet = next(f for f in result.facets if f.param == param)
    return {v.value: v.count for v in facet.values}


def test_search_terms_drop_syntax_and_operators():
    assert search_terms('Acme "AI" OR (cloud*) -x +y NEAR/2 a:b ^c') == [
        "acme", "ai", "cloud", "x", "y", "2", "a", "b", "c",
    ]  # fmt: skip
    assert search_terms('"*:^()-+') == []
    assert len(search_terms("word " * 100)) == 16


def test_no_words_lists_everything_newest_first_with_unknown_dates_last(leads):
    result = lead_search(query=LeadQuery(), page=1)
    assert result.total == 5
    assert result.sort == "date"
    assert _ids(result) == [
        leads[k].pk for k in ("acme_acq", "cloudy_b", "acme_a", "bio_seed", "quiet")
    ]


def test_words_match_company_name_category_and_summary(leads):
    by_category = lead_search(query=LeadQuery(q="software"), page=1)
    assert set(_ids(by_category)) == {
        leads["acme_a"].pk,
        leads["acme_acq"].pk,
        leads["cloudy_b"].pk,
    }
    by_name = lead_search(query=LeadQuery(q="biogen"), page=1)
    assert _ids(by_name) == [leads["bio_seed"].pk]
    by_summary = lead_search(query=LeadQuery(q="acquired bigco"), page=1)
    assert _ids(by_summary) == [leads["acme_acq"].pk]


def test_words_are_stemmed_and_all_required(leads):
    assert lead_search(query=LeadQuery(q="robot"), page=1).total == 2
    # Places are words too (issue 13): Cloudy Systems is a software company in London.
    assert lead_search(query=LeadQuery(q="software london"), page=1).total == 1
    assert lead_search(query=LeadQuery(q="software boston"), page=1).total == 0
    assert lead_search(query=LeadQuery(q="software cloudy"), page=1).total == 1


def test_relevance_is_the_default_with_words_and_ranks_better_matches_first(leads):
    # "Robotics" appears three times in Acme's documents, once in no other.
    result = lead_search(query=LeadQuery(q="robotics raised"), page=1)
    assert result.sort == "relevance"
    assert _ids(result) == [leads["acme_a"].pk]
    ranked = lead_search(query=LeadQuery(q="software"), page=1)
    assert ranked.sort == "relevance"
    assert ranked.total == 3


def test_sort_by_amount_puts_unknown_amounts_last(leads):
    result = lead_search(query=LeadQuery(sort="amount"), page=1)
    assert _ids(result) == [
        leads[k].pk for k in ("acme_acq", "cloudy_b", "acme_a", "bio_seed", "quiet")
    ]


def test_sort_by_date_overrides_relevance(leads):
    result = lead_search(query=LeadQuery(q="software", sort="date"), page=1)
    assert _ids(result) == [leads[k].pk for k in ("acme_acq", "cloudy_b", "acme_a")]


def test_relevance_without_words_sorts_by_date(leads):
    assert lead_search(query=LeadQuery(sort="relevance"), page=1).sort == "date"


@pytest.mark.parametrize(
    "text",
    [
        '"', 'software"', "*", "soft*", "a:b", "^software", "(software", "software)", "-software",
        "+software", "NEAR(software cloud)", "AND", "OR software", "software NOT",
        "'; DROP TABLE leads_triggerevent; --", "\\", "%_", "search_document:software",
        "{software}", "software AND OR NOT", "ünïcödé café", "\u202e\u0000",
    ],
)  # fmt: skip
def test_fts_syntax_in_user_text_never_raises(leads, text):
    result = lead_search(query=LeadQuery(q=text), page=1)
    assert result.total >= 0
    assert TriggerEvent.objects.count() == 5


def test_operators_work_and_punctuation_degrades_to_words(leads):
    # Issue 13: OR, -word and NOT are operators now (they used to be dropped).
    plain = set(_ids(lead_search(query=LeadQuery(q="software"), page=1)))
    for text in ("OR software", "software*", '"software"', "(software)", "software NOT"):
        assert set(_ids(lead_search(query=LeadQuery(q=text), page=1))) == plain, text
    everything = {e.pk for e in leads.values()}
    assert set(_ids(lead_search(query=LeadQuery(q="-software"), page=1))) == everything - plain


def test_text_made_only_of_syntax_searches_everything(leads):
    assert lead_search(query=LeadQuery(q='"*:^()-+'), page=1).total == 5


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        (LeadQuery(kinds=("acquisition",)), {"acme_acq"}),
        (LeadQuery(round_types=("seed",)), {"bio_seed"}),
        (LeadQuery(round_types=("seed", "venture")), {"bio_seed", "acme_a", "cloudy_b", "quiet"}),
        (LeadQuery(categories=("Software",)), {"acme_a", "acme_acq", "cloudy_b"}),
        (LeadQuery(categories=("Software", "Robotics")), {"acme_a", "acme_acq", "cloudy_b"}),
        (LeadQuery(countries=("GBR",)), {"cloudy_b"}),
        (LeadQuery(regions=("MA",)), {"bio_seed"}),
        (LeadQuery(cities=("Palo Alto",)), {"quiet"}),
        (LeadQuery(date_from=dt.date(2014, 1, 1), date_to=dt.date(2014, 12, 31)), {"acme_a", "cloudy_b"}),
        (LeadQuery(date_from=dt.date(2014, 11, 20)), {"cloudy_b", "acme_acq"}),
        (LeadQuery(amount_min=Decimal(5_000_000)), {"acme_a", "acme_acq", "cloudy_b"}),
        (LeadQuery(amount_min=Decimal(1), amount_max=Decimal(5_000_000)), {"acme_a", "bio_seed"}),
        (LeadQuery(q="software", countries=("USA",), kinds=("funding_round",)), {"acme_a"}),
    ],
)  # fmt: skip
def test_filters(leads, query, keys):
    result = lead_search(query=query, page=1)
    assert set(_ids(result)) == {leads[k].pk for k in keys}
    assert result.total == len(keys)


def test_facets_count_the_filtered_set(leads):
    everything = lead_search(query=LeadQuery(), page=1)
    assert _facet(everything, "kind") == {"funding_round": 4, "acquisition": 1}
    assert _facet(everything, "round_type") == {"venture": 3, "seed": 1}
    assert _facet(everything, "category") == {
        "Software": 3, "Robotics": 2, "Biotechnology": 1, "Cloud": 1, "Hardware": 1,
    }  # fmt: skip
    assert _facet(everything, "country") == {"USA": 4, "GBR": 1}
    assert _facet(everything, "region") == {"CA": 3, "H9": 1, "MA": 1}
    assert _facet(everything, "city") == {
        "San Francisco": 2,
        "Boston": 1,
        "London": 1,
        "Palo Alto": 1,
    }

    software = lead_search(query=LeadQuery(q="software"), page=1)
    assert _facet(software, "kind") == {"funding_round": 2, "acquisition": 1}
    assert _facet(software, "country") == {"USA": 2, "GBR": 1}


def test_facets_mark_selected_values_and_keep_ones_with_no_count(leads):
    result = lead_search(query=LeadQuery(kinds=("acquisition", "ipo")), page=1)
    kind = next(f for f in result.facets if f.param == "kind")
    assert [(v.value, v.count, v.selected) for v in kind.values] == [
        ("acquisition", 1, True), ("ipo", None, True),
    ]  # fmt: skip
    assert kind.values[0].label == "Acquisition"
    places = lead_search(query=LeadQuery(round_types=("debt_financing",)), page=1)
    round_type = next(f for f in places.facets if f.param == "round_type")
    assert [(v.label, v.count) for v in round_type.values] == [("Debt financing", None)]
    city = next(f for f in lead_search(query=LeadQuery(), page=1).facets if f.param == "city")
    assert city.values[0].label == "San Francisco"


def test_pagination_has_a_hard_page_size_and_clamps_pages(leads, settings):
    settings.LEADS_PAGE_SIZE = 2
    first = lead_search(query=LeadQuery(), page=1)
    assert (len(first.events), first.num_pages, first.has_next, first.has_previous) == (
        2,
        3,
        True,
        False,
    )
    last = lead_search(query=LeadQuery(), page=3)
    assert _ids(last) == [leads["quiet"].pk]
    assert (last.start_index, last.end_index) == (5, 5)
    beyond = lead_search(query=LeadQuery(), page=99)
    assert beyond.page == 3
    assert lead_search(query=LeadQuery(), page=-4).page == 1


def test_max_page_caps_the_number_of_pages(leads, settings):
    settings.LEADS_PAGE_SIZE = 1
    settings.LEADS_MAX_PAGE = 2
    result = lead_search(query=LeadQuery(), page=5)
    assert (result.total, result.num_pages, result.page) == (5, 2, 2)


def test_relevance_paginates_in_rank_order(leads, settings):
    settings.LEADS_PAGE_SIZE = 1
    pages = [_ids(lead_search(query=LeadQuery(q="software"), page=p)) for p in (1, 2, 3)]
    assert sorted(itertools.chain.from_iterable(pages)) == sorted(
        leads[k].pk for k in ("acme_a", "acme_acq", "cloudy_b")
    )


def test_query_counts_are_fixed(leads, django_assert_num_queries):
    lead_search(query=LeadQuery(), page=1)  # the first search of a process syncs the index
    # The engine answers the total, the order and the facets; the database the page.
    with django_assert_num_queries(1):
        lead_search(query=LeadQuery(categories=("Software",), sort="date"), page=1)
    with django_assert_num_queries(1):
        lead_search(query=LeadQuery(q="software", countries=("USA",)), page=1)
    with django_assert_num_queries(0):
        lead_search(query=LeadQuery(q="nothingmatchesthis"), page=1)
    with django_assert_num_queries(1):
        lead_search(query=LeadQuery(categories=("Software",), sort="amount"), page=2)


def _facet_order(result, param: str) -> list[tuple[str, int | None]]:
    facet = next(f for f in result.facets if f.param == param)
    return [(v.value, v.count) for v in facet.values]


def test_facets_list_most_events_first_then_by_value_and_stop_at_the_limit(leads, monkeypatch):
    everything = lead_search(query=LeadQuery(sort="date"), page=1)
    assert _facet_order(everything, "city") == [
        ("San Francisco", 2), ("Boston", 1), ("London", 1), ("Palo Alto", 1),
    ]  # fmt: skip
    assert _facet_order(everything, "category") == [
        ("Software", 3), ("Robotics", 2), ("Biotechnology", 1), ("Cloud", 1), ("Hardware", 1),
    ]  # fmt: skip
    monkeypatch.setattr(selectors, "FACET_LIMIT", 2)
    cities = lead_search(query=LeadQuery(q="raised"), page=1)
    assert _facet_order(cities, "city") == [("Boston", 1), ("London", 1)]
    assert _facet_order(cities, "category") == [("Software", 2), ("Biotechnology", 1)]


def test_facet_labels_are_names_and_values_stay_codes(leads):
    result = lead_search(query=LeadQuery(q="raised", sort="date"), page=1)
    labels = {(f.param, v.value): v.label for f in result.facets for v in f.values}
    assert labels[("country", "USA")] == "United States"
    assert labels[("country", "GBR")] == "United Kingdom"
    assert labels[("region", "CA")] == "California"
    assert labels[("region", "MA")] == "Massachusetts"
    assert labels[("region", "H9")] == "H9"
    assert labels[("round_type", "seed")] == "Seed"


def test_empty_place_values_are_not_facet_values(leads):
    CompanyFactory(name="Nowhere Inc", country_code="", region="", city="", categories=[])
    TriggerEventFactory.create(company=Company.objects.get(name="Nowhere Inc"), round_type="")
    result = lead_search(query=LeadQuery(kinds=("funding_round",)), page=1)
    assert result.total == 5
    assert _facet(result, "country") == {"USA": 3, "GBR": 1}
    assert _facet(result, "city") == {
        "San Francisco": 1, "Boston": 1, "London": 1, "Palo Alto": 1,
    }  # fmt: skip
    assert _facet(result, "round_type") == {"venture": 3, "seed": 1}


def test_export_rows_follow_the_sort_up_to_the_limit(leads):
    ids = lead_export_ids(query=LeadQuery(sort="amount"), limit=2)
    rows = list(lead_export_rows(ids=ids, chunk_size=1))
    assert [e.event_id for e in rows] == [leads["acme_acq"].pk, leads["cloudy_b"].pk]
    ranked = lead_export_ids(query=LeadQuery(q="software", categories=("Cloud",)), limit=10)
    (row,) = lead_export_rows(ids=ranked)
    assert row.event_id == leads["cloudy_b"].pk
    assert row.categories == ("Cloud", "Software")
    assert row.company_name == leads["cloudy_b"].company.name
    assert row.contacts == ()


def test_export_rows_skip_events_deleted_since_the_search(leads, django_assert_num_queries):
    """Issue 16: an export job reads ids found earlier; a chunk whose events are all gone
    reads nothing more (no empty ``IN ()`` list, a syntax error on PostgreSQL)."""
    gone = [TriggerEventFactory.create().pk for _ in range(2)]
    TriggerEvent.objects.filter(pk__in=gone).delete()
    with django_assert_num_queries(3):  # events of each chunk, categories of the second
        rows = list(lead_export_rows(ids=[*gone, leads["acme_a"].pk], chunk_size=2))
    assert [row.event_id for row in rows] == [leads["acme_a"].pk]
    assert rows[0].categories == ("Robotics", "Software")


def test_lead_get_returns_timeline_contacts_and_categories(leads):
    acme = leads["acme_a"].company
    ContactFactory(company=acme, name="Ada Lovelace", role="CEO")
    detail = lead_get(event_id=leads["acme_a"].pk)
    assert detail.event == leads["acme_a"]
    assert [e.pk for e in detail.timeline] == [leads["acme_acq"].pk, leads["acme_a"].pk]
    assert [(c.name, c.role) for c in detail.contacts] == [("Ada Lovelace", "CEO")]
    assert detail.categories == ["Robotics", "Software"]
    with pytest.raises(TriggerEvent.DoesNotExist):
        lead_get(event_id=999_999)


@pytest.mark.clause("L1")
def test_latest_leads_for_the_home_teaser(leads):
    assert [e.pk for e in lead_list_latest(limit=2)] == [leads["acme_acq"].pk, leads["cloudy_b"].pk]


def test_the_index_follows_saved_rows_and_bulk_writes(leads, django_assert_num_queries):
    lead_search(query=LeadQuery(), page=1)
    with django_assert_num_queries(1):  # the page; the index is in step
        cached = lead_search(query=LeadQuery(sort="amount"), page=1)
    assert cached.total == 5
    assert _facet(cached, "kind") == {"funding_round": 4, "acquisition": 1}
    # A saved row reaches the index at once (lead411.leads.search.receivers).
    TriggerEventFactory.create(kind=TriggerEvent.Kind.IPO)
    assert _facet(lead_search(query=LeadQuery(), page=1), "kind")["ipo"] == 1
    # Bulk writes send no signal: importers call leads_changed() when they finish.
    company = leads["acme_a"].company
    TriggerEvent.objects.bulk_create(
        [TriggerEventFactory.build(company=company, kind=TriggerEvent.Kind.IPO)]
    )
    assert _facet(lead_search(query=LeadQuery(), page=1), "kind")["ipo"] == 1
    leads_changed()
    assert _facet(lead_search(query=LeadQuery(), page=1), "kind")["ipo"] == 2
    # A bulk delete sends no signal either; the next sync finds the counts differ.
    TriggerEvent.objects.filter(kind=TriggerEvent.Kind.IPO).delete()
    leads_changed()
    assert "ipo" not in _facet(lead_search(query=LeadQuery(), page=1), "kind")


def test_a_company_moving_or_changing_categories_is_reindexed(leads):
    acme = leads["acme_a"].company
    assert _facet(lead_search(query=LeadQuery(q="acme"), page=1), "country") == {"USA": 2}
    acme.country_code = "GBR"
    acme.save()
    assert _facet(lead_search(query=LeadQuery(q="acme"), page=1), "country") == {"GBR": 2}
    acme.categories.clear()
    assert "Software" not in _facet(lead_search(query=LeadQuery(q="acme"), page=1), "category")
