"""Lead search as a salesperson uses it, on factory data with exact answers (clause L2, issue 13)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from lead411.leads.models import Category, TriggerEvent
from lead411.leads.search import engine
from lead411.leads.search.index import (
    search_index_check,
    search_index_rebuild,
    search_index_sync,
)
from lead411.leads.search.places import country_codes_path
from lead411.leads.search.query import LeadQuery
from lead411.leads.selectors import lead_search, lead_search_ids
from lead411.leads.services import leads_changed
from lead411.leads.tests.factories import (
    CompanyFactory,
    ContactFactory,
    TriggerEventFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.clause("L2")]


@pytest.fixture(autouse=True)
def _own_index(settings, tmp_path):
    settings.SEARCH_INDEX_DIR = tmp_path / "index"


@pytest.fixture
def leads() -> dict[str, TriggerEvent]:
    """Seven events of six companies in four countries."""
    helix = CompanyFactory(
        name="Helix Bio", categories=["Biotechnology"], region="MA", city="Boston"
    )
    ledger = CompanyFactory(name="Ledger Pay", categories=["FinTech", "Software"])
    cloud = CompanyFactory(
        name="Cloudwork", categories=["SaaS"], country_code="GBR", region="H9", city="London"
    )
    pocket = CompanyFactory(
        name="Pocket Apps", categories=["Mobile", "Software"], region="TX", city="Austin"
    )
    health = CompanyFactory(name="Health Hub", categories=["Health Care"])
    maple = CompanyFactory(
        name="Maple Minds",
        categories=["Artificial Intelligence"],
        country_code="CAN",
        region="ON",
        city="Toronto",
    )
    return {
        "helix_a": TriggerEventFactory.create(
            company=helix, series="A", amount=Decimal(10_000_000),
            announced_on=dt.date(2015, 3, 1), summary="Helix Bio raised a $10M series A",
        ),
        "ledger_b": TriggerEventFactory.create(
            company=ledger, series="B", amount=Decimal(30_000_000),
            announced_on=dt.date(2015, 5, 1),
            summary="Ledger Pay raised a $30M series B to work with Helix labs",
        ),
        "cloud_seed": TriggerEventFactory.create(
            company=cloud, round_type="seed", amount=Decimal(1_000_000),
            announced_on=dt.date(2014, 1, 1), summary="Cloudwork raised a $1M seed round",
        ),
        "pocket_v": TriggerEventFactory.create(
            company=pocket, amount=None, announced_on=dt.date(2014, 6, 1),
            summary="Pocket Apps raised a venture round",
        ),
        "health_acq": TriggerEventFactory.create(
            company=health, kind=TriggerEvent.Kind.ACQUISITION, round_type="",
            counterparty="BigCo", amount=Decimal(80_000_000), announced_on=dt.date(2015, 8, 1),
            summary="Health Hub was acquired by BigCo for $80M",
        ),
        "maple_a": TriggerEventFactory.create(
            company=maple, series="A", amount=Decimal(4_000_000),
            announced_on=dt.date(2013, 2, 1), summary="Maple Minds raised a $4M series A",
        ),
        "maple_b": TriggerEventFactory.create(
            company=maple, series="B", amount=Decimal(12_000_000),
            announced_on=dt.date(2014, 2, 1), summary="Maple Minds raised a $12M series B",
        ),
    }  # fmt: skip


def _found(q: str, **filters) -> set[int]:
    return set(lead_search_ids(query=LeadQuery(q=q, **filters), limit=1000).ids)


def _keys(leads: dict[str, TriggerEvent], *names: str) -> set[int]:
    return {leads[name].pk for name in names}


needs_country_names = pytest.mark.skipif(
    not country_codes_path().is_file(),
    reason="country names come from shared/data/country_codes (absent: codes only)",
)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("biotech", ["helix_a"]),
        ("biotechnology", ["helix_a"]),
        ("fintech", ["ledger_b"]),
        ("ai", ["maple_a", "maple_b"]),
        ("artificial intelligence", ["maple_a", "maple_b"]),
        ("healthcare", ["health_acq"]),
        ("health care", ["health_acq"]),
        ("saas", ["cloud_seed"]),
        # The round, not every series and the word "a".
        ("series a", ["helix_a", "maple_a"]),
        ("series b", ["ledger_b", "maple_b"]),
        ("seed", ["cloud_seed"]),
        ("acquisition", ["health_acq"]),
        # Places are words: city, state code and name.
        ("san francisco", ["ledger_b", "health_acq"]),
        ("sf", ["ledger_b", "health_acq"]),
        ("california", ["ledger_b", "health_acq"]),
        ("texas", ["pocket_v"]),
        ("ontario", ["maple_a", "maple_b"]),
        ("toronto series a", ["maple_a"]),
        # Operators.
        ("software", ["ledger_b", "pocket_v"]),
        ("software OR saas", ["ledger_b", "pocket_v", "cloud_seed"]),
        ("software -mobile", ["ledger_b"]),
        ("software NOT mobile", ["ledger_b"]),
        ("NOT software", ["helix_a", "cloud_seed", "health_acq", "maple_a", "maple_b"]),
        ('"acquired by bigco"', ["health_acq"]),
        ('"bigco acquired"', []),
        ("bigco", ["health_acq"]),
        ("mind*", ["maple_a", "maple_b"]),
        ("raised -series", ["cloud_seed", "pocket_v"]),
    ],
)
def test_everyday_queries_find_what_a_salesperson_means(leads, q, expected):
    assert _found(q) == _keys(leads, *expected)


@needs_country_names
@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("united kingdom", ["cloud_seed"]),
        ("uk", ["cloud_seed"]),
        ("canada", ["maple_a", "maple_b"]),
        ("united states software", ["ledger_b", "pocket_v"]),
    ],
)
def test_countries_are_searchable_by_name(leads, q, expected):
    assert _found(q) == _keys(leads, *expected)


def test_country_codes_are_searchable_too(leads):
    assert _found("gbr") == _keys(leads, "cloud_seed")


@pytest.mark.parametrize(
    "text",
    [
        '"software', "software (", "a:b", "name:helix", "OR", "NOT", "-", "***", "((()))",
        "software AND OR NOT", "\\", "ünïcödé café", '"', "-\"\"", "field:\"x", "x^2~3",
    ],
)  # fmt: skip
def test_bad_syntax_gives_a_result_never_an_error(leads, text):
    result = lead_search(query=LeadQuery(q=text), page=1)
    assert result.total >= 0


def test_bad_syntax_searches_its_words_and_says_so(leads):
    result = lead_search(query=LeadQuery(q="software ("), page=1)
    assert {e.pk for e in result.events} == _keys(leads, "ledger_b", "pocket_v")
    assert result.notes == ("Brackets and field syntax are searched as plain words.",)
    # Field syntax is not honoured: "name:helix" is the words "name" and "helix".
    assert _found("name:helix") == set()
    assert _found("helix") == _keys(leads, "helix_a", "ledger_b")


def test_a_company_name_ranks_its_events_first(leads):
    # "Helix" is Helix Bio's name and a word in a summary of Ledger Pay.
    ids = lead_search_ids(query=LeadQuery(q="helix"), limit=10).ids
    assert ids == [leads["helix_a"].pk, leads["ledger_b"].pk]


def test_sorts_by_date_and_amount_with_unknowns_last(leads):
    by_amount = lead_search_ids(query=LeadQuery(q="raised", sort="amount"), limit=10).ids
    assert by_amount == [
        leads[k].pk for k in ("ledger_b", "maple_b", "helix_a", "maple_a", "cloud_seed", "pocket_v")
    ]
    by_date = lead_search_ids(query=LeadQuery(q="series", sort="date"), limit=10).ids
    assert by_date == [leads[k].pk for k in ("ledger_b", "helix_a", "maple_b", "maple_a")]


def test_filters_combine_with_words(leads):
    assert _found("raised", countries=("CAN",)) == _keys(leads, "maple_a", "maple_b")
    assert _found("", amount_min=Decimal(10_000_000), amount_max=Decimal(30_000_000)) == _keys(
        leads, "helix_a", "ledger_b", "maple_b"
    )
    assert _found("", date_to=dt.date(2014, 1, 1)) == _keys(leads, "maple_a", "cloud_seed")
    assert _found("", categories=("Software", "SaaS")) == _keys(
        leads, "ledger_b", "pocket_v", "cloud_seed"
    )


@needs_country_names
def test_facets_are_counted_by_the_engine_and_labelled_in_words(leads):
    result = lead_search(query=LeadQuery(q="raised"), page=1)
    facets = {f.param: [(v.value, v.label, v.count) for v in f.values] for f in result.facets}
    assert facets["country"] == [
        ("USA", "United States", 3),
        ("CAN", "Canada", 2),
        ("GBR", "United Kingdom", 1),
    ]
    assert facets["region"] == [
        ("ON", "Ontario", 2),
        ("CA", "California", 1),
        ("H9", "H9", 1),
        ("MA", "Massachusetts", 1),
        ("TX", "Texas", 1),
    ]
    assert facets["round_type"] == [("venture", "Venture", 5), ("seed", "Seed", 1)]


# --- index upkeep -----------------------------------------------------------------------


def test_a_missing_index_is_built_on_first_use(leads, settings):
    assert not engine.index_exists(settings.SEARCH_INDEX_DIR)
    assert lead_search(query=LeadQuery(), page=1).total == 7
    assert engine.index_exists(settings.SEARCH_INDEX_DIR)
    assert search_index_check().ok


def test_admin_edits_deletes_and_category_changes_reach_the_index(leads):
    assert _found("helix") == _keys(leads, "helix_a", "ledger_b")
    company = leads["helix_a"].company
    company.name = "Spiral Genomics"  # an admin edit: updated_at does not change
    company.save()
    assert _found("spiral") == _keys(leads, "helix_a")
    Category.objects.filter(name="Biotechnology").update(name="x")  # a bulk rename...
    biotech = Category.objects.get(name="x")
    biotech.name = "Genetics"  # ...and one through save(), which the receivers see
    biotech.save()
    assert _found("genetics") == _keys(leads, "helix_a")
    company.categories.clear()
    assert _found("genetics") == set()
    leads["maple_b"].delete()
    assert _found("maple") == _keys(leads, "maple_a")
    assert search_index_check().ok


def test_bulk_writes_reach_the_index_through_leads_changed(leads):
    assert _found("series c") == set()
    TriggerEvent.objects.filter(pk=leads["maple_b"].pk).update(
        series="C", updated_at=timezone.now()
    )
    leads_changed()
    assert _found("series c") == _keys(leads, "maple_b")


def test_a_second_host_catches_up_from_the_database(leads, settings, tmp_path):
    """Two index folders over one database: a lead imported on one is found on the other."""
    host_a, host_b = tmp_path / "host-a", tmp_path / "host-b"
    settings.SEARCH_INDEX_DIR = host_b
    assert _found("zebra") == set()
    settings.SEARCH_INDEX_DIR = host_a
    # Host A imports a lead in bulk; host B shares no cache with it in this test.
    TriggerEvent.objects.bulk_create(
        [TriggerEventFactory.build(company=leads["helix_a"].company, summary="Zebra round")]
    )
    search_index_sync()
    assert len(_found("zebra")) == 1
    settings.SEARCH_INDEX_DIR = host_b
    settings.SEARCH_INDEX_SYNC_SECONDS = 0  # the periodic look is due
    assert len(_found("zebra")) == 1


def test_named_people_are_words_of_their_companys_events(leads):
    """A contact's name finds the company's events; an 8-K's executive change comes first."""
    helix = leads["helix_a"].company
    assert _found("christine mccarthy") == set()
    ContactFactory.create(company=helix, name="Christine M. McCarthy", role="CFO")
    ContactFactory.create(company=helix, name="Bob Iger", role="Director")
    # An EDGAR 8-K lead: the person becomes a contact and is named in the summary.
    change = TriggerEventFactory.create(
        company=helix,
        kind=TriggerEvent.Kind.EXECUTIVE_HIRE,
        round_type="",
        amount=None,
        summary="Helix Bio: Christine M. McCarthy appointed Chief Financial Officer",
    )
    everything = {leads["helix_a"].pk, change.pk}
    assert _found("christine mccarthy") == everything
    assert _found("iger") == everything
    assert _found('"mccarthy bob"') == set()  # a phrase stays inside one name
    assert lead_search_ids(query=LeadQuery(q="mccarthy"), limit=1).ids == [change.pk]
    assert _found("mccarthy", kinds=("executive_hire",)) == {change.pk}
    assert search_index_check().ok


def test_contacts_added_or_removed_reach_the_index_and_a_second_host(leads, settings, tmp_path):
    host_a, host_b = tmp_path / "host-a", tmp_path / "host-b"
    settings.SEARCH_INDEX_DIR = host_b
    assert _found("okafor") == set()
    settings.SEARCH_INDEX_DIR = host_a
    contact = ContactFactory.create(
        company=leads["cloud_seed"].company, name="Ada Okafor", imported_at=timezone.now()
    )
    assert _found("okafor") == _keys(leads, "cloud_seed")
    # The other host sees the new contact through its imported_at, without any signal.
    settings.SEARCH_INDEX_DIR = host_b
    settings.SEARCH_INDEX_SYNC_SECONDS = 0
    assert _found("okafor") == _keys(leads, "cloud_seed")
    settings.SEARCH_INDEX_DIR = host_a
    contact.delete()
    assert _found("okafor") == set()
    assert search_index_check().ok


def test_check_finds_differences_and_the_command_rebuilds(leads, capsys):
    search_index_rebuild()
    assert search_index_check().ok
    call_command("search_index_rebuild", "--check")
    TriggerEvent.objects.filter(pk=leads["pocket_v"].pk).update(updated_at=timezone.now())
    report = search_index_check()
    assert (report.stale, report.missing, report.extra) == ([leads["pocket_v"].pk], [], [])
    with pytest.raises(CommandError, match="differs from the database"):
        call_command("search_index_rebuild", "--check")
    call_command("search_index_rebuild", verbosity=0)
    assert "Rebuilt the search index: 7 written, 0 deleted, 7 documents" in capsys.readouterr().out
    call_command("search_index_rebuild", "--check")


# --- saved searches against the day's new events (the digest) ---------------------------


@pytest.mark.clause("L3")
def test_saved_searches_match_the_new_events_through_the_same_engine(leads):
    from lead411.leads.search.digest import lead_search_new_matches

    now = timezone.now()
    # News of the day (the digest leaves catch-up imports of old news out of its window).
    TriggerEvent.objects.update(announced_on=now.date())
    old = [leads["helix_a"].pk, leads["ledger_b"].pk]
    TriggerEvent.objects.filter(pk__in=old).update(imported_at=now - dt.timedelta(days=3))
    queries = [
        LeadQuery(q="series a"),
        LeadQuery(q="software OR saas"),
        LeadQuery(countries=("CAN",), sort="date"),
        LeadQuery(q="series a"),  # the same saved search of another member: counted once
        LeadQuery(q="zebra"),
    ]
    found = lead_search_new_matches(
        queries=queries,
        since=now - dt.timedelta(days=1),
        until=now + dt.timedelta(hours=1),
        limit=25,
    )
    assert len(found) == 4
    assert found[LeadQuery(q="series a")] == [leads["maple_a"].pk]  # Helix's is not new
    assert set(found[LeadQuery(q="software OR saas")]) == _keys(leads, "pocket_v", "cloud_seed")
    assert found[LeadQuery(countries=("CAN",), sort="date")] == [
        leads["maple_b"].pk,
        leads["maple_a"].pk,
    ]
    assert found[LeadQuery(q="zebra")] == []
    # Exactly what the search page finds among the same events.
    page = set(lead_search_ids(query=LeadQuery(q="software OR saas"), limit=100).ids)
    assert set(found[LeadQuery(q="software OR saas")]) == page - set(old)


@pytest.mark.parametrize(
    ("layout", "max_ranges"),
    [
        ("all", 16),
        ("gap in the middle", 16),
        ("every other one", 16),
        ("every other one, past the ranges", 2),
        ("with ids not indexed", 16),
        ("one far away", 16),
        ("none", 16),
    ],
)
@pytest.mark.clause("L3")
def test_an_id_filter_matches_exactly_its_events_whatever_their_layout(
    leads, monkeypatch, layout, max_ranges
):
    """Issue 15 (build speed): the window's filter, ranges or a term set, keeps exactly its events."""
    from lead411.leads.search.index import search_index_fresh

    monkeypatch.setattr(engine, "ID_FILTER_MAX_RANGES", max_ranges)
    every = sorted(e.pk for e in leads.values())
    chosen = {
        "all": every,
        "gap in the middle": every[:3] + every[4:],
        "every other one": every[::2],
        "every other one, past the ranges": every[::2],
        "with ids not indexed": [*every[1:4], every[-1] + 5, every[-1] + 6],
        "one far away": [every[0], every[0] + 10_000_000],
        "none": [],
    }[layout]
    index = search_index_fresh()
    within = engine.id_filter(index, chosen)
    for query in (
        LeadQuery(sort="date"),
        LeadQuery(q="series OR raised"),
        LeadQuery(sort="amount"),
    ):
        everything = engine.engine_search(index, query, offset=0, limit=100).ids
        found = engine.engine_search(index, query, offset=0, limit=100, within=within)
        assert found.ids == [i for i in everything if i in set(chosen)]
        assert found.total == len(found.ids)
    paged = engine.engine_search(index, LeadQuery(sort="date"), offset=1, limit=2, within=within)
    expected = [
        i
        for i in engine.engine_search(index, LeadQuery(sort="date"), offset=0, limit=100).ids
        if i in set(chosen)
    ]
    assert paged.ids == expected[1:3]
