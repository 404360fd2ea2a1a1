"""The REST API, version 1, under ``/api/v1/`` (issue 16; clauses L2, L3, P4, P6).

Views are glue: parse (the search page's own form, so both parse a query alike), call a
selector or service, shape the answer. Every error is RFC 9457 problem details.
Every response holds lead data or the calling member's own saved searches, nothing else.
"""

import datetime as dt
import hashlib
import logging
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from ninja import NinjaAPI, Path, Query, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from lead411.accounts.selectors import member_has_access
from lead411.activity.models import MemberDailyActivity
from lead411.activity.services import activity_record
from lead411.core import clock
from lead411.leads.forms import LeadSearchForm, SavedSearchForm
from lead411.leads.models import Company, SavedSearch, TriggerEvent
from lead411.leads.selectors import (
    LeadQuery,
    company_get,
    lead_get,
    lead_search,
    saved_search_list,
)
from lead411.leads.services import (
    SavedSearchLimitReached,
    saved_search_create,
    saved_search_delete,
    saved_search_update,
)

from . import schemas
from .models import ApiToken, WebhookDelivery, WebhookEndpoint
from .problems import (
    PROBLEM_CONTENT_TYPE,
    ApiProblem,
    InvalidQuery,
    PlanLimitReached,
    RateLimited,
    ScopeMissing,
    problem_response,
)
from .selectors import (
    MatchPosition,
    saved_search_new_matches,
    webhook_delivery_log,
    webhook_endpoint_list,
)
from .services import api_token_use, webhook_endpoint_create, webhook_endpoint_delete
from .shapes import amount_text as _amount
from .shapes import company_brief as _company_brief
from .shapes import lead_out as _lead
from .throttle import rate_limit_hit

logger = logging.getLogger(__name__)

# Database ids are 64-bit; a larger number in a path is simply not found, never an overflow.
ID_MAX = 2**63 - 1
_SEARCH_CURSOR_SALT = "lead411.api.search-cursor"
_MATCH_CURSOR_SALT = "lead411.api.match-cursor"


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``: an active token of a member with access.

    Admitted requests are rate-limited per token (``RateLimited``) and counted in the
    member's activity as API requests (clause P4).
    """

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = api_token_use(plaintext=token)
        if api_token is None or not member_has_access(user=api_token.member):
            return None
        wait = rate_limit_hit(token_id=api_token.pk)
        if wait:
            raise RateLimited(retry_after=wait)
        if settings.ACTIVITY_RECORDING_ENABLED:
            try:
                activity_record(
                    member_id=api_token.member_id, page_type=MemberDailyActivity.PageType.API
                )
            except DatabaseError:  # counting never breaks a request, as in the middleware
                logger.exception("API use not recorded")
        return api_token


class ProblemNinjaAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document says errors are ``application/problem+json``."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for code, response in operation.get("responses", {}).items():
                    if int(code) >= 400 and "application/json" in response.get("content", {}):
                        response["content"] = {
                            PROBLEM_CONTENT_TYPE: response["content"]["application/json"]
                        }
                    if int(code) == 429:
                        response["headers"] = {
                            "Retry-After": {
                                "description": "Seconds until the rate limit admits requests",
                                "schema": {"type": "integer"},
                                "required": True,
                            }
                        }
        return schema


api = ProblemNinjaAPI(
    title="Lead411 API",
    version="1",
    description=(
        "Leads for your own tools (clause L2). Authenticate with a personal API token: "
        "`Authorization: Bearer l411_…` (create one under My account → API tokens). "
        "Errors are RFC 9457 problem details."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url=None,
)

_ERRORS: dict[int, Any] = {
    400: schemas.Problem,
    401: schemas.Problem,
    403: schemas.Problem,
    404: schemas.Problem,
    422: schemas.Problem,
    429: schemas.Problem,
}


# --- Errors as problem details ---


@api.exception_handler(ApiProblem)
def _api_problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    return problem_response(
        status=exc.status, detail=exc.detail, errors=exc.errors, headers=exc.headers
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    # RFC 6750 section 3: a 401 names the scheme.
    return problem_response(
        status=401,
        detail="Send a valid API token: Authorization: Bearer <token>.",
        headers={"WWW-Authenticate": 'Bearer realm="lead411"'},
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(status=exc.status_code, detail=str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(status=404, detail="No such resource, or not yours.")


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        f"{'.'.join(str(part) for part in error.get('loc', ()))}: {error.get('msg', 'invalid')}"
        for error in exc.errors
    ]
    return problem_response(
        status=422, detail="The request does not match the API schema.", errors=errors
    )


# --- Shaping lead data ---


def _provenance(row: Company | TriggerEvent) -> dict[str, Any]:
    return {
        "source": row.source,
        "source_key": row.source_key,
        "source_url": row.source_url,
        "imported_at": row.imported_at,
        "updated_at": row.updated_at,
    }


def _event_brief(event: TriggerEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "kind": event.kind,
        "announced_on": event.announced_on,
        "summary": event.summary,
        "amount_usd": _amount(event.amount_usd),
    }


def _people(contacts: list[Any]) -> list[dict[str, Any]]:
    return [{"name": c.name, "role": c.role, "source": c.source} for c in contacts]


def _form_errors(form: Form) -> list[str]:
    return [f"{name}: {error}" for name, errors in form.errors.items() for error in errors]


# --- Cursors ---


def _query_digest(query: LeadQuery) -> str:
    return hashlib.sha256(repr(query).encode()).hexdigest()[:16]


def _search_cursor(*, page: int, query: LeadQuery) -> str:
    return signing.dumps({"p": page, "f": _query_digest(query)}, salt=_SEARCH_CURSOR_SALT)


def _search_cursor_page(*, cursor: str | None, query: LeadQuery) -> int:
    """Return the page a search cursor points at (1 without one).

    The cursor is signed and names its search, so it cannot be forged or reused on
    another query. Raises ``InvalidQuery`` otherwise.
    """
    if not cursor:
        return 1
    try:
        data = signing.loads(cursor, salt=_SEARCH_CURSOR_SALT)
    except signing.BadSignature:
        raise InvalidQuery(errors=["cursor: not a cursor this API gave out."]) from None
    page = data.get("p") if isinstance(data, dict) else None
    if not isinstance(page, int) or data.get("f") != _query_digest(query):
        raise InvalidQuery(errors=["cursor: it belongs to a different search."])
    return page


def _match_cursor(position: MatchPosition) -> str:
    return signing.dumps(
        [position.imported_at.isoformat(), position.event_id], salt=_MATCH_CURSOR_SALT
    )


def _match_position(cursor: str) -> MatchPosition:
    try:
        stamp, event_id = signing.loads(cursor, salt=_MATCH_CURSOR_SALT)
        return MatchPosition(imported_at=dt.datetime.fromisoformat(stamp), event_id=int(event_id))
    except (signing.BadSignature, ValueError, TypeError):
        raise InvalidQuery(errors=["cursor: not a cursor this API gave out."]) from None


# --- Leads ---


@api.get(
    "/leads",
    response={200: schemas.LeadSearchPage, **_ERRORS},
    summary="Search leads",
    tags=["leads"],
)
def lead_search_endpoint(
    request: HttpRequest,
    q: str = "",
    kind: list[str] | None = Query(None),  # noqa: B008 (ninja declares parameters so)
    round_type: list[str] | None = Query(None),  # noqa: B008
    category: list[str] | None = Query(None),  # noqa: B008
    country: list[str] | None = Query(None),  # noqa: B008
    region: list[str] | None = Query(None),  # noqa: B008
    city: list[str] | None = Query(None),  # noqa: B008
    date_from: str = Query("", description="YYYY-MM-DD, inclusive"),
    date_to: str = Query("", description="YYYY-MM-DD, inclusive"),
    amount_min: str = Query("", description="USD"),
    amount_max: str = Query("", description="USD"),
    sort: str = Query("", description="relevance, date or amount"),
    funds: str = Query(
        "", description="leads of funds, trusts and REITs: left out (empty), include or only"
    ),
    cursor: str = Query("", description="next_cursor of the previous page"),
) -> Any:
    """The search page's query language, filters, sorts and facets, one page per cursor.

    Parameters are read by the search page's own form, so a URL means the same here and
    there; a page holds at most ``LEADS_PAGE_SIZE`` leads.
    """
    params = request.GET.copy()
    for position_param in ("cursor", "page"):
        params.pop(position_param, None)
    form = LeadSearchForm(params)
    if not form.is_valid():
        raise InvalidQuery(errors=_form_errors(form))
    query = form.to_query()
    result = lead_search(query=query, page=_search_cursor_page(cursor=cursor, query=query))
    return {
        "total": result.total,
        "sort": result.sort,
        "terms": result.terms,
        "notices": form.notices,
        "page_size": result.page_size,
        "results": [_lead(event) for event in result.events],
        "facets": [
            {"param": f.param, "label": f.label, "values": [vars(v) for v in f.values]}
            for f in result.facets
        ],
        "next_cursor": _search_cursor(page=result.page + 1, query=query)
        if result.has_next
        else None,
    }


@api.get(
    "/leads/{lead_id}",
    response={200: schemas.LeadDetail, **_ERRORS},
    summary="A lead with its provenance, company timeline and people",
    tags=["leads"],
)
def lead_detail_endpoint(request: HttpRequest, lead_id: int = Path(..., ge=1, le=ID_MAX)) -> Any:
    try:
        detail = lead_get(event_id=lead_id)
    except TriggerEvent.DoesNotExist:
        raise Http404 from None
    event = detail.event
    return {
        **_lead(event),
        "provenance": _provenance(event),
        "categories": detail.categories,
        "timeline": [_event_brief(e) for e in detail.timeline],
        "people": _people(detail.contacts),
    }


@api.get(
    "/companies/{company_id}",
    response={200: schemas.CompanyDetail, **_ERRORS},
    summary="A company with its events and people",
    tags=["leads"],
)
def company_detail_endpoint(
    request: HttpRequest,
    company_id: int = Path(..., ge=1, le=ID_MAX),
) -> Any:
    try:
        detail = company_get(company_id=company_id)
    except Company.DoesNotExist:
        raise Http404 from None
    company = detail.company
    return {
        **_company_brief(company),
        "founded_on": company.founded_on,
        "ticker": company.ticker,
        "exchange": company.exchange,
        "sic_code": company.sic_code,
        "industry": company.industry,
        "state_of_incorporation": company.state_of_incorporation,
        "state_of_incorporation_name": company.state_of_incorporation_name,
        "street_address": company.street_address,
        "postal_code": company.postal_code,
        "categories": detail.categories,
        "provenance": _provenance(company),
        "events": [_event_brief(e) for e in detail.events],
        "people": _people(detail.contacts),
    }


# --- Saved searches (the member's own; scope "read_saved_searches") ---


def _saved_searches_token(request: HttpRequest) -> ApiToken:
    token: ApiToken = request.auth  # type: ignore[attr-defined]  # set by TokenAuth
    if not token.may_manage_saved_searches:
        raise ScopeMissing(scope=ApiToken.Scope.SAVED_SEARCHES)
    return token


def _own_search(token: ApiToken, search_id: int) -> SavedSearch:
    """Return the token member's saved search; another member's is a 404 like a missing one."""
    search = SavedSearch.objects.filter(pk=search_id, member_id=token.member_id).first()
    if search is None:
        raise Http404
    return search


def _saved_search_out(search: SavedSearch) -> dict[str, Any]:
    return {
        "id": search.id,
        "name": search.name,
        "include_in_newsletter": search.include_in_newsletter,
        "criteria": search.criteria,
        "created_at": search.created_at,
        "updated_at": search.updated_at,
    }


def _saved_search_form(
    *, name: str, include_in_newsletter: bool, criteria: dict[str, list[str]]
) -> SavedSearchForm:
    """Return the saved-search page's form, validated, for the API's input (same rules)."""
    data = QueryDict(mutable=True)
    data["name"] = name
    if include_in_newsletter:
        data["include_in_newsletter"] = "on"
    data["params"] = urlencode({k: v for k, v in criteria.items() if v}, doseq=True)
    form = SavedSearchForm(data)
    if not form.is_valid():
        raise InvalidQuery(errors=_form_errors(form))
    return form


def _saved_search_write(save: Any) -> SavedSearch:
    try:
        search: SavedSearch = save()
    except SavedSearchLimitReached as exc:
        raise PlanLimitReached(detail=exc.messages[0]) from None
    except DjangoValidationError as exc:
        raise InvalidQuery(errors=list(exc.messages)) from None
    return search


@api.get(
    "/saved-searches",
    response={200: schemas.SavedSearchList, **_ERRORS},
    summary="My saved searches",
    tags=["saved searches"],
)
def saved_search_list_endpoint(request: HttpRequest) -> Any:
    token = _saved_searches_token(request)
    searches = saved_search_list(member=token.member)[: settings.API_PAGE_SIZE_MAX]
    return {"results": [_saved_search_out(s) for s in searches]}


@api.post(
    "/saved-searches",
    response={201: schemas.SavedSearchOut, **_ERRORS},
    summary="Save a search",
    tags=["saved searches"],
)
def saved_search_create_endpoint(request: HttpRequest, body: schemas.SavedSearchIn) -> Any:
    """Save a search; 403 when the member keeps as many as their plan allows (issue 17)."""
    token = _saved_searches_token(request)
    form = _saved_search_form(
        name=body.name,
        include_in_newsletter=body.include_in_newsletter,
        criteria=body.criteria.model_dump(),
    )
    search = _saved_search_write(
        lambda: saved_search_create(
            member=token.member,
            name=form.cleaned_data["name"],
            criteria=form.cleaned_data["params"],
            include_in_newsletter=form.cleaned_data["include_in_newsletter"],
        )
    )
    return Status(201, _saved_search_out(search))


@api.get(
    "/saved-searches/{search_id}",
    response={200: schemas.SavedSearchOut, **_ERRORS},
    summary="One of my saved searches",
    tags=["saved searches"],
)
def saved_search_detail_endpoint(
    request: HttpRequest,
    search_id: int = Path(..., ge=1, le=ID_MAX),
) -> Any:
    return _saved_search_out(_own_search(_saved_searches_token(request), search_id))


@api.patch(
    "/saved-searches/{search_id}",
    response={200: schemas.SavedSearchOut, **_ERRORS},
    summary="Rename, re-criteria or switch a saved search",
    tags=["saved searches"],
)
def saved_search_update_endpoint(
    request: HttpRequest,
    body: schemas.SavedSearchPatch,
    search_id: int = Path(..., ge=1, le=ID_MAX),
) -> Any:
    search = _own_search(_saved_searches_token(request), search_id)
    form = _saved_search_form(
        name=search.name if body.name is None else body.name,
        include_in_newsletter=search.include_in_newsletter
        if body.include_in_newsletter is None
        else body.include_in_newsletter,
        criteria=search.criteria if body.criteria is None else body.criteria.model_dump(),
    )
    updated = _saved_search_write(
        lambda: saved_search_update(
            search=search,
            name=form.cleaned_data["name"],
            criteria=form.cleaned_data["params"],
            include_in_newsletter=form.cleaned_data["include_in_newsletter"],
        )
    )
    return _saved_search_out(updated)


@api.delete(
    "/saved-searches/{search_id}",
    response={204: None, **_ERRORS},
    summary="Delete a saved search",
    tags=["saved searches"],
)
def saved_search_delete_endpoint(
    request: HttpRequest,
    search_id: int = Path(..., ge=1, le=ID_MAX),
) -> Any:
    saved_search_delete(search=_own_search(_saved_searches_token(request), search_id))
    return Status(204, None)


@api.get(
    "/matches",
    response={200: schemas.MatchPage, **_ERRORS},
    summary="New leads matching my saved searches since a cursor",
    tags=["saved searches"],
)
def new_matches_endpoint(
    request: HttpRequest,
    cursor: str = Query("", description="next_cursor of the previous call"),
    saved_search_id: int | None = Query(None, ge=1, le=ID_MAX),
    limit: int = Query(50, ge=1, le=100, description="At most API_PAGE_SIZE_MAX (100)"),
) -> Any:
    """Leads imported after the cursor that match any of my saved searches (or one).

    Without a cursor the walk starts when the oldest of those searches was saved. Keep
    the returned ``next_cursor`` and pass it next time: each new lead comes once.
    """
    token = _saved_searches_token(request)
    searches = list(saved_search_list(member=token.member))
    if saved_search_id is not None:
        searches = [s for s in searches if s.id == saved_search_id]
        if not searches:
            raise Http404
    if cursor:
        after = _match_position(cursor)
    elif searches:
        after = MatchPosition(imported_at=min(s.created_at for s in searches), event_id=0)
    else:
        after = MatchPosition(imported_at=clock.now(), event_id=0)
    found = saved_search_new_matches(
        searches=searches,
        after=after,
        limit=min(limit, settings.API_PAGE_SIZE_MAX),
        scan_max=settings.API_MATCH_SCAN_MAX_EVENTS,
    )
    return {
        "results": [{"lead": _lead(e), "saved_search_ids": ids} for e, ids in found.matches],
        "next_cursor": _match_cursor(found.position or after),
        "has_more": not found.exhausted,
    }


# --- Webhooks (the member's own; scope "read_saved_searches") ---


def _own_webhook(token: ApiToken, webhook_id: int) -> WebhookEndpoint:
    """Return the token member's webhook; another member's is a 404 like a missing one."""
    endpoint = WebhookEndpoint.objects.filter(pk=webhook_id, member_id=token.member_id).first()
    if endpoint is None:
        raise Http404
    return endpoint


def _webhook_out(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "saved_search_id": endpoint.saved_search_id,
        "url": endpoint.url,
        "secret_prefix": endpoint.secret_prefix,
        "created_at": endpoint.created_at,
        "active": endpoint.is_active,
        "disabled_at": endpoint.disabled_at,
        "disabled_reason": endpoint.disabled_reason,
        "consecutive_failures": endpoint.consecutive_failures,
    }


@api.get(
    "/webhooks",
    response={200: schemas.WebhookList, **_ERRORS},
    summary="My webhooks",
    tags=["webhooks"],
)
def webhook_list_endpoint(request: HttpRequest) -> Any:
    token = _saved_searches_token(request)
    return {"results": [_webhook_out(e) for e in webhook_endpoint_list(member=token.member)]}


@api.post(
    "/webhooks",
    response={201: schemas.WebhookCreated, **_ERRORS},
    summary="Attach a webhook to one of my saved searches",
    tags=["webhooks"],
)
def webhook_create_endpoint(request: HttpRequest, body: schemas.WebhookIn) -> Any:
    """New matches of the saved search are POSTed to ``url``, signed per Standard Webhooks.

    The answer holds the signing secret (``whsec_…``) this once.
    """
    token = _saved_searches_token(request)
    search = _own_search(token, body.saved_search_id)
    try:
        created = webhook_endpoint_create(member=token.member, saved_search=search, url=body.url)
    except DjangoValidationError as exc:
        raise InvalidQuery(errors=list(exc.messages)) from None
    return Status(201, {**_webhook_out(created.endpoint), "secret": created.secret})


@api.delete(
    "/webhooks/{webhook_id}",
    response={204: None, **_ERRORS},
    summary="Delete a webhook and its delivery log",
    tags=["webhooks"],
)
def webhook_delete_endpoint(
    request: HttpRequest, webhook_id: int = Path(..., ge=1, le=ID_MAX)
) -> Any:
    token = _saved_searches_token(request)
    webhook_endpoint_delete(actor=token.member, endpoint=_own_webhook(token, webhook_id))
    return Status(204, None)


@api.get(
    "/webhooks/{webhook_id}/deliveries",
    response={200: schemas.WebhookDeliveryList, **_ERRORS},
    summary="The delivery log of a webhook, newest first",
    tags=["webhooks"],
)
def webhook_deliveries_endpoint(
    request: HttpRequest, webhook_id: int = Path(..., ge=1, le=ID_MAX)
) -> Any:
    endpoint = _own_webhook(_saved_searches_token(request), webhook_id)
    deliveries = webhook_delivery_log(endpoint=endpoint, limit=settings.API_PAGE_SIZE_MAX)
    return {
        "results": [
            {
                "id": d.message_id,
                "type": d.kind,
                "lead_id": d.event_id,
                "status": d.status,
                "attempts": d.attempts,
                "response_code": d.response_code,
                "last_error": d.last_error,
                "created_at": d.created_at,
                "last_attempt_at": d.last_attempt_at,
                "next_attempt_at": d.next_attempt_at
                if d.status == WebhookDelivery.Status.PENDING
                else None,
                "delivered_at": d.delivered_at,
            }
            for d in deliveries
        ]
    }
