"""The API's response and request bodies (pydantic, via django-ninja): lead data only (P6).

Amounts are decimal strings in the event's currency (``amount``) and in US dollars
(``amount_usd``), so no client loses cents to floating point; dates are ISO 8601.
"""

import datetime as dt

from ninja import Field, Schema


class Problem(Schema):
    """An error, RFC 9457 problem details (``application/problem+json``)."""

    type: str = Field(description="A URI naming the kind of problem; about:blank for plain HTTP.")
    title: str
    status: int
    detail: str
    errors: list[str] = Field(default_factory=list, description="One message per invalid input.")


class CompanyBrief(Schema):
    id: int
    name: str
    homepage: str
    country: str = Field(description="ISO 3166-1 alpha-3, or empty")
    region: str
    city: str
    status: str


class Provenance(Schema):
    """Where a row came from and when we imported it (clause L5)."""

    source: str
    source_key: str
    source_url: str
    imported_at: dt.datetime
    updated_at: dt.datetime


class Lead(Schema):
    """A trigger event with its company: one lead."""

    id: int
    kind: str
    kind_label: str
    announced_on: dt.date | None
    round_type: str
    series: str
    amount: str | None
    currency: str
    amount_usd: str | None
    counterparty: str
    summary: str
    company: CompanyBrief
    url: str = Field(description="The lead's page on the site")


class FacetValue(Schema):
    value: str
    label: str
    count: int | None = Field(description="Matching leads; null for a selected value not counted")
    selected: bool


class Facet(Schema):
    param: str = Field(description="The query parameter this facet filters on")
    label: str
    values: list[FacetValue]


class LeadSearchPage(Schema):
    """One page of a lead search: leads, total, facets and the cursor of the next page."""

    total: int
    sort: str
    terms: list[str] = Field(description="The words searched for, as the query was cut")
    notices: list[str] = Field(description="Corrections made to the request")
    page_size: int
    results: list[Lead]
    facets: list[Facet]
    next_cursor: str | None


class Person(Schema):
    """A person a source names as working for the company."""

    name: str
    role: str
    source: str


class EventBrief(Schema):
    id: int
    kind: str
    announced_on: dt.date | None
    summary: str
    amount_usd: str | None


class LeadDetail(Lead):
    provenance: Provenance
    categories: list[str]
    timeline: list[EventBrief] = Field(description="The company's events, newest first")
    people: list[Person]


class CompanyDetail(CompanyBrief):
    founded_on: dt.date | None
    ticker: str = Field(description="Stock ticker, or empty; matched to the company by SEC CIK")
    exchange: str = Field(description='Exchange of the ticker ("Nasdaq"), or empty')
    sic_code: str = Field(description="SEC Standard Industrial Classification code, or empty")
    industry: str = Field(description="Title of the SIC code, or empty")
    state_of_incorporation: str = Field(
        description='EDGAR state or country code ("DE", "E9"), or empty; a value a source'
        " stated that names no EDGAR place is kept as stated"
    )
    state_of_incorporation_name: str = Field(
        description='The place of incorporation by name ("Delaware", "Cayman Islands"), or empty'
    )
    street_address: str = Field(description="Business address street lines, or empty")
    postal_code: str
    categories: list[str]
    provenance: Provenance
    events: list[EventBrief]
    people: list[Person]


class Criteria(Schema):
    """A saved search's criteria: the search page's parameters, each a list of values."""

    q: list[str] = Field(default_factory=list)
    kind: list[str] = Field(default_factory=list)
    round_type: list[str] = Field(default_factory=list)
    category: list[str] = Field(default_factory=list)
    country: list[str] = Field(default_factory=list)
    region: list[str] = Field(default_factory=list)
    city: list[str] = Field(default_factory=list)
    date_from: list[str] = Field(default_factory=list)
    date_to: list[str] = Field(default_factory=list)
    amount_min: list[str] = Field(default_factory=list)
    amount_max: list[str] = Field(default_factory=list)
    sort: list[str] = Field(default_factory=list)


class SavedSearchOut(Schema):
    id: int
    name: str
    include_in_newsletter: bool
    criteria: dict[str, list[str]]
    created_at: dt.datetime
    updated_at: dt.datetime


class SavedSearchIn(Schema):
    name: str = Field(max_length=100)
    include_in_newsletter: bool = True
    criteria: Criteria = Field(default_factory=Criteria)


class SavedSearchPatch(Schema):
    name: str | None = Field(default=None, max_length=100)
    include_in_newsletter: bool | None = None
    criteria: Criteria | None = None


class SavedSearchList(Schema):
    results: list[SavedSearchOut]


class Match(Schema):
    lead: Lead
    saved_search_ids: list[int]


class MatchPage(Schema):
    """New leads matching saved searches, oldest import first; pass ``next_cursor`` back."""

    results: list[Match]
    next_cursor: str
    has_more: bool = Field(description="True when more new events may be waiting past the cursor")


class WebhookIn(Schema):
    saved_search_id: int = Field(ge=1, le=2**63 - 1)
    url: str = Field(max_length=500, description="https only; internal addresses are refused")


class WebhookOut(Schema):
    """A webhook of mine: new matches of one saved search POSTed to ``url``, signed."""

    id: int
    saved_search_id: int
    url: str
    secret_prefix: str = Field(description="The first characters of the signing secret")
    created_at: dt.datetime
    active: bool
    disabled_at: dt.datetime | None
    disabled_reason: str
    consecutive_failures: int


class WebhookCreated(WebhookOut):
    secret: str = Field(description="The whsec_ signing secret; shown this once, never again")


class WebhookList(Schema):
    results: list[WebhookOut]


class WebhookDelivery(Schema):
    """One message of the delivery log; ``id`` is its ``webhook-id`` header."""

    id: str
    type: str
    lead_id: int | None
    status: str = Field(description="pending, sending, delivered or failed")
    attempts: int
    response_code: int | None
    last_error: str
    created_at: dt.datetime
    last_attempt_at: dt.datetime | None
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None


class WebhookDeliveryList(Schema):
    results: list[WebhookDelivery]
