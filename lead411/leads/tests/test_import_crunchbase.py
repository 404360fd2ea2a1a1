"""The CrunchBase importer: dirt rules, idempotency, updates, errors, and the real export (L5, L1)."""

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from lead411.leads.models import Category, Company, TriggerEvent
from lead411.leads.sources.base import read_rows
from lead411.leads.sources.crunchbase import (
    MATCHED_BY_REPAIRED_ID,
    CrunchbaseImportReport,
    crunchbase_import,
)

FIXTURES = Path(__file__).parent / "fixtures" / "crunchbase"
REAL_EXPORT = Path(settings.LEAD411_DATA_DIR) / "crunchbase_2015"

pytestmark = pytest.mark.django_db


def _import(name: str, tmp_path: Path) -> tuple[CrunchbaseImportReport, dict[tuple[str, int], str]]:
    """Import a fixture folder; return the report and the rejects as ``(file, line) -> reason``."""
    rejects = tmp_path / f"{name}-rejects.csv"
    report = crunchbase_import(directory=FIXTURES / name, rejects_path=rejects)
    with rejects.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return report, {(row["file"], int(row["line"])): row["reason"] for row in rows}


def _counts(report: CrunchbaseImportReport) -> dict[str, tuple[int, int, int, int, int]]:
    return {c.file: (c.read, c.created, c.updated, c.unchanged, c.rejected) for c in report.files}


def _event(key: str) -> TriggerEvent:
    return TriggerEvent.objects.select_related("company").get(source="crunchbase", source_key=key)


@pytest.fixture
def dirty(tmp_path):
    return _import("dirty", tmp_path)


# --- a clean import ----------------------------------------------------------------------


@pytest.mark.clause("L1")
@pytest.mark.clause("L5")
def test_clean_export_maps_companies_rounds_and_acquisitions(tmp_path):
    report, rejects = _import("clean", tmp_path)

    assert rejects == {}
    assert _counts(report) == {
        "companies.csv": (2, 2, 0, 0, 0),
        "rounds2.csv": (2, 2, 0, 0, 0),
        "acquisitions.csv": (2, 2, 0, 0, 0),
    }
    assert report.acquired_companies_created == 1
    acme = Company.objects.get(source_key="/organization/acme")
    assert (acme.name, acme.normalized_name, acme.homepage) == (
        "Acme",
        "acme",
        "http://acme.example",
    )
    assert (acme.country_code, acme.region, acme.city) == ("USA", "CA", "San Francisco")
    assert acme.status == Company.Status.OPERATING
    assert str(acme.founded_on) == "2010-01-01"
    assert sorted(acme.categories.values_list("name", flat=True)) == ["Analytics", "Software"]
    assert acme.source == "crunchbase"
    assert acme.source_url == "https://www.crunchbase.com/organization/acme"
    assert acme.imported_at is not None
    assert acme.updated_at == acme.imported_at
    # Outside the USA and Canada the region is the metro name, not the numeric state code.
    globex = Company.objects.get(source_key="/organization/globex")
    assert (globex.country_code, globex.region, globex.founded_on) == ("GBR", "London", None)

    series_a = _event("/funding-round/r1")
    assert series_a.kind == TriggerEvent.Kind.FUNDING_ROUND
    assert series_a.company == acme
    assert (series_a.round_type, series_a.series) == ("venture", "A")
    assert str(series_a.announced_on) == "2014-01-05"
    assert (series_a.amount, series_a.currency, series_a.amount_usd) == (
        Decimal("5000000"),
        "USD",
        Decimal("5000000"),
    )
    assert series_a.summary == "Acme raised a $5M series A"
    assert series_a.search_document == "Acme\nAnalytics Software\nAcme raised a $5M series A"
    seed = _event("/funding-round/r2")
    assert (seed.amount, seed.currency, seed.summary) == (None, "", "Globex raised a seed round")

    bought = _event("/organization/globex|/organization/acme|2013-06-01")
    assert bought.kind == TriggerEvent.Kind.ACQUISITION
    assert (bought.company, bought.counterparty) == (globex, "Acme")
    assert bought.summary == "Globex was acquired by Acme for $9M"
    assert bought.amount_usd == Decimal("9000000")
    # A price in euros keeps its currency and has no USD amount.
    initech_deal = _event("/organization/initech|/organization/acme|2014-02-03")
    assert (initech_deal.amount, initech_deal.currency, initech_deal.amount_usd) == (
        Decimal("1200000"),
        "EUR",
        None,
    )
    assert initech_deal.summary == "Initech was acquired by Acme for €1.2M"
    initech = initech_deal.company
    assert (initech.name, initech.status, initech.region) == ("Initech", "acquired", "ON")


# --- one test per kind of dirt ---------------------------------------------------------------


@pytest.mark.clause("L5")
def test_invalid_utf8_in_a_round_permalink_is_repaired_when_one_company_matches(dirty):
    _, rejects = dirty
    # rounds2.csv line 3 holds b"allg\xe3\xa4u": the UTF-8 of "allgäu" read as cp1252, lower-cased.
    event = _event("/funding-round/allg-1")
    assert event.company.source_key == "/organization/allgäu-outlet"
    assert event.company_match == MATCHED_BY_REPAIRED_ID
    assert ("rounds2.csv", 3) not in rejects


@pytest.mark.clause("L5")
def test_invalid_utf8_is_rejected_when_it_cannot_be_repaired(dirty):
    _, rejects = dirty
    assert rejects[("rounds2.csv", 4)] == (
        "company_permalink is not valid UTF-8 (byte 25 of the row) and matches no single "
        "company of companies.csv"
    )
    assert rejects[("companies.csv", 9)] == "not valid UTF-8 (byte 25 of the row)"
    assert not Company.objects.filter(source_key="/organization/badname").exists()


@pytest.mark.clause("L5")
def test_upper_cased_permalinks_are_lower_cased_keys(dirty):
    bigco = Company.objects.get(source_key="/organization/bigco")
    assert bigco.status == Company.Status.IPO
    # rounds2.csv line 2 names the company as /ORGANIZATION/BIGCO.
    assert _event("/funding-round/big-a").company == bigco


@pytest.mark.clause("L5")
def test_day_month_year_dates_are_read_as_such(dirty):
    assert str(_event("/funding-round/big-a").announced_on) == "2015-01-05"
    assert str(Company.objects.get(source_key="/organization/dmy").founded_on) == "2011-03-17"
    # An ISO date with a midnight time (acquisitions.csv line 2) keeps its date.
    assert str(_event("/organization/initech|/organization/bigco|2014-02-03").announced_on) == (
        "2014-02-03"
    )


@pytest.mark.clause("L5")
def test_junk_years_reject_events_but_a_junk_founding_year_keeps_the_company(dirty):
    """Issue 14: a company row with a junk founding year keeps the company (founding date
    left empty, the repair reported) so that its funding rounds are not thrown away."""
    report, rejects = dirty
    assert ("companies.csv", 4) not in rejects
    assert ("companies.csv", 5) not in rejects
    assert report.repairs[:2] == [
        "companies.csv line 4: founded_at '1015-01-30' is outside 1500-01-01..2015-12-04; "
        "founding date left empty",
        "companies.csv line 5: founded_at '2914-01-01' is outside 1500-01-01..2015-12-04; "
        "founding date left empty",
    ]
    atipica = Company.objects.get(source_key="/organization/atipica")
    assert (atipica.name, atipica.founded_on) == ("Atipica", None)
    assert ("rounds2.csv", 6) not in rejects
    assert _event("/funding-round/atipica-1").company == atipica
    assert rejects[("rounds2.csv", 8)] == "funded_at '05-01-1201' is outside 1500-01-01..2015-12-04"
    assert rejects[("acquisitions.csv", 3)] == (
        "acquired_at '3201-10-21' is outside 1500-01-01..2015-12-04"
    )
    assert rejects[("rounds2.csv", 11)] == "funded_at '31-02-2015' is not a date"


@pytest.mark.clause("L5")
def test_empty_dates_mean_unknown(dirty):
    assert Company.objects.get(source_key="/organization/nodate").founded_on is None
    assert _event("/funding-round/nodate-3").announced_on is None
    undated = _event("/organization/undated|/organization/bigco|undated")
    assert undated.announced_on is None
    assert undated.summary == "Undated Ltd was acquired by BigCo"


@pytest.mark.clause("L5")
def test_dash_amounts_mean_unknown(dirty):
    angel = _event("/funding-round/nodate-1")
    assert (angel.amount, angel.amount_usd, angel.currency) == (None, None, "")
    assert angel.summary == "No Date Inc. raised an angel round"
    assert _event("/organization/undated|/organization/bigco|undated").amount is None


@pytest.mark.clause("L5")
def test_line_breaks_inside_quoted_fields_keep_the_record_and_its_first_line(dirty):
    _, rejects = dirty
    assert Company.objects.get(source_key="/organization/twoline").name == "Two Line Labs"
    deal = _event("/organization/multiline|/organization/acquirer|2010-05-05")
    assert deal.counterparty == "Acquirer Group Inc"
    assert (deal.currency, deal.amount_usd) == ("GBP", None)
    # The records after a multi-line one keep their physical line numbers: the company
    # after the two-line name is line 9, the acquisition after the three-line one line 8.
    assert rejects[("companies.csv", 9)].startswith("not valid UTF-8")
    assert rejects[("acquisitions.csv", 8)] == "price_amount has no price_currency_code"


@pytest.mark.clause("L5")
def test_an_unbalanced_quote_costs_one_row_not_the_rest_of_the_file(dirty):
    _, rejects = dirty
    assert rejects[("acquisitions.csv", 9)] == "malformed CSV: unbalanced quote"
    assert Company.objects.filter(source_key="/organization/after").exists()


@pytest.mark.clause("L5")
def test_rounds_whose_company_is_missing_are_rejected(dirty):
    _, rejects = dirty
    assert rejects[("rounds2.csv", 5)] == (
        "company /organization/ghost is in neither companies.csv nor acquisitions.csv"
    )
    assert not TriggerEvent.objects.filter(source_key="/funding-round/ghost-1").exists()


@pytest.mark.clause("L5")
def test_other_broken_rows_are_rejected_with_their_reason(dirty):
    _, rejects = dirty
    assert rejects[("companies.csv", 10)] == "expected 14 fields, found 2"
    assert rejects[("companies.csv", 11)] == (
        "status 'sleeping' is not one of acquired, closed, ipo, operating"
    )
    assert rejects[("rounds2.csv", 10)] == "duplicate key /funding-round/nodate-1 of line 7"


@pytest.mark.clause("L5")
def test_every_row_is_counted_and_every_reject_reported(dirty, tmp_path):
    report, rejects = dirty
    assert _counts(report) == {
        # Lines 4 and 5 are kept with an empty founding date (issue 14), and so is
        # Atipica's round (rounds2.csv line 6).
        "companies.csv": (10, 7, 0, 0, 3),
        "rounds2.csv": (10, 5, 0, 0, 5),
        "acquisitions.csv": (7, 4, 0, 0, 3),
    }
    for counts in report.files:
        assert counts.read == counts.created + counts.updated + counts.unchanged + counts.rejected
        assert counts.rejected == sum(1 for file, _ in rejects if file == counts.file)
    with (tmp_path / "dirty-rejects.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["file", "line", "reason", "raw"]
    # The raw column holds the row as read; bytes that are not UTF-8 appear escaped.
    raw = {(row["file"], row["line"]): row["raw"] for row in rows}
    assert (
        raw[("companies.csv", "9")]
        == "/organization/badname,Bad\\xc3Name,http://badname.example,,100,operating,,,,,1,,,"
    )


# --- idempotency and updates ---------------------------------------------------------------


@pytest.mark.clause("L5")
def test_a_second_run_creates_and_changes_nothing(tmp_path):
    first, _ = _import("dirty", tmp_path)
    stamps = dict(TriggerEvent.objects.values_list("source_key", "updated_at"))
    second, rejects = _import("dirty", tmp_path)

    for before, after in zip(first.files, second.files, strict=True):
        assert (after.created, after.updated) == (0, 0)
        assert after.unchanged == before.created
        assert after.rejected == before.rejected
    assert second.acquired_companies_created == 0
    assert dict(TriggerEvent.objects.values_list("source_key", "updated_at")) == stamps
    assert len(rejects) == 11


@pytest.mark.clause("L5")
def test_a_newer_export_updates_what_changed(tmp_path):
    _import("clean", tmp_path)
    acme_imported = Company.objects.get(source_key="/organization/acme").imported_at

    report, _ = _import("newer", tmp_path)

    assert _counts(report) == {
        "companies.csv": (2, 0, 1, 1, 0),
        # r1's amount changed; r2 is unchanged.
        "rounds2.csv": (2, 0, 1, 1, 0),
        # Acme is only the acquirer there; an acquisition's document names the acquired company.
        "acquisitions.csv": (2, 0, 0, 2, 0),
    }
    acme = Company.objects.get(source_key="/organization/acme")
    assert (acme.region, acme.city) == ("NY", "New York")
    assert sorted(acme.categories.values_list("name", flat=True)) == [
        "Analytics",
        "Big Data",
        "Software",
    ]
    assert acme.imported_at == acme_imported
    assert acme.updated_at > acme_imported
    series_a = _event("/funding-round/r1")
    assert series_a.amount_usd == Decimal("6000000")
    assert series_a.summary == "Acme raised a $6M series A"
    assert (
        series_a.search_document == "Acme\nAnalytics Big Data Software\nAcme raised a $6M series A"
    )
    assert Category.objects.filter(name="Big Data").count() == 1


# --- errors that stop the import -----------------------------------------------------------


@pytest.mark.clause("L5")
def test_a_missing_file_is_one_line_error_and_nothing_is_written(tmp_path):
    rejects = tmp_path / "rejects.csv"
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "import_crunchbase", str(FIXTURES / "missing_file"), rejects=rejects, no_progress=True
        )
    assert str(excinfo.value) == f"{FIXTURES / 'missing_file' / 'acquisitions.csv'}: file not found"
    assert Company.objects.count() == 0
    assert TriggerEvent.objects.count() == 0
    assert not rejects.exists()


@pytest.mark.clause("L5")
def test_a_wrong_header_is_one_line_error_and_nothing_is_written(tmp_path):
    with pytest.raises(CommandError) as excinfo:
        call_command("import_crunchbase", str(FIXTURES / "bad_header"), no_progress=True)
    message = str(excinfo.value)
    assert message.startswith(f"{FIXTURES / 'bad_header' / 'rounds2.csv'}: unexpected header: ")
    assert "found company_permalink,funding_round_permalink,funding_round_type," in message
    assert "funded_on" in message
    assert "\n" not in message
    assert Company.objects.count() == 0


@pytest.mark.clause("L5")
def test_a_missing_directory_is_one_line_error(tmp_path):
    with pytest.raises(CommandError) as excinfo:
        call_command("import_crunchbase", str(tmp_path / "nowhere"), no_progress=True)
    assert str(excinfo.value) == f"{tmp_path / 'nowhere'}: not a readable directory"


@pytest.mark.clause("L5")
def test_a_newer_export_imports_rounds_dated_after_the_2015_export_with_its_date(tmp_path, capsys):
    """Issue 14: the export date is an option, not a constant: a 2016 export's rounds
    dated after 4 Dec 2015 are imported when the command is told the export's date."""
    export = tmp_path / "export-2016"
    shutil.copytree(FIXTURES / "newer", export)
    rounds = export / "rounds2.csv"
    rounds.write_text(
        rounds.read_text(encoding="utf-8")
        + "/organization/acme,/funding-round/r3,venture,B,2016-03-01,9000000\n",
        encoding="utf-8",
    )
    call_command("import_crunchbase", str(export), no_progress=True)
    assert "rounds2.csv: read=3 created=2 updated=0 unchanged=0 rejected=1" in (
        capsys.readouterr().out
    )
    assert not TriggerEvent.objects.filter(source_key="/funding-round/r3").exists()

    call_command("import_crunchbase", str(export), "--export-date", "2016-06-30", no_progress=True)
    assert "rounds2.csv: read=3 created=1 updated=0 unchanged=2 rejected=0" in (
        capsys.readouterr().out
    )
    assert str(_event("/funding-round/r3").announced_on) == "2016-03-01"

    with pytest.raises(CommandError, match="is not a date"):
        call_command("import_crunchbase", str(export), "--export-date", "June 2016")


@pytest.mark.clause("L5")
def test_a_repaired_founding_year_is_printed_by_the_command(capsys):
    call_command("import_crunchbase", str(FIXTURES / "dirty"), no_progress=True)
    out = capsys.readouterr().out
    assert (
        "repaired: companies.csv line 4: founded_at '1015-01-30' is outside "
        "1500-01-01..2015-12-04; founding date left empty"
    ) in out.splitlines()


@pytest.mark.clause("L5")
def test_the_command_prints_one_summary_line_per_file(tmp_path, capsys):
    call_command(
        "import_crunchbase", str(FIXTURES / "clean"), rejects=tmp_path / "r.csv", no_progress=True
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [
        "companies.csv: read=2 created=2 updated=0 unchanged=0 rejected=0",
        "rounds2.csv: read=2 created=2 updated=0 unchanged=0 rejected=0",
        "acquisitions.csv: read=2 created=2 updated=0 unchanged=0 rejected=0",
    ]


def test_the_reader_numbers_records_by_their_first_physical_line(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b'a,b\n1,"x\ny"\n2,z\r\n\n3,"q""r"\n')
    rows = [(row.line, row.fields) for row in read_rows(path)]
    assert rows == [(2, ["1", "x\ny"]), (4, ["2", "z"]), (6, ["3", 'q"r'])]


# --- the real export ---------------------------------------------------------------------


@pytest.mark.clause("L5")
@pytest.mark.clause("L1")
def test_the_real_export_imports_consistently(tmp_path):
    if not (REAL_EXPORT / "companies.csv").exists():
        pytest.skip(f"the CrunchBase 2015 export is not at {REAL_EXPORT} (see SOURCES.md)")
    rejects_path = tmp_path / "rejects.csv"
    report = crunchbase_import(directory=REAL_EXPORT, rejects_path=rejects_path)

    assert [c.read for c in report.files] == [66368, 112603, 18030]
    for counts in report.files:
        assert counts.read == counts.created + counts.updated + counts.unchanged + counts.rejected
    with rejects_path.open(newline="", encoding="utf-8") as handle:
        rejects = list(csv.DictReader(handle))
    assert len(rejects) == sum(c.rejected for c in report.files)
    assert all(int(row["line"]) >= 2 and row["reason"] and row["raw"] for row in rejects)
    by_line = {(row["file"], int(row["line"])): row["reason"] for row in rejects}
    # Junk years named in SOURCES.md.
    assert by_line[("acquisitions.csv", 2483)].startswith("acquired_at '3201-10-21' is outside")
    assert by_line[("acquisitions.csv", 7721)].startswith("acquired_at '1201-11-03 00:00:00'")
    # A junk founding year keeps its company, founding date empty (issue 14).
    assert ("companies.csv", 4778) not in by_line
    assert any(
        r.startswith("companies.csv line 4778: founded_at '1015-01-30' is outside")
        for r in report.repairs
    )
    # The 148-line record with a 32k-character acquirer name, counted from its first line.
    assert by_line[("acquisitions.csv", 15357)].startswith("acquirer_name is ")
    # Every round with broken bytes found its company: none is rejected for encoding.
    assert not any("UTF-8" in reason for reason in by_line.values())

    whatsapp = _event("/organization/whatsapp|/organization/facebook|2014-02-19")
    assert whatsapp.summary == "WhatsApp was acquired by Facebook for $19B"
    assert (whatsapp.amount_usd, whatsapp.counterparty) == (Decimal("19000000000"), "Facebook")
    assert whatsapp.company.city == "Santa Clara"
    h2o = Company.objects.get(source_key="/organization/0xdata")
    assert (h2o.name, h2o.region, h2o.city) == ("H2O.ai", "CA", "Mountain View")
    fame = _event("/funding-round/9a01d05418af9f794eebff7ace91f638")
    assert (fame.company.name, str(fame.announced_on)) == ("#fame", "2015-01-05")
    assert fame.summary == "#fame raised a $10M series B"
    assert TriggerEvent.objects.filter(kind="funding_round").count() == report.rounds.created
    # A second run of the real export (all unchanged) is left to the fixtures' idempotency
    # test: it would double this test's time.


@pytest.mark.clause("L2")
def test_an_import_leaves_fresh_planner_statistics(tmp_path):
    """Without statistics SQLite picked a 30x slower plan for faceted searches."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        _import("clean", tmp_path)
    assert [q["sql"] for q in queries.captured_queries][-1] == "ANALYZE"
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'leads_triggerevent'")
            assert cursor.fetchall()
