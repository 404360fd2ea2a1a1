"""CSV exports of a lead search: the plain export and CRM import presets (issue 16, clause L2).

A preset names its columns exactly as the CRM's import template does, so the CRM maps
them without help (docs/exports.md gives each column's source):

- HubSpot matches a column header to a property label ("Set up your import files",
  knowledge.hubspot.com): companies need "Company Domain Name"; a note is imported with
  the company it belongs to and needs "Activity date" and "Note body".
- Salesforce's Data Import Wizard matches headers to field labels ("Field Mapping for
  Importing Leads" and the Account and Contact field references, help.salesforce.com):
  a lead needs "Last Name" and "Company".

Company and contact presets hold each company once (its first lead in the search's
order); lead presets hold one row per lead, the trigger event written as a note. Every
cell goes through ``csv_cell``, so no spreadsheet runs a cell as a formula.
"""

import csv
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal
from urllib.parse import urlsplit

from django.utils.text import slugify

from lead411.leads.edgar_places import place_name
from lead411.leads.models import Company, TriggerEvent
from lead411.leads.search.places import country_label, region_label
from lead411.leads.selectors import ExportLead

# OWASP "CSV Injection": a spreadsheet treats a cell starting with one of these as a
# formula (or, for tab and CR, may shift it into one).
_FORMULA_STARTS = frozenset("=+-@\t\r")

# The byte-order mark Excel needs to read a CSV file as UTF-8 rather than the local code page.
BOM = "\ufeff"

# Salesforce's own placeholder for a required name it was not given (Web-to-Lead).
NOT_PROVIDED = "[not provided]"
LEAD_SOURCE = "Lead411"

_KIND_LABELS = {value: str(label) for value, label in TriggerEvent.Kind.choices}
_STATUS_LABELS = {value: str(label) for value, label in Company.Status.choices}


class ExportRefused(Exception):
    """An export job that cannot be started; ``str(exc)`` is the sentence for the member."""


class TooManyExportJobs(ExportRefused):
    """The member already has ``LEADS_EXPORT_JOBS_PER_MEMBER_MAX`` exports queued or running."""


class ExportTooLarge(ExportRefused):
    """The search matches more than ``LEADS_EXPORT_JOB_MAX_ROWS`` leads."""


def csv_cell(value: object) -> str:
    """Return ``value`` as CSV text that no spreadsheet runs as a formula.

    A cell starting with ``= + - @``, a tab or a carriage return gets a leading ``'``
    (OWASP CSV Injection). ``None`` becomes an empty cell.
    """
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in _FORMULA_STARTS else text


def csv_cells(cells: list[str]) -> list[str]:
    """Return ``csv_cell`` of each text in ``cells``: the export's hot path, one list at a time."""
    return ["'" + text if text[:1] in _FORMULA_STARTS else text for text in cells]


Cells = list[str]
# A list, not a generator: one generator per lead showed in the export's profile.
RowMaker = Callable[[ExportLead, str], list[Cells]]


@dataclass(frozen=True)
class Preset:
    """One kind of export file.

    ``key`` names it in URLs and file names; ``unit`` says what a row is: a lead, a
    company (each once) or a company's contact (each company's people once); ``rows``
    turns one lead and the lead's page URL into that lead's rows.
    """

    key: str
    label: str
    columns: tuple[str, ...]
    unit: Literal["lead", "company", "contact"]
    rows: RowMaker

    @property
    def needs_contacts(self) -> bool:
        return self.unit == "contact"


@functools.lru_cache(maxsize=65536)  # a company's homepage repeats on each of its leads
def _domain(homepage: str) -> str:
    """Return the host of a homepage URL without ``www.`` ("https://www.acme.com/x" -> "acme.com")."""
    try:
        host = urlsplit(homepage).hostname or ""
    except ValueError:  # a malformed URL in a source ("http://[bad") has no domain
        return ""
    return host.removeprefix("www.")


@functools.cache  # a few hundred codes at most
def _place_label(kind: str, code: str) -> str:
    if not code:
        return ""
    return country_label(code) if kind == "country" else region_label(code)


def _country(lead: ExportLead) -> str:
    return _place_label("country", lead.country_code)


def _region(lead: ExportLead) -> str:
    return _place_label("region", lead.region)


def _name_parts(name: str) -> tuple[str, str]:
    """Split a person's name into (first, last): the last word is the last name."""
    first, _, last = name.strip().rpartition(" ")
    return first.strip(), last


def event_note(lead: ExportLead, lead_url: str) -> str:
    """Return the trigger event as one line of text for a CRM note or description.

    ``"2014-03-01 · Funding round (venture, series A) · Acme raised $5M · USD 5,000,000 ·
    investors: BigCo · https://site/leads/12/"``; unknown parts are left out.
    """
    kind = _KIND_LABELS.get(lead.kind, lead.kind)
    series = f"series {lead.series}" if lead.series else ""
    detail = ", ".join(part for part in (lead.round_type.replace("_", " "), series) if part)
    parts = [
        lead.announced_on,
        f"{kind} ({detail})" if detail else kind,
        lead.summary,
        f"{lead.currency or 'USD'} {Decimal(lead.amount):,.0f}" if lead.amount else "",
        lead.counterparty,
        lead_url,
    ]
    return " · ".join(part for part in parts if part)


def _lead_url(lead: ExportLead, lead_url_prefix: str) -> str:
    return f"{lead_url_prefix}{lead.event_id}/"


# --- The plain export: every field we hold, under our own names ---

PLAIN_COLUMNS = (
    "lead_id", "announced_on", "kind", "round_type", "series", "amount", "currency",
    "amount_usd", "counterparty", "summary", "company", "homepage", "categories",
    "country", "region", "city", "street_address", "postal_code", "ticker", "exchange",
    "sic_code", "industry", "state_of_incorporation", "company_status", "source",
    "source_key", "source_url", "lead_url",
)  # fmt: skip


def _plain_rows(lead: ExportLead, prefix: str) -> list[Cells]:
    return [
        [
            str(lead.event_id),
            lead.announced_on,
            _KIND_LABELS.get(lead.kind, lead.kind),
            lead.round_type,
            lead.series,
            lead.amount,
            lead.currency,
            lead.amount_usd,
            lead.counterparty,
            lead.summary,
            lead.company_name,
            lead.homepage,
            "|".join(lead.categories),
            lead.country_code,
            lead.region,
            lead.city,
            *_profile(lead, state_name=False),
            _STATUS_LABELS.get(lead.company_status, lead.company_status),
            lead.source,
            lead.source_key,
            lead.source_url,
            _lead_url(lead, prefix),
        ]
    ]


# --- HubSpot: property labels of the default company and contact properties ---

HUBSPOT_COMPANY_COLUMNS = (
    "Company name", "Company Domain Name", "Website URL", "City", "State/Region",
    "Country/Region", "Description", "Year Founded", "Street Address", "Postal Code",
    "Ticker Symbol", "Stock Exchange", "SIC Code", "SIC Industry", "State of Incorporation",
)  # fmt: skip
HUBSPOT_CONTACT_COLUMNS = (
    "First Name", "Last Name", "Job Title", "Company Name", "Website URL", "City",
    "State/Region", "Country/Region",
)  # fmt: skip
HUBSPOT_LEAD_COLUMNS = (
    "Company name", "Company Domain Name", "Website URL", "City", "State/Region",
    "Country/Region", "Activity date", "Note body",
)  # fmt: skip


def _hubspot_company(lead: ExportLead) -> Cells:
    return [
        lead.company_name,
        _domain(lead.homepage),
        lead.homepage,
        lead.city,
        _region(lead),
        _country(lead),
    ]


def _profile(lead: ExportLead, *, state_name: bool = True) -> Cells:
    """The company's profile: street, postal code, ticker, exchange, SIC code, industry and
    state of incorporation, by name (CRM presets) or as its EDGAR code (``state_name=False``,
    the plain export)."""
    return [
        lead.street_address,
        lead.postal_code,
        lead.ticker,
        lead.exchange,
        lead.sic_code,
        lead.industry,
        _incorporated_in(lead.state_of_incorporation)
        if state_name
        else lead.state_of_incorporation,
    ]


@functools.cache  # EDGAR's few hundred codes
def _incorporated_in(code: str) -> str:
    return place_name(code)


def _hubspot_company_rows(lead: ExportLead, prefix: str) -> list[Cells]:
    return [
        [*_hubspot_company(lead), ", ".join(lead.categories), lead.founded_on[:4], *_profile(lead)]
    ]


def _hubspot_contact_rows(lead: ExportLead, prefix: str) -> list[Cells]:
    place = [lead.company_name, lead.homepage, lead.city, _region(lead), _country(lead)]
    return [[*_name_parts(name), role, *place] for name, role in lead.contacts]


def _hubspot_lead_rows(lead: ExportLead, prefix: str) -> list[Cells]:
    return [[*_hubspot_company(lead), lead.announced_on, event_note(lead, _lead_url(lead, prefix))]]


# --- Salesforce: field labels of Account, Contact and Lead ---

SALESFORCE_ACCOUNT_COLUMNS = (
    "Account Name", "Website", "Industry", "Billing City", "Billing State/Province",
    "Billing Country", "Account Description", "Account Source", "Billing Street",
    "Billing Zip/Postal Code", "Ticker Symbol", "Stock Exchange", "SIC Code",
    "SIC Description", "State of Incorporation",
)  # fmt: skip
SALESFORCE_CONTACT_COLUMNS = (
    "First Name", "Last Name", "Title", "Account Name", "Mailing City",
    "Mailing State/Province", "Mailing Country", "Lead Source",
)  # fmt: skip
SALESFORCE_LEAD_COLUMNS = (
    "Last Name", "Company", "Website", "Industry", "City", "State/Province", "Country",
    "Lead Source", "Description",
)  # fmt: skip


def _salesforce_account_rows(lead: ExportLead, prefix: str) -> list[Cells]:
    return [
        [
            lead.company_name,
            lead.homepage,
            lead.categories[0] if lead.categories else "",
            lead.city,
            _region(lead),
            _country(lead),
            ", ".join(lead.categories),
            LEAD_SOURCE,
            *_profile(lead),
        ]
    ]


def _salesforce_contact_rows(lead: ExportLead, prefix: str) -> list[Cells]:
    place = [lead.company_name, lead.city, _region(lead), _country(lead), LEAD_SOURCE]
    return [[*_name_parts(name), role, *place] for name, role in lead.contacts]


def _salesforce_lead_rows(lead: ExportLead, prefix: str) -> list[Cells]:
    return [
        [
            NOT_PROVIDED,
            lead.company_name or NOT_PROVIDED,
            lead.homepage,
            lead.categories[0] if lead.categories else "",
            lead.city,
            _region(lead),
            _country(lead),
            LEAD_SOURCE,
            event_note(lead, _lead_url(lead, prefix)),
        ]
    ]


PLAIN = Preset("leads", "Plain CSV (every field)", PLAIN_COLUMNS, "lead", _plain_rows)
PRESETS: dict[str, Preset] = {
    preset.key: preset
    for preset in (
        PLAIN,
        Preset(
            "hubspot-companies",
            "HubSpot: companies",
            HUBSPOT_COMPANY_COLUMNS,
            "company",
            _hubspot_company_rows,
        ),
        Preset(
            "hubspot-contacts",
            "HubSpot: contacts",
            HUBSPOT_CONTACT_COLUMNS,
            "contact",
            _hubspot_contact_rows,
        ),
        Preset(
            "hubspot-leads",
            "HubSpot: companies with the event as a note",
            HUBSPOT_LEAD_COLUMNS,
            "lead",
            _hubspot_lead_rows,
        ),
        Preset(
            "salesforce-accounts",
            "Salesforce: accounts",
            SALESFORCE_ACCOUNT_COLUMNS,
            "company",
            _salesforce_account_rows,
        ),
        Preset(
            "salesforce-contacts",
            "Salesforce: contacts",
            SALESFORCE_CONTACT_COLUMNS,
            "contact",
            _salesforce_contact_rows,
        ),
        Preset(
            "salesforce-leads",
            "Salesforce: leads with the event as the description",
            SALESFORCE_LEAD_COLUMNS,
            "lead",
            _salesforce_lead_rows,
        ),
    )
}


# --- Writing ---


def export_rows(
    *, preset: Preset, leads: Iterable[ExportLead], lead_url_prefix: str
) -> Iterator[list[str]]:
    """Yield the header, then each row of ``leads`` as neutralised cells (``csv_cell``).

    ``lead_url_prefix`` is the absolute URL of the lead pages ("https://site/leads/").
    Company and contact presets skip a company already written.
    """
    yield list(preset.columns)
    rows_of = preset.rows
    if preset.unit == "lead":
        for lead in leads:
            for row in rows_of(lead, lead_url_prefix):
                yield csv_cells(row)
        return
    seen: set[int] = set()
    for lead in leads:
        if lead.company_id not in seen:
            seen.add(lead.company_id)
            for row in rows_of(lead, lead_url_prefix):
                yield csv_cells(row)


class _Echo:
    """A file-like object whose ``write`` returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def export_lines(
    *, preset: Preset, leads: Iterable[ExportLead], lead_url_prefix: str, with_bom: bool
) -> Iterator[str]:
    """Yield the CSV text line by line (RFC 4180, CRLF), after a BOM when ``with_bom``."""
    if with_bom:
        yield BOM
    writer = csv.writer(_Echo())
    for row in export_rows(preset=preset, leads=leads, lead_url_prefix=lead_url_prefix):
        yield writer.writerow(row)


def export_file_name(*, preset: Preset, words: str, on: dt.date) -> str:
    """Return the name a downloaded file gets: what it holds and the day it was taken.

    ``lead411-hubspot-companies-software-2026-12-05.csv``: the preset, the search words
    (slugified, at most 40 characters; left out when there are none) and the date.
    """
    slug = slugify(words)[:40].strip("-")
    return f"lead411-{preset.key}{'-' + slug if slug else ''}-{on:%Y-%m-%d}.csv"
