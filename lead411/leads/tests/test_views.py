"""Lead search, detail and CSV export pages: members only, facets, and bad input -> 400."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from lead411.leads.exports import csv_cell
from lead411.leads.models import TriggerEvent
from lead411.leads.tests.factories import CompanyFactory, ContactFactory, TriggerEventFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clause("L2")]

SEARCH = reverse("leads:search")
EXPORT = reverse("leads:export-csv")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start each test without facets cached by another test's data."""
    cache.clear()


@pytest.fixture
def leads() -> dict[str, TriggerEvent]:
    acme = CompanyFactory(name="Acme Robotics", categories=["Software", "Robotics"])
    bio = CompanyFactory(
        name="BioGen Labs", categories=["Biotechnology"], region="MA", city="Boston"
    )
    return {
        "acme_a": TriggerEventFactory.create(
            company=acme, announced_on=dt.date(2014, 3, 1), amount=Decimal(5_000_000),
            summary="Acme Robotics raised a $5M series A", series="A",
            company_match="matched by CIK",
        ),
        "acme_acq": TriggerEventFactory.create(
            company=acme, kind=TriggerEvent.Kind.ACQUISITION, round_type="",
            announced_on=dt.date(2015, 1, 10), amount=Decimal(100_000_000),
            counterparty="BigCo", summary="Acme Robotics was acquired by BigCo",
        ),
        "bio_seed": TriggerEventFactory.create(
            company=bio, round_type="seed", announced_on=dt.date(2013, 5, 5),
            amount=Decimal(500_000), summary="BioGen Labs raised a $500K seed round",
        ),
    }  # fmt: skip


def _export(client, params: dict | str = "") -> list[list[str]]:
    response = (
        client.get(EXPORT, params) if isinstance(params, dict) else client.get(EXPORT + params)
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


# --- Members only ---


@pytest.mark.parametrize("name", ["leads:search", "leads:export-csv"])
def test_anonymous_visitors_are_sent_to_login(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


def test_anonymous_visitors_cannot_open_a_lead(client, leads):
    response = client.get(reverse("leads:detail", args=[leads["acme_a"].pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- Search page ---


def test_member_sees_results_with_facet_counts(member_client, leads):
    response = member_client.get(SEARCH)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>3</strong> leads" in html
    assert "Acme Robotics raised a $5M series A" in html
    result = response.context["result"]
    kinds = {v.value: v.count for f in result.facets if f.param == "kind" for v in f.values}
    assert kinds == {"funding_round": 2, "acquisition": 1}
    assert 'href="?kind=acquisition"' in html
    assert '<span class="facet-label">Software</span>' in html
    assert '<span class="facet-count">2</span>' in html


def test_facet_links_toggle_values_and_keep_the_other_parameters(member_client, leads):
    response = member_client.get(SEARCH, {"q": "robotics", "kind": "acquisition", "page": "1"})
    html = response.content.decode()
    assert response.context["result"].total == 1
    # The selected value's link removes it; page is dropped from facet links.
    assert 'href="?q=robotics" aria-current="true"' in html
    assert "?q=robotics&amp;kind=acquisition&amp;category=Software" in html
    # The active-filter chip names the kind, and removes it.
    assert '<a class="chip" href="?q=robotics">Acquisition <span aria-hidden="true">' in html


def test_search_by_words_filters_and_sort(member_client, leads):
    response = member_client.get(
        SEARCH, {"q": "raised", "country": "USA", "amount_min": "1000000", "sort": "amount"}
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert [e.pk for e in result.events] == [leads["acme_a"].pk]
    assert result.sort == "amount"
    assert '<option value="amount" selected>' in response.content.decode()


def test_export_form_carries_the_search_parameters(member_client, leads):
    html = member_client.get(
        SEARCH, {"q": "acme", "kind": "funding_round", "page": "1"}
    ).content.decode()
    form = html[html.index(f'action="{EXPORT}"') : html.index("</form>", html.index(EXPORT))]
    assert '<input type="hidden" name="q" value="acme">' in form
    assert '<input type="hidden" name="kind" value="funding_round">' in form
    assert 'name="page"' not in form


def test_pagination_links(member_client, leads, settings):
    settings.LEADS_PAGE_SIZE = 2
    html = member_client.get(SEARCH, {"q": "acme"}).content.decode()
    assert "Page 1 of 1" not in html
    html = member_client.get(SEARCH).content.decode()
    assert "Page 1 of 2" in html
    assert 'href="?page=2"' in html


def test_a_page_past_the_last_shows_the_last_with_a_message(member_client, leads, settings):
    settings.LEADS_PAGE_SIZE = 2
    response = member_client.get(SEARCH, {"page": "7"})
    assert response.status_code == 200
    assert response.context["result"].page == 2
    assert "There are only 2 pages of results; showing the last one." in response.content.decode()


# --- Bad input: a 400 page or a corrected query with a message, never a 500 ---


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2014-02-30"}, "Enter a real calendar date. Use YYYY-MM-DD, for example 2014-06-30."),
        ({"date_to": "yesterday"}, "Enter a real calendar date."),
        ({"date_from": "2015-01-01", "date_to": "2014-01-01"}, "The end date is before the start date."),
        ({"amount_min": "-5"}, "Enter an amount of 0 or more."),
        ({"amount_max": "lots"}, "Enter an amount in US dollars as a plain number, for example 5000000."),
        ({"amount_min": "NaN"}, "Enter an amount in US dollars as a plain number"),
        ({"amount_min": "1e400"}, "Enter an amount below one quadrillion dollars."),
        ({"amount_min": "10", "amount_max": "5"}, "The maximum amount is below the minimum amount."),
        ({"page": str(10**9)}, "Results stop at page 400: narrow the search with words or filters"),
        ({"page": "9" * 5000}, "The page must be a whole number."),
        ({"page": "0"}, "Pages start at 1."),
        ({"page": "two"}, "The page must be a whole number."),
        ({"q": "x" * 10_000}, "Search text is limited to 200 characters (yours has 10,000)."),
        ({"q": "soft\x00ware"}, "Null characters are not allowed."),
        ({"sort": "price; DROP TABLE"}, "Sort by relevance, date or amount."),
        ({"kind": "bribery"}, "bribery is not an event type we know."),
        ({"city": [f"c{i}" for i in range(21)]}, "Choose at most 20 values (you sent 21)."),
        ({"category": "y" * 101}, "A value may have at most 100 characters."),
    ],
)  # fmt: skip
def test_bad_input_gets_a_400_page_that_says_what_is_wrong(member_client, leads, params, message):
    response = member_client.get(SEARCH, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert "We could not run this search" in html
    assert message.replace("'", "&#x27;") in html
    assert 'href="/leads/">start a new search</a>' in html


@pytest.mark.parametrize(
    "params", [{"page": str(10**9)}, {"amount_min": "-1"}, {"date_to": "2014-13-01"}]
)
def test_bad_input_to_the_export_gets_a_400(member_client, leads, params):
    response = member_client.get(EXPORT, params)
    assert response.status_code == 400
    assert "We could not run this search" in response.content.decode()


@pytest.mark.parametrize(
    ("text", "read_as"),
    [
        ('"software', "software"),
        ("NEAR(acme bio)", "near acme bio"),
        ("(acme) AND -x", "acme NOT x"),
        ("a:b ^c +d", "a b c d"),
        ("soft* OR", "soft*"),
    ],
)
def test_bad_syntax_is_searched_as_words_with_a_message(member_client, leads, text, read_as):
    response = member_client.get(SEARCH, {"q": text})
    assert response.status_code == 200
    assert f"We searched for: {read_as}." in response.content.decode()


@pytest.mark.parametrize("text", ["acme OR bio", "soft*", "acme -bio", '"acme robotics"'])
def test_the_query_language_needs_no_message(member_client, leads, text):
    response = member_client.get(SEARCH, {"q": text})
    assert response.status_code == 200
    assert "We searched for" not in response.content.decode()


def test_syntax_only_text_shows_everything_with_a_message(member_client, leads):
    response = member_client.get(SEARCH, {"q": '"*()'})
    assert response.status_code == 200
    assert response.context["result"].total == 3
    assert (
        "Your search text had no words to search for; showing all leads."
        in response.content.decode()
    )


def test_unknown_parameters_are_ignored_with_a_message(member_client, leads):
    response = member_client.get(SEARCH, {"q": "acme", "utm_source": "mail", "evil": "<script>"})
    assert response.status_code == 200
    assert response.context["result"].total == 2
    html = response.content.decode()
    assert "Ignored unknown parameter(s): evil, utm_source." in html
    assert "utm_source=" not in html


def test_relevance_without_words_falls_back_to_date_with_a_message(member_client, leads):
    response = member_client.get(SEARCH, {"sort": "relevance"})
    assert response.status_code == 200
    assert (
        "Sorting by relevance needs search words; sorted by date instead."
        in response.content.decode()
    )


def test_the_search_page_answers_only_get(member_client):
    assert member_client.post(SEARCH).status_code == 405


# --- Detail ---


def test_detail_shows_the_event_company_timeline_contacts_and_provenance(member_client, leads):
    event = leads["acme_a"]
    event.source_url = "https://www.crunchbase.com/funding-round/abc"
    event.save()
    ContactFactory(company=event.company, name="Ada Lovelace", role="Chief Executive Officer")
    response = member_client.get(reverse("leads:detail", args=[event.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Acme Robotics raised a $5M series A",
        "Venture (series A)",
        "$5M",
        "https://acmerobotics.example",
        "San Francisco, CA · USA",
        "Operating",
        "2010",
        "Robotics",
        "Software",
        "Acme Robotics was acquired by BigCo",
        "Ada Lovelace",
        "Chief Executive Officer",
        "crunchbase",
        event.source_key,
        "https://www.crunchbase.com/funding-round/abc",
        "Imported",
    ):
        assert text in html, text
    assert f'href="{reverse("leads:detail", args=[leads["acme_acq"].pk])}"' in html
    # How the importer matched the company is for staff (issue 14).
    assert "matched by CIK" not in html
    assert "Company match" not in html


@pytest.mark.clause("L1")
def test_detail_leaves_out_unknown_facts_and_shows_the_match_to_staff_only(client, member, staff):
    """Issue 14: no "Unknown" place, status or founding year, and no "Company match: new
    company: no match" for members; staff still see how the company was matched."""
    company = CompanyFactory(
        name="Quiet Co", city="", region="", country_code="", founded_on=None,
        status="unknown", homepage="", categories=[],
    )  # fmt: skip
    event = TriggerEventFactory.create(
        company=company, announced_on=None, company_match="new company: no match"
    )
    url = reverse("leads:detail", args=[event.pk])
    for viewer, sees_match in ((member, False), (staff, True)):
        client.force_login(viewer)
        html = client.get(url).content.decode()
        assert "Unknown" not in html
        for label in (
            "<dt>Address</dt>",
            "<dt>Ticker</dt>",
            "<dt>Industry</dt>",
            "<dt>Incorporated in</dt>",
            "<dt>Website</dt>",
            "<dt>Status</dt>",
            "<dt>Founded</dt>",
            "<dt>Announced</dt>",
        ):
            assert label not in html
        assert ("new company: no match" in html) is sees_match


def test_detail_of_a_missing_lead_is_404(member_client, leads):
    response = member_client.get(reverse("leads:detail", args=[999_999]))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


# --- CSV export ---


def test_export_streams_the_result_set_as_csv(member_client, leads):
    response = member_client.get(EXPORT, {"q": "acme", "sort": "date"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="lead411-leads-')
    assert response.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["summary"] for r in rows] == [
        "Acme Robotics was acquired by BigCo",
        "Acme Robotics raised a $5M series A",
    ]
    first = rows[1]
    assert first["categories"] == "Robotics|Software"
    assert first["amount_usd"] == "5000000.00"
    assert first["kind"] == "Funding round"
    assert first["lead_url"] == f"http://testserver/leads/{leads['acme_a'].pk}/"


def test_export_ignores_the_page(member_client, leads, settings):
    settings.LEADS_PAGE_SIZE = 1
    rows = _export(member_client, {"page": "3"})
    assert len(rows) == 1 + 3


def test_export_neutralises_formulas(member_client):
    company = CompanyFactory(
        name='=HYPERLINK("http://evil.example","x")', city="+cmd", region="@SUM(1)"
    )
    TriggerEventFactory.create(
        company=company, counterparty="-2+3", summary="\tTabbed", source_key="\rcarriage"
    )
    rows = _export(member_client)
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert "company" in header
    assert row["company"] == '\'=HYPERLINK("http://evil.example","x")'
    assert row["city"] == "'+cmd"
    assert row["region"] == "'@SUM(1)"
    assert row["counterparty"] == "'-2+3"
    assert row["summary"] == "'\tTabbed"
    assert row["source_key"] == "'\rcarriage"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"),
        ("\rx", "'\rx"), ("Acme", "Acme"), ("", ""), (None, ""), (5, "5"), ("a=b", "a=b"),
    ],
)  # fmt: skip
def test_csv_cell(value, expected):
    assert csv_cell(value) == expected
