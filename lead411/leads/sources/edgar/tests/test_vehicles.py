"""Funds, trusts and REITs filing Form D (issue 14): marked at import from the filing's own
industry group and entity type, and left out of the default search, the home page and the
newsletter unless a search asks for them. Tested on the real Form D files (SOURCES.md)."""

import datetime as dt

import pytest
from django.urls import reverse

from lead411.leads.criteria import criteria_describe, criteria_query
from lead411.leads.models import Company, TriggerEvent
from lead411.leads.search.digest import lead_search_new_matches
from lead411.leads.search.query import LeadQuery
from lead411.leads.selectors import lead_list_latest, lead_search
from lead411.leads.sources.edgar.parsers import parse_form_d
from lead411.leads.sources.edgar.services import edgar_import
from lead411.leads.sources.edgar.tests.fixtures import ATOM_HEAD, atom_entry, data_dir
from lead411.leads.sources.edgar.vehicles import (
    NAMED_VEHICLE,
    investment_vehicle,
    investment_vehicle_by_name,
)

# SOURCES.md, sec_formd: issuer, industry group, and what the rule makes of it.
EXPECTED = {
    "D.1685REIT.xml": ("1685 38th REIT, L.L.C.", "REIT or real-estate finance"),
    "D.APFund.xml": (
        "AP Fund IV, a series of Inference Technology Partners, LP",
        "Pooled investment fund (Venture Capital Fund)",
    ),
    "0001398344-24-000491.nc": (
        "INVESTURE OPPORTUNITY FUND, LP",
        "Pooled investment fund (Hedge Fund)",
    ),
    "D.Shepards.xml": ("Shepherd's Finance, LLC", ""),  # a lender: Other Banking and Financial
    "halloran_primary_doc.xml": ("DIFFUSION PHARMACEUTICALS LLC", ""),  # Pharmaceuticals
}
FUNDS = {name for name, (_issuer, vehicle) in EXPECTED.items() if vehicle}


@pytest.fixture(autouse=True)
def _search_index_dir(settings, tmp_path):
    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"


@pytest.mark.clause("L1")
def test_the_real_form_d_funds_and_reits_are_marked_and_the_operating_companies_not():
    folder = data_dir("sec_formd")
    found = {}
    for name in EXPECTED:
        document = parse_form_d((folder / name).read_bytes(), origin=name)
        found[name] = (document.entity_name, investment_vehicle(document))
    assert found == EXPECTED


@pytest.fixture
def imported(db) -> dict[str, TriggerEvent]:
    """The real Form D folder imported once: file name -> its event."""
    folder = data_dir("sec_formd")
    report = edgar_import(form_ds=[str(folder)])
    assert report.documents_read == len(EXPECTED)
    return {
        name: TriggerEvent.objects.get(company__name=issuer)
        for name, (issuer, _vehicle) in EXPECTED.items()
    }


def _ids(query: LeadQuery) -> set[int]:
    return {event.pk for event in lead_search(query=query, page=1).events}


@pytest.mark.django_db
@pytest.mark.clause("L2")
def test_funds_are_left_out_of_the_default_search_and_home_page_unless_asked(imported):
    funds = {imported[name].pk for name in FUNDS}
    companies = {imported[name].pk for name in EXPECTED if name not in FUNDS}
    assert {
        c.name: c.investment_vehicle for c in Company.objects.exclude(investment_vehicle="")
    } == {issuer: vehicle for issuer, vehicle in EXPECTED.values() if vehicle}

    assert _ids(LeadQuery()) == companies
    assert _ids(LeadQuery(funds="include")) == funds | companies
    assert _ids(LeadQuery(funds="only")) == funds
    assert not _ids(LeadQuery(q="fund")) & funds  # the words alone do not bring them back
    assert _ids(LeadQuery(q="fund", funds="include")) >= {imported["D.APFund.xml"].pk}
    assert {event.pk for event in lead_list_latest(limit=10)} == companies


@pytest.mark.django_db
@pytest.mark.clause("L3")
def test_the_newsletter_leaves_funds_out_unless_the_saved_search_includes_them(imported):
    """Saved criteria as the search form stores them; matches among the window's events."""
    since = min(e.imported_at for e in imported.values()) - dt.timedelta(seconds=1)
    until = max(e.imported_at for e in imported.values()) + dt.timedelta(seconds=1)
    # The real filings are years old (catch-up imports): make them today's news.
    TriggerEvent.objects.update(announced_on=dt.date.today())
    default = criteria_query({"kind": ["funding_round"]})
    with_funds = criteria_query({"kind": ["funding_round"], "funds": ["include"]})
    assert default is not None
    assert with_funds is not None
    found = lead_search_new_matches(
        queries=[default, with_funds], since=since, until=until, limit=None
    )
    assert set(found[default]) == {imported[n].pk for n in EXPECTED if n not in FUNDS}
    assert set(found[with_funds]) == {imported[n].pk for n in EXPECTED}
    assert criteria_describe({"funds": ["include"]}) == ["funds, trusts and REITs included"]
    assert criteria_query({"funds": ["sometimes"]}) is None


@pytest.mark.django_db
@pytest.mark.clause("L2")
def test_the_search_page_has_the_funds_filter_and_rejects_a_bad_value(imported, member_client):
    page = member_client.get(reverse("leads:search"))
    html = page.content.decode()
    assert "DIFFUSION PHARMACEUTICALS LLC" in html
    assert "1685 38th REIT" not in html
    assert 'name="funds"' in html

    only = member_client.get(reverse("leads:search"), {"funds": "only"}).content.decode()
    assert "1685 38th REIT" in only
    assert "DIFFUSION PHARMACEUTICALS LLC" not in only
    assert "Only funds, trusts and REITs" in only

    bad = member_client.get(reverse("leads:search"), {"funds": "maybe"})
    assert bad.status_code == 400
    assert "Choose to leave out, include or only show funds." in bad.content.decode()


@pytest.mark.django_db
@pytest.mark.clause("L1")
def test_form_d_fills_the_founding_year_and_the_lead_page_says_what_the_fund_is(
    imported, member_client
):
    """Issue 14: Form D states the year of incorporation when within five years."""
    reit = imported["D.1685REIT.xml"].company
    assert reit.founded_on == dt.date(2022, 1, 1)
    assert imported["halloran_primary_doc.xml"].company.founded_on is None  # "over five years"
    html = member_client.get(reverse("leads:detail", args=[imported["D.1685REIT.xml"].pk]))
    text = html.content.decode()
    assert "<dt>Founded</dt><dd>2022</dd>" in text
    assert "REIT or real-estate finance" in text
    assert "Unknown" not in text


@pytest.mark.django_db
@pytest.mark.clause("L2")
def test_form_d_filers_known_only_from_the_daily_index_are_marked_by_their_names():
    """Issue 14: an index entry has no industry group; a fund's name still keeps it out.

    The real daily index (sec_edgar_index/form.20200318.idx) lists Form D filers by name
    only: the funds among them must not crowd the default search either.
    """
    report = edgar_import(indexes=[str(data_dir("sec_edgar_index") / "form.20200318.idx")])
    assert report.created[TriggerEvent.Kind.FUNDING_ROUND] > 0
    rounds = TriggerEvent.objects.filter(kind=TriggerEvent.Kind.FUNDING_ROUND)
    vehicle = {e.company.name: e.company.investment_vehicle for e in rounds}
    for fund in (
        "100 Acre Digital Asset Offshore Fund, Ltd.",
        "Bell Global Trust",
        "Cove Fast Food 16 DST",
        "APX New Harmony Partners-E, LP",
        "2L VC, a Series of TWO39 Master, LLC",
    ):
        assert vehicle[fund] == NAMED_VEHICLE, fund
    for company in ("Textio, Inc.", "CADIZ INC", "Misen Inc."):
        assert vehicle[company] == "", company
    shown = {e.company.name for e in lead_search(query=LeadQuery(), page=1).events}
    assert "Textio, Inc." in {
        e.company.name for e in lead_search(query=LeadQuery(q="Textio"), page=1).events
    }
    assert not {name for name, mark in vehicle.items() if mark} & shown


@pytest.mark.django_db
@pytest.mark.clause("L1")
def test_a_form_d_document_read_later_replaces_the_guess_from_the_name(tmp_path):
    """Issue 14: item 4 of the filing outranks the name, both ways.

    The feed entries name the real issuers of D.APFund.xml and halloran_primary_doc.xml
    (same CIKs); the second is written as a trust so that its document has to clear it.
    """
    feed = tmp_path / "latest.atom"
    feed.write_text(
        ATOM_HEAD
        + atom_entry(
            form="D",
            name="AP Fund IV, a series of Inference Technology Partners, LP",
            cik="0001958740",
            accession="0001958740-23-000001",
        )
        + atom_entry(
            form="D",
            name="Diffusion Pharmaceuticals Trust",
            cik="0001171623",
            accession="0001171623-23-000001",
        )
        + "</feed>\n"
    )
    edgar_import(feeds=[str(feed)])
    fund = Company.objects.get(cik="0001958740")
    pharma = Company.objects.get(cik="0001171623")
    assert (fund.investment_vehicle, pharma.investment_vehicle) == (NAMED_VEHICLE,) * 2

    folder = data_dir("sec_formd")
    edgar_import(form_ds=[str(folder / "D.APFund.xml"), str(folder / "halloran_primary_doc.xml")])
    fund.refresh_from_db()
    pharma.refresh_from_db()
    assert fund.investment_vehicle == "Pooled investment fund (Venture Capital Fund)"
    assert pharma.investment_vehicle == ""


def test_the_name_rule_leaves_operating_company_names_alone():
    assert investment_vehicle_by_name("Funding Circle Inc") == ""
    assert investment_vehicle_by_name("Trustpilot Group plc") == ""
    assert investment_vehicle_by_name("Help LPN Staffing Inc") == ""
    assert investment_vehicle_by_name("KYLIN FUND L P") == NAMED_VEHICLE
