"""Importing EDGAR filings: mapping to leads, idempotence, amendments, matching, bad input."""

import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from lead411.core.clock import now
from lead411.leads.matching import normalize_company_name
from lead411.leads.models import Company, Contact, TriggerEvent
from lead411.leads.selectors import leads_data_version
from lead411.leads.sources.edgar.models import EdgarFiling, MatchReview
from lead411.leads.sources.edgar.services import edgar_import
from lead411.leads.sources.edgar.tests.fixtures import (
    ITEM_201,
    ITEM_502,
    atom_entry,
    atom_feed,
    data_dir,
    form_d,
)

pytestmark = pytest.mark.django_db


def _snapshot() -> list[tuple]:
    """Every row the importer writes, with its timestamps: equal means nothing changed."""
    return [
        *TriggerEvent.objects.order_by("id").values_list(
            "id", "kind", "company_id", "announced_on", "amount_usd", "summary", "updated_at"
        ),
        *Company.objects.order_by("id").values_list("id", "name", "cik", "city", "updated_at"),
        *Contact.objects.order_by("id").values_list("id", "name", "role"),
        *EdgarFiling.objects.order_by("id").values_list("accession", "event_id", "updated_at"),
    ]


def _company(name: str, *, city: str, region: str, cik: str | None = None) -> Company:
    return Company.objects.create(
        name=name,
        normalized_name=normalize_company_name(name),
        city=city,
        region=region,
        country_code="USA",
        cik=cik,
        source="crunchbase",
        source_key=f"/organization/{name}-{city}",
        imported_at=now(),
        updated_at=now(),
    )


def _write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.clause("L5")
def test_shared_files_import_once_and_a_second_import_changes_nothing():
    feed = data_dir("sec_edgar_current_atom")
    formd = data_dir("sec_formd")
    empty = leads_data_version()
    first = edgar_import(feeds=[str(feed)], form_ds=[str(formd)])
    assert leads_data_version() != empty  # the new leads expire cached search counts
    assert first.problems == []
    assert first.entries_read == 3000
    assert first.duplicate_entries == 3000 - 1939
    assert first.documents_read == 5
    kinds = Counter(TriggerEvent.objects.values_list("kind", flat=True))
    # 96 D + 69 D/A (one amends a D of the same issuer in the feed) + 5 documents;
    # 8-Ks: 49 with Item 5.02 only, 3 with Item 2.01; 6 S-1.
    assert kinds == {"funding_round": 169, "executive_hire": 49, "acquisition": 3, "other": 6}
    assert first.amendments_linked == 1
    assert first.skipped["4"] == 598
    assert first.skipped["8-K (no item 2.01 or 5.02)"] == 103
    assert Contact.objects.count() == first.contacts_created == 30
    before = _snapshot()
    version = leads_data_version()

    second = edgar_import(feeds=[str(feed)], form_ds=[str(formd)])
    assert second.changed == 0
    assert leads_data_version() == version  # cached search counts stay valid
    assert second.problems == []
    assert sum(second.created.values()) == sum(second.updated.values()) == 0
    assert _snapshot() == before


@pytest.mark.clause("L1")
def test_real_form_d_becomes_a_funding_round_with_contacts_and_provenance():
    formd = data_dir("sec_formd")
    edgar_import(form_ds=[str(formd / "0001398344-24-000491.nc"), str(formd / "D.Shepards.xml")])
    investure = TriggerEvent.objects.get(source_key="0001398344-24-000491")
    assert investure.source == "sec_edgar"
    assert investure.source_url == (
        "https://www.sec.gov/Archives/edgar/data/1296490/000139834424000491/"
        "0001398344-24-000491-index.htm"
    )
    assert investure.kind == "funding_round"
    assert investure.round_type == "Form D offering"
    assert investure.amount_usd is None  # "Indefinite"
    assert investure.company.cik == "0001296490"
    assert (investure.company.city, investure.company.region) == ("Charlottesville", "VA")
    assert investure.company_match == "new company: no match"
    shepherds = TriggerEvent.objects.get(company__cik="0001544190")
    assert shepherds.summary == "Shepherd's Finance, LLC files a Form D offering of $8M"
    assert (shepherds.amount, shepherds.currency, shepherds.amount_usd) == (
        Decimal(8000000),
        "USD",
        Decimal(8000000),
    )
    assert str(shepherds.announced_on) == "2017-03-16"  # date of first sale
    assert "Other Banking and Financial Services" in shepherds.search_document
    assert set(shepherds.company.contacts.values_list("name", "role")) >= {
        (
            "Daniel M. Wallach",
            "Executive Officer, Director (Chief Executive Officer and Member of the Board of "
            "Managers)",
        ),
        ("Catherine Loftin", "Executive Officer (Chief Financial Officer)"),
    }


@pytest.mark.clause("L5")
def test_form_d_amendment_updates_the_original_event(tmp_path):
    original = _write(tmp_path, "0009000001-25-000001.xml", form_d(amount="5000000"))
    amendment = _write(
        tmp_path,
        "0009000001-25-000009.xml",
        form_d(
            submission="D/A",
            previous="0009000001-25-000001",
            amount="7500000",
            persons=(("Ada", "Lovelace", ("Executive Officer",), "President"),),
        ),
    )
    edgar_import(form_ds=[original])
    event = TriggerEvent.objects.get()
    assert event.summary == "Acme, Inc. files a Form D offering of $5M"

    report = edgar_import(form_ds=[amendment])
    assert report.updated == {"funding_round": 1}
    assert report.amendments_linked == 1
    assert TriggerEvent.objects.count() == 1
    event.refresh_from_db()
    assert event.source_key == "0009000001-25-000001"  # the original's provenance stays
    assert event.amount_usd == Decimal(7500000)
    assert event.summary == "Acme, Inc. files a Form D offering of $7.5M"
    assert EdgarFiling.objects.get(accession="0009000001-25-000009").event == event
    assert list(Contact.objects.values_list("name", "role")) == [
        ("Ada Lovelace", "Executive Officer (President)")
    ]
    # Both again, in order: nothing changes.
    again = edgar_import(form_ds=[original, amendment])
    assert again.changed == 0


@pytest.mark.clause("L5")
def test_amendment_read_before_its_original_makes_one_event(tmp_path):
    amendment = _write(
        tmp_path,
        "0009000001-25-000009.xml",
        form_d(submission="D/A", previous="0009000001-25-000001", amount="7500000"),
    )
    original = _write(tmp_path, "0009000001-25-000001.xml", form_d(amount="5000000"))
    edgar_import(form_ds=[amendment])
    edgar_import(form_ds=[original])
    assert TriggerEvent.objects.count() == 1
    event = EdgarFiling.objects.get(accession="0009000001-25-000001").event
    assert event is not None
    assert event.source_key == "0009000001-25-000009"


@pytest.mark.clause("L5")
def test_feed_amendment_without_stated_original_updates_the_issuers_offering(tmp_path):
    feed = atom_feed(
        atom_entry(
            form="D/A",
            name="Acme Fund LP",
            cik="777",
            accession="0000000777-25-000002",
            updated="2025-12-12T15:00:00-05:00",
        ),
        atom_entry(
            form="D",
            name="Acme Fund LP",
            cik="777",
            accession="0000000777-25-000001",
            updated="2025-12-12T09:00:00-05:00",
        ),
    )
    report = edgar_import(feeds=[_write(tmp_path, "feed.atom", feed)])
    assert report.created == {"funding_round": 1}
    assert report.amendments_linked == 1
    event = TriggerEvent.objects.get()
    assert event.source_key == "0000000777-25-000001"
    assert EdgarFiling.objects.get(accession="0000000777-25-000002").event == event


@pytest.mark.clause("L1")
def test_8k_items_map_to_executive_changes_and_acquisitions_and_roles_are_deduplicated(tmp_path):
    feed = atom_feed(
        atom_entry(
            form="8-K",
            name="Hire Co",
            cik="11",
            accession="0000000011-25-000001",
            items=(ITEM_502,),
        ),
        atom_entry(
            form="8-K",
            name="Hire Co Holdings",
            cik="12",
            accession="0000000011-25-000001",
            items=(ITEM_502,),
            role="Filer",
        ),
        atom_entry(
            form="8-K",
            name="Leaving Co",
            cik="13",
            accession="0000000013-25-000001",
            items=("Item 5.02: Departure of Directors or Certain Officers",),
        ),
        atom_entry(
            form="8-K",
            name="Buyer Co",
            cik="14",
            accession="0000000014-25-000001",
            items=(ITEM_201, ITEM_502),
        ),
        atom_entry(
            form="8-K",
            name="Other Events Co",
            cik="15",
            accession="0000000015-25-000001",
            items=("Item 8.01: Other Events",),
        ),
        atom_entry(
            form="4",
            name="Insider Jane",
            cik="16",
            accession="0000000016-25-000001",
            role="Reporting",
        ),
        atom_entry(
            form="4", name="Hire Co", cik="11", accession="0000000016-25-000001", role="Issuer"
        ),
    )
    report = edgar_import(feeds=[_write(tmp_path, "feed.atom", feed)])
    assert report.duplicate_entries == 2
    events = {e.company.name: e for e in TriggerEvent.objects.select_related("company")}
    assert set(events) == {"Hire Co", "Leaving Co", "Buyer Co"}
    assert events["Hire Co"].kind == "executive_hire"
    assert events["Leaving Co"].kind == "executive_departure"
    assert events["Buyer Co"].kind == "acquisition"
    assert events["Buyer Co"].summary == (
        "Buyer Co completes an acquisition or disposition of assets (8-K Item 2.01); "
        "also reports a change of directors or officers (Item 5.02)"
    )
    assert report.skipped == {"8-K (no item 2.01 or 5.02)": 1, "4": 1}


# Matching -------------------------------------------------------------------------------


@pytest.fixture
def acmes():
    """Near-duplicate names in different cities, as a Crunchbase import leaves them."""
    return {
        "boston": _company("Acme, Inc.", city="Boston", region="MA"),
        "denver": _company("ACME INC", city="Denver", region="CO"),
        "holdings": _company("Acme Holdings", city="Boston", region="MA"),
    }


@pytest.mark.clause("L5")
def test_name_and_city_match_a_known_company_and_record_its_cik(tmp_path, acmes):
    doc = _write(tmp_path, "0009000001-25-000001.xml", form_d(name="ACME INC", city="BOSTON"))
    report = edgar_import(form_ds=[doc])
    event = TriggerEvent.objects.get()
    assert event.company == acmes["boston"]
    assert event.company_match == "matched by name + city"
    assert report.companies_matched == {"matched by name + city": 1}
    acmes["boston"].refresh_from_db()
    assert acmes["boston"].cik == "0009000001"
    # The next filing of the issuer is matched by its CIK.
    later = _write(tmp_path, "0009000001-25-000002.xml", form_d(name="Acme Incorporated"))
    edgar_import(form_ds=[later])
    assert TriggerEvent.objects.get(source_key="0009000001-25-000002").company_match == (
        "matched by CIK"
    )


@pytest.mark.clause("L5")
def test_same_name_in_two_other_cities_is_ambiguous_and_sent_to_review(tmp_path, acmes):
    doc = _write(tmp_path, "0009000001-25-000001.xml", form_d(city="Chicago", state="IL"))
    report = edgar_import(form_ds=[doc])
    event = TriggerEvent.objects.get()
    assert event.company_match == "new company: ambiguous, 2 candidates, sent to review"
    assert event.company not in acmes.values()
    assert (event.company.city, event.company.region, event.company.cik) == (
        "Chicago",
        "IL",
        "0009000001",
    )
    review = MatchReview.objects.get()
    assert review.company == event.company
    assert set(review.candidates.all()) == {acmes["boston"], acmes["denver"]}
    assert review.accession == "0009000001-25-000001"
    assert report.reviews_created == 1
    # A second import adds no second review.
    edgar_import(form_ds=[doc])
    assert MatchReview.objects.count() == 1


@pytest.mark.clause("L5")
def test_one_name_match_in_another_city_is_not_merged(tmp_path, acmes):
    acmes["boston"].delete()
    doc = _write(tmp_path, "0009000001-25-000001.xml", form_d(city="Boston"))
    edgar_import(form_ds=[doc])
    event = TriggerEvent.objects.get()
    assert event.company_match == "new company: name match with a different city, sent to review"
    assert list(MatchReview.objects.get().candidates.all()) == [acmes["denver"]]


@pytest.mark.clause("L5")
def test_same_city_name_in_another_state_is_another_place(tmp_path):
    _company("Acme, Inc.", city="Portland", region="ME")
    doc = _write(tmp_path, "0009000001-25-000001.xml", form_d(city="PORTLAND", state="OR"))
    edgar_import(form_ds=[doc])
    assert TriggerEvent.objects.get().company_match == (
        "new company: name match with a different city, sent to review"
    )


@pytest.mark.clause("L5")
def test_feed_entry_has_no_location_so_a_name_match_goes_to_review(tmp_path, acmes):
    feed = atom_feed(
        atom_entry(form="D", name="Acme Inc.", cik="42", accession="0000000042-25-000001")
    )
    edgar_import(feeds=[_write(tmp_path, "feed.atom", feed)])
    assert TriggerEvent.objects.get().company_match == (
        "new company: ambiguous, 2 candidates, sent to review"
    )


@pytest.mark.clause("L5")
def test_cik_match_wins_over_names_and_other_registrants_are_never_candidates(tmp_path, acmes):
    known = _company("Renamed Corp", city="Austin", region="TX", cik="0009000001")
    acmes["boston"].cik = "0000000555"
    acmes["boston"].save()
    edgar_import(form_ds=[_write(tmp_path, "0009000001-25-000001.xml", form_d())])
    assert TriggerEvent.objects.get().company == known
    assert TriggerEvent.objects.get().company_match == "matched by CIK"
    doc = _write(tmp_path, "0009000002-25-000001.xml", form_d(cik="0009000002"))
    edgar_import(form_ds=[doc])
    # Boston's Acme has another CIK: another registrant, so no candidate at all in Boston.
    assert TriggerEvent.objects.get(source_key="0009000002-25-000001").company_match == (
        "new company: name match with a different city, sent to review"
    )


# Bad input ------------------------------------------------------------------------------


@pytest.mark.clause("L5")
def test_bad_input_is_a_summary_line_and_the_rest_of_the_batch_is_imported(tmp_path):
    good_feed = atom_feed(
        atom_entry(form="D", name="Good Fund LP", cik="101", accession="0000000101-25-000001"),
        atom_entry(form="XYZ-99", name="Odd Co", cik="102", accession="0000000102-25-000001"),
        atom_entry(form="D", name="Nameless Fund", cik=None, accession="0000000103-25-000001"),
    )
    feed = _write(tmp_path, "good.atom", good_feed)
    html = _write(tmp_path, "error.atom", b"<html><body>Service Unavailable</body></html>")
    truncated = _write(tmp_path, "cut.xml", form_d()[:300])
    good_doc = _write(tmp_path, "0009000001-25-000001.xml", form_d(leading_blank_line=True))
    missing = str(tmp_path / "missing.xml")
    out = io.StringIO()
    # Files that cannot be read make the command fail, after the others are imported.
    with pytest.raises(CommandError, match=r"^3 file\(s\) could not be read; see the problems"):
        call_command(
            "import_edgar",
            "--feed",
            feed,
            html,
            "--formd",
            truncated,
            missing,
            good_doc,
            stdout=out,
        )
    lines = out.getvalue().splitlines()
    assert f"  {feed} entry 3: no CIK in the title 'D - Nameless Fund (Filer)' (Nameless Fund)" in (
        lines
    )
    assert (
        f"  {html}: an HTML page, not XML (an error page from the server?): file skipped" in lines
    )
    assert (
        f"  {truncated}: not well-formed XML (unclosed token: line 5, column 16): document skipped"
        in lines
    )
    assert any(line.startswith(f"  {missing}: could not be read ([Errno 2]") for line in lines)
    assert (
        f"  unknown form type 'XYZ-99': 1 entries skipped (first: {feed} 0000000102-25-000001)"
        in (lines)
    )
    assert "problems: 5 (3 files could not be read)" in lines
    assert "events created: 2 (funding_round 2)" in lines
    assert set(TriggerEvent.objects.values_list("source_key", flat=True)) == {
        "0000000101-25-000001",
        "0009000001-25-000001",
    }
