"""Build the Daily eMail Newsletter: match new events, render once, assemble per member, queue (L4).

Issue 15's rules, and where each lives:

- **Matching** goes through the one search: every distinct saved search of a chunk of
  members is one engine search over the window's new events
  (``lead411.leads.search.digest.lead_search_new_matches``), in its own sort (relevance,
  newest, largest amount). There is no second matcher.
- **New** means imported in the member's window: since the cutoff of the member's last
  newsletter (at most ``NEWSLETTER_MAX_WINDOW_DAYS`` back); a member's first newsletter
  covers ``NEWSLETTER_FIRST_WINDOW_HOURS``; a weekly saved search covers the last 7
  days. Catch-up events (announced over ``NEWSLETTER_CATCH_UP_AGE_DAYS`` before their
  import) are counted in one line, never listed. A search's own filters (a date range,
  an amount) hold as on the search page, since it is the same search.
- **Each lead once**: a lead is listed under the first of the member's saved searches
  (by name) that matches it, with "also matches: <the later ones>"; a later section says
  how many of its leads are above. Each section lists at most
  ``NEWSLETTER_MAX_LEADS_PER_SEARCH`` and links "see all N new" to the search page with
  the saved search's parameters plus ``imported_since``/``imported_until``: exactly the
  N new leads.

The cost model, for 100,000 members with 3 saved searches each and 2,000 new events:

1. The window's new events are read once (ids and import times) and the engine's filter
   of their ids is built once per run (``engine.id_filter``: ranges of consecutive ids,
   a quarter of the cost of a term set per search); each distinct saved search is one
   engine search restricted to them, cached by ``LeadQuery`` across member chunks.
2. Each listed lead's block is rendered once per issue (``_lead.html``/``_lead.txt``),
   its CSS inlined once, with a slot for the member's "also matches".
3. The page around the blocks is the same template, ``daily_message.html``, rendered and
   inlined once with markers in place of the member's values, then cut at its
   ``<!--group-->`` comments into a prefix, a per-saved-search piece and a suffix.
   Optional pieces (``<!--seeall-->``, ``[[seeall]]``...) are kept or cut per member;
   no marker reaches an email.
4. Per member only list filtering, string replacement and joining remain.
5. The rows are written in one transaction with ``executemany`` in batches of 500, the
   bodies compressed (``Delivery.packed_body``); members are read in chunks of
   ``MEMBER_CHUNK``, so memory does not grow with the member count.
"""

import datetime as dt
import json
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import css_inline
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone

from lead411.accounts.models import User
from lead411.core import clock
from lead411.core.chunking import chunked, id_span
from lead411.core.urls import absolute_url, site_root
from lead411.leads.criteria import criteria_describe, criteria_query, criteria_querydict
from lead411.leads.models import Company, SavedSearch, TriggerEvent
from lead411.leads.search.digest import NewEvents, lead_search_new_matches, new_events_load
from lead411.leads.search.query import LeadQuery
from lead411.leads.services import format_amount
from lead411.mail.models import Delivery, Stream
from lead411.mail.selectors import members_consenting
from lead411.mail.services import (
    DeliveryBatchWriter,
    QueuedMessage,
    email_css,
    unsubscribe_keys,
    unsubscribe_url_maker,
)
from lead411.mail.tokens import ALL_STREAMS
from lead411.newsletter.models import NewsletterIssue

MEMBER_CHUNK = 2000
# Most entries a per-query cache of a build holds before it is emptied (see bound_caches):
# 100,000 members with 3 random saved searches have about 38,000 distinct ones, each
# matched once per run under this bound (about 1 KiB of cache each).
QUERY_CACHE_ENTRIES = 50_000
# Plain-text lines are wrapped at this width (RFC 5322 recommends at most 78 characters).
TEXT_WIDTH = 76
WEEK = dt.timedelta(days=7)
# The earliest issue date the build supports; the latest is tomorrow (issue_date_check).
ISSUE_DATE_MIN = dt.date(2000, 1, 1)


class IssueDateOutOfRange(ValueError):
    """The date is outside what the build supports (``issue_date_check``)."""


def issue_date_check(*, date: dt.date) -> None:
    """Raise ``IssueDateOutOfRange`` unless ``ISSUE_DATE_MIN <= date <= tomorrow`` (site time).

    Windows reach ``NEWSLETTER_MAX_WINDOW_DAYS`` before a date, so far dates (0001-01-01)
    would overflow; a future issue would claim a day before its events exist.
    """
    latest = clock.today() + dt.timedelta(days=1)
    if not ISSUE_DATE_MIN <= date <= latest:
        raise IssueDateOutOfRange(
            f"Newsletter dates go from {ISSUE_DATE_MIN.isoformat()} to {latest.isoformat()}; "
            f"{date.isoformat()} is outside."
        )


@dataclass
class LeadView:
    """What the lead block templates show of one event; ``*_text`` are wrapped lines."""

    id: int
    url: str
    company: str
    summary: str
    kind: str
    amount: str
    counterparty: str
    announced_on: dt.date | None
    place: str
    categories: str
    also: str = ""
    headline_text: str = ""
    meta_text: str = ""


@dataclass
class GroupView:
    """One saved search's section of a newsletter (the templates' ``group``)."""

    name: str
    search_url: str
    criteria: str
    count: int | str
    leads: list[Any]
    see_all_url: str = ""
    claimed: int | str = 0


@dataclass(frozen=True, slots=True)
class MemberSearch:
    """A saved search as the newsletter uses it; ``query`` None: it matches nothing."""

    name: str
    query: LeadQuery | None
    params: str
    described: str
    weekly: bool = False


@dataclass(slots=True)
class Section:
    """A planned section: the search, its new ids (its sort), what is listed, what is above.

    ``listed`` holds ``(event id, names of later searches it also matches)``; ``claimed``
    is how many of ``ids`` an earlier section already holds; ``since`` starts the window.
    """

    search: MemberSearch
    ids: list[int]
    since: dt.datetime
    listed: list[tuple[int, list[str]]] = field(default_factory=list)
    claimed: int = 0


def plan_sections(
    searches: Iterable[tuple[MemberSearch, list[int], dt.datetime]], *, max_leads: int
) -> tuple[list[Section], int]:
    """Return the sections of one member's email and the number of distinct new leads.

    ``searches`` are ``(search, new ids in its sort, window start)`` in display order;
    searches without ids are left out. Each lead is listed once, under the first
    section holding it, with the names of the later sections that hold it too (issue 15).
    """
    sections = [Section(search, ids, since) for search, ids, since in searches if ids]
    if len(sections) == 1:
        only = sections[0]
        only.listed = [(i, []) for i in only.ids[:max_leads]]
        return sections, len(only.ids)
    sets = [set(section.ids) for section in sections]
    seen: set[int] = set()
    for position, section in enumerate(sections):
        own = [i for i in section.ids if i not in seen] if seen else section.ids
        section.claimed = len(section.ids) - len(own)
        shown = own[:max_leads]
        also: dict[int, list[str]] = {}
        # One set intersection per later section, not one lookup per lead and section:
        # most listed leads are in no other section.
        for other, ids in zip(sections[position + 1 :], sets[position + 1 :], strict=True):
            for i in ids.intersection(shown):
                also.setdefault(i, []).append(other.search.name)
        section.listed = [(i, also.get(i, [])) for i in shown]
        seen |= sets[position]
    return sections, len(seen)


@dataclass
class Newsletter:
    """One member's assembled newsletter."""

    subject: str
    text: str
    html: str
    lead_count: int


@dataclass
class IssueReport:
    """What a build did: the issue, events considered, members considered, deliveries written."""

    date: dt.date
    events: int = 0
    members: int = 0
    deliveries: int = 0
    already_built: bool = False
    being_built: bool = False
    dry_run: bool = False

    def __str__(self) -> str:
        if self.being_built:
            return (
                f"The newsletter of {self.date} is already being built by another run; "
                "this run did nothing."
            )
        if self.already_built:
            return (
                f"The newsletter of {self.date} was already built ({self.deliveries} deliveries)."
            )
        verb = "would queue" if self.dry_run else "queued"
        return (
            f"Newsletter of {self.date}: {self.events} new events, {self.members} members "
            f"with alerts, {verb} {self.deliveries} newsletters."
        )


def issue_cutoff(*, date: dt.date) -> dt.datetime:
    """Return the cutoff of the issue of ``date``: now, or the end of a past day (site time)."""
    now = clock.now()
    if date >= clock.today():
        return now
    end = timezone.make_aware(dt.datetime.combine(date + dt.timedelta(days=1), dt.time.min))
    return min(now, end)


def window_start(*, previous: dt.datetime | None, cutoff: dt.datetime) -> dt.datetime:
    """Return where a member's daily window starts: their last newsletter's cutoff.

    At most ``NEWSLETTER_MAX_WINDOW_DAYS`` back; a member never mailed before gets the
    last ``NEWSLETTER_FIRST_WINDOW_HOURS`` only (issue 15: a first newsletter is not a
    week of everything).
    """
    if previous is None:
        return cutoff - dt.timedelta(hours=settings.NEWSLETTER_FIRST_WINDOW_HOURS)
    return max(previous, cutoff - dt.timedelta(days=settings.NEWSLETTER_MAX_WINDOW_DAYS))


def weekly_start(*, previous: dt.datetime | None, cutoff: dt.datetime) -> dt.datetime:
    """Return where a weekly saved search's window starts: a week before the cutoff.

    A member never mailed before gets the first window only, as for daily searches.
    """
    if previous is None:
        return window_start(previous=None, cutoff=cutoff)
    return cutoff - WEEK


def lead_views_load(ids: Iterable[int]) -> dict[int, LeadView]:
    """Return the display data of the events ``ids`` by id (two queries: events, categories)."""
    rows = list(
        TriggerEvent.objects.filter(id__in=list(ids))
        .select_related("company")
        .defer("search_document")
    )
    categories: dict[int, list[str]] = {}
    through = Company.categories.through.objects.filter(company_id__in={e.company_id for e in rows})
    for company_id, name in through.values_list("company_id", "category__name"):
        categories.setdefault(company_id, []).append(name)
    # One reverse() for all events: it costs milliseconds under load.
    detail = site_root() + reverse("leads:detail", args=[987654321])
    views: dict[int, LeadView] = {}
    for event in rows:
        company = event.company
        kind = event.get_kind_display()
        amount = format_amount(event.amount, event.currency or "USD")
        place = ", ".join(p for p in (company.city, company.region, company.country_code) if p)
        announced = f"announced {event.announced_on:%b %-d, %Y}" if event.announced_on else ""
        meta = " | ".join(p for p in (kind, amount, announced, place) if p)
        views[event.id] = LeadView(
            id=event.id,
            url=detail.replace("987654321", str(event.id)),
            company=company.name,
            summary=event.summary,
            kind=kind,
            amount=amount,
            counterparty=event.counterparty,
            announced_on=event.announced_on,
            place=place,
            categories=", ".join(sorted(categories.get(company.id, []))),
            headline_text=_wrap(f"* {company.name}: {event.summary}"),
            meta_text=_wrap(meta, indent="  "),
        )
    return views


def _wrap(text: str, *, indent: str = "") -> str:
    """Return ``text`` wrapped at ``TEXT_WIDTH``, continuation lines indented two spaces."""
    return textwrap.fill(
        " ".join(text.split()),
        width=TEXT_WIDTH,
        initial_indent=indent,
        subsequent_indent="  ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def _optional(piece: str, start: str, end: str, *, keep: bool) -> str:
    """Return ``piece`` with the block between ``start`` and ``end`` kept (markers removed) or cut."""
    head, found, rest = piece.partition(start)
    if not found:
        return piece
    body, _, tail = rest.partition(end)
    return head + body + tail if keep else head + tail


class IssueRenderer:
    """Matches, renders the pieces of one issue once, and assembles each member's newsletter.

    ``events`` are the new events of the widest window the issue needs (``new_events_load``);
    ``cutoff`` ends every window.
    """

    def __init__(self, *, date: dt.date, cutoff: dt.datetime, events: NewEvents) -> None:
        self.date = date
        self.cutoff = cutoff
        self.events = events
        self.max_leads = settings.NEWSLETTER_MAX_LEADS_PER_SEARCH
        self.css = email_css()
        self._inliner = css_inline.CSSInliner(keep_style_tags=False)
        self._oldest = min(events.imported_at.values(), default=cutoff)
        self.views: dict[int, LeadView] = {}
        self._lead_parts: dict[int, tuple[str, str, str, str, str, str]] = {}
        # Per distinct saved search: parsed criteria by stored JSON, matches by query.
        self.parsed: dict[str, tuple[LeadQuery | None, str, str]] = {}
        self._matches: dict[LeadQuery, list[int]] = {}
        self._windowed: dict[tuple[LeadQuery, dt.datetime], list[int]] = {}
        self._subjects: dict[int, str] = {}
        self._search_base = site_root() + reverse("leads:search") + "?"
        self._windows: dict[dt.datetime, str] = {}
        self._wrapped: dict[str, str] = {}
        # Compiled once: a loader without a cache (development, tests) would parse the
        # templates again for every lead.
        self._lead_html = get_template("newsletter/email/_lead.html")
        self._lead_text = get_template("newsletter/email/_lead.txt")
        self._html_parts = self._split(self._specimen_html(), "<!--group-->", "<!--/group-->")
        self._text_parts = self._split(self._specimen_text(), "[[group]]\n", "[[/group]]\n")

    # -- once per issue --

    def _specimen_context(self) -> dict[str, Any]:
        group = GroupView(
            name="@@GNAME@@",
            search_url="@@GURL@@",
            criteria="@@GCRIT@@",
            count="@@GCOUNT@@",
            leads=[],
            see_all_url="@@GALL@@",
            claimed="@@GCLAIMED@@",
        )
        return {
            "date": self.date,
            "member_name": "@@NAME@@",
            "groups": [group],
            "lead_block": "@@LEADS@@",
            "catch_up": "@@CATCHUP@@",
            "catch_up_age_days": settings.NEWSLETTER_CATCH_UP_AGE_DAYS,
            "stream_label": Stream.DAILY.label,
            "unsubscribe_url": "@@UNSUB@@",
            "unsubscribe_all_url": "@@UNSUBALL@@",
            "preferences_url": absolute_url(reverse("mail:preferences")),
            "operator": settings.OPERATOR,
            "site_url": site_root(),
        }

    def _specimen_html(self) -> str:
        page = render_to_string("newsletter/email/daily_message.html", self._specimen_context())
        return self._inliner.inline(page.replace("</head>", f"<style>{self.css}</style></head>", 1))

    def _specimen_text(self) -> str:
        return render_to_string("newsletter/email/daily_message.txt", self._specimen_context())

    @staticmethod
    def _split(page: str, start: str, end: str) -> tuple[str, str, str]:
        prefix, _, rest = page.partition(start)
        piece, _, suffix = rest.partition(end)
        if not piece:
            raise ValueError(f"The newsletter template lost its {start!r} markers.")
        return prefix, piece, suffix

    def lead_parts(self, event_id: int) -> tuple[str, str, str, str, str, str]:
        """Return the blocks of one lead, rendered and inlined once per issue.

        ``(html, text, html before, html after, text before, text after)``: the first two
        without an "also matches" line, the others cut at its slot.
        """
        parts = self._lead_parts.get(event_id)
        if parts is None:
            view = self.views[event_id]
            blocks = []
            for also in ("", "@@ALSO@@"):
                view.also = also
                raw = self._lead_html.render({"lead": view})
                blocks.append(css_inline.inline_fragment(raw, self.css) if self.css else raw)
                blocks.append(self._lead_text.render({"lead": view}))
            html_before, _, html_after = blocks[2].partition("@@ALSO@@")
            text_before, _, text_after = blocks[3].partition("@@ALSO@@")
            parts = (blocks[0], blocks[1], html_before, html_after, text_before, text_after)
            self._lead_parts[event_id] = parts
        return parts

    def search_of(self, name: str, raw_criteria: str, *, weekly: bool = False) -> MemberSearch:
        """Return the ``MemberSearch`` of a saved search's stored criteria (parsed once per text)."""
        entry = self.parsed.get(raw_criteria)
        if entry is None:
            criteria = json.loads(raw_criteria)
            entry = (
                criteria_query(criteria),
                criteria_querydict(criteria).urlencode(),
                "; ".join(criteria_describe(criteria)),
            )
            self.parsed[raw_criteria] = entry
        return MemberSearch(name, entry[0], entry[1], entry[2], weekly)

    def match(self, searches: Iterable[MemberSearch]) -> None:
        """Run the engine once for each query of ``searches`` not matched yet in this issue."""
        wanted = {s.query for s in searches if s.query is not None} - self._matches.keys()
        if wanted:
            self._matches.update(
                lead_search_new_matches(
                    queries=wanted,
                    since=self._oldest,
                    until=self.cutoff,
                    limit=None,
                    events=self.events,
                )
            )

    def new_ids(self, query: LeadQuery | None, since: dt.datetime) -> list[int]:
        """Return the matches of ``query`` imported at or after ``since``, in its sort (cached)."""
        if query is None:
            return []
        ids = self._matches.get(query, [])
        if not ids or since <= self._oldest:
            return ids
        key = (query, since)
        found = self._windowed.get(key)
        if found is None:
            imported = self.events.imported_at
            found = self._windowed[key] = [i for i in ids if imported[i] >= since]
        return found

    def load_views(self, ids: Iterable[int]) -> None:
        """Load the display data of the leads ``ids`` that are not loaded yet (one batch)."""
        missing = {i for i in ids if i not in self.views}
        if missing:
            self.views.update(lead_views_load(missing))

    def subject(self, count: int) -> str:
        """Return the subject line for a newsletter of ``count`` leads (rendered once per count)."""
        if count not in self._subjects:
            text = render_to_string(
                "newsletter/email/daily_subject.txt", {"date": self.date, "lead_count": count}
            )
            self._subjects[count] = " ".join(text.split())
        return self._subjects[count]

    def see_all_url(self, params: str, since: dt.datetime) -> str:
        """Return the search page showing exactly a section's new leads (its params + window)."""
        window = self._windows.get(since)
        if window is None:
            window = self._windows[since] = urlencode(
                {
                    "imported_since": since.astimezone(dt.UTC).isoformat(),
                    "imported_until": self.cutoff.astimezone(dt.UTC).isoformat(),
                }
            )
        return self._search_base + (f"{params}&{window}" if params else window)

    def bound_caches(self) -> None:
        """Empty the per-query caches when one holds over ``QUERY_CACHE_ENTRIES`` entries.

        Parsed criteria, matches and windowed matches are cached by distinct saved search,
        and distinct saved searches grow with the members; emptying them between chunks
        keeps the build's memory bounded by a constant. Lead blocks stay: they are bounded
        by the number of events.
        """
        caches: tuple[dict[Any, Any], ...] = (
            self.parsed, self._matches, self._windowed, self._wrapped,
        )  # fmt: skip
        if max(len(c) for c in caches) > QUERY_CACHE_ENTRIES:
            for cache in caches:
                cache.clear()

    # -- once per member --

    def plan(
        self,
        searches: Iterable[MemberSearch],
        *,
        daily_since: dt.datetime,
        weekly_since: dt.datetime,
    ) -> tuple[list[Section], int]:
        """Return one member's sections and distinct new leads (``plan_sections``)."""
        windows = []
        for search in searches:
            since = weekly_since if search.weekly else daily_since
            windows.append((search, self.new_ids(search.query, since), since))
        return plan_sections(windows, max_leads=self.max_leads)

    def assemble(
        self,
        *,
        member_name: str,
        sections: list[Section],
        count: int,
        catch_up: int,
        unsubscribe: str,
        unsubscribe_all: str,
    ) -> Newsletter | None:
        """Return one member's newsletter from planned ``sections``; None when there are none.

        ``count`` is the number of distinct new leads, ``catch_up`` the catch-up events of
        the member's window (one line when not 0). The listed leads' views must be loaded
        (``load_views``).
        """
        if not sections:
            return None
        html_prefix, html_group, html_suffix = self._html_parts
        text_prefix, text_group, text_suffix = self._text_parts
        member_name = _unmark(member_name)
        esc_name = _text_escape(member_name)
        esc_unsub, esc_unsub_all = _attr_escape(unsubscribe), _attr_escape(unsubscribe_all)
        html_out = [_fill(html_prefix, esc_name, esc_unsub, esc_unsub_all, catch_up, html=True)]
        text_out = [
            _fill(text_prefix, member_name, unsubscribe, unsubscribe_all, catch_up, html=False)
        ]
        for section in sections:
            search = section.search
            name = _unmark(search.name)
            leads_html: list[str] = []
            leads_text: list[str] = []
            for event_id, also in section.listed:
                parts = self.lead_parts(event_id)
                if also:
                    label = _unmark(", ".join(also))
                    leads_html += (parts[2], _text_escape(label), parts[3])
                    leads_text += (parts[4], label, parts[5])
                else:
                    leads_html.append(parts[0])
                    leads_text.append(parts[1])
            total = len(section.ids)
            see_all = self.see_all_url(search.params, section.since)
            search_url = self._search_base + search.params
            more = total > len(section.listed)
            described = _unmark(search.described)
            html_out.append(
                _group(html_group, _text_escape(name), _attr_escape(search_url),
                       _text_escape(described), total, _attr_escape(see_all), section.claimed,
                       "".join(leads_html), more, "<!--", "-->")
            )  # fmt: skip
            wrapped = self._wrapped.get(described)
            if wrapped is None:
                wrapped = self._wrapped[described] = _wrap(described)
            text_out.append(
                _group(text_group, name, search_url, wrapped, total, see_all,
                       section.claimed, "".join(leads_text), more, "[[", "]]")
            )  # fmt: skip
        html_out.append(_fill(html_suffix, esc_name, esc_unsub, esc_unsub_all, catch_up, html=True))
        text_out.append(
            _fill(text_suffix, member_name, unsubscribe, unsubscribe_all, catch_up, html=False)
        )
        return Newsletter(
            subject=self.subject(count),
            text="".join(text_out),
            html="".join(html_out),
            lead_count=count,
        )


def _text_escape(text: str) -> str:
    """Escape ``text`` for an HTML text node as the CSS inliner's serializer writes one.

    The page around it went through that serializer (html5ever, the HTML standard's
    serialization: ``&``, non-breaking space, ``<`` and ``>``), so the pasted pieces use
    the same form and the email equals a plain render byte for byte (tests/reference.py).
    """
    return (
        text.replace("&", "&amp;")
        .replace("\u00a0", "&nbsp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def _attr_escape(text: str) -> str:
    """Escape ``text`` for a double-quoted attribute as the serializer does (see above)."""
    return text.replace("&", "&amp;").replace("\u00a0", "&nbsp;").replace('"', "&quot;")


def _unmark(text: str) -> str:
    """Return member-written ``text`` unable to form an ``@@MARKER@@`` of the templates."""
    return text.replace("@@", "@\u200b@")


def _fill(
    piece: str, name: str, unsubscribe: str, unsubscribe_all: str, catch_up: int, *, html: bool
) -> str:
    opening, closing = ("<!--", "-->") if html else ("[[", "]]")
    piece = _optional(
        piece, f"{opening}catchup{closing}", f"{opening}/catchup{closing}", keep=bool(catch_up)
    )
    return (
        piece.replace("@@NAME@@", name)
        .replace("@@UNSUBALL@@", unsubscribe_all)
        .replace("@@UNSUB@@", unsubscribe)
        .replace("@@CATCHUP@@", f"{catch_up:,}")
    )


def _group(
    piece: str,
    name: str,
    url: str,
    described: str,
    count: int,
    see_all: str,
    claimed: int,
    leads: str,
    more: bool,
    opening: str,
    closing: str,
) -> str:
    piece = _optional(piece, f"{opening}seeall{closing}", f"{opening}/seeall{closing}", keep=more)
    piece = _optional(
        piece, f"{opening}claimed{closing}", f"{opening}/claimed{closing}", keep=bool(claimed)
    )
    return (
        piece.replace("@@GNAME@@", name)
        .replace("@@GURL@@", url)
        .replace("@@GCRIT@@", described)
        .replace("@@GCOUNT@@", str(count))
        .replace("@@GALL@@", see_all)
        .replace("@@GCLAIMED@@", str(claimed))
        .replace("@@LEADS@@", leads)
    )


def _pace_filter(date: dt.date) -> Q:
    """Return the saved searches of the newsletter of ``date``: daily ones, weekly ones of its weekday."""
    return Q(include_in_newsletter=True) & (
        Q(pace=SavedSearch.Pace.DAILY) | Q(pace=SavedSearch.Pace.WEEKLY, weekday=date.weekday())
    )


def newsletter_recipients(*, date: dt.date | None = None) -> QuerySet[User]:
    """Return the members who get the newsletter of ``date`` (default today), ordered by id.

    Those who consent to the daily stream (``mail.selectors.members_consenting``, the one
    rule of membership, consent and suppression) and have at least one saved search in
    that day's newsletter: a daily one, or a weekly one of that weekday (clause L4).
    """
    day = date or clock.today()
    with_alerts = SavedSearch.objects.filter(_pace_filter(day)).values("member_id")
    return members_consenting(stream=Stream.DAILY).filter(id__in=with_alerts)


def _previous_cutoffs(*, member_ids: list[int], date: dt.date) -> dict[int, dt.datetime]:
    """Return ``{member id: cutoff of the member's latest newsletter before date}``.

    A daily delivery carries its issue's date; the issue of that date has the cutoff.
    Members without one in the last ``NEWSLETTER_MAX_WINDOW_DAYS`` are absent.
    """
    since = date - dt.timedelta(days=settings.NEWSLETTER_MAX_WINDOW_DAYS + 1)
    last_dates = (
        Delivery.objects.filter(
            stream=Stream.DAILY,
            **id_span("member_id", member_ids),
            issue_date__gte=since,
            issue_date__lt=date,
        )
        .values("member_id")
        .annotate(last=Max("issue_date"))
        .order_by()
    )
    by_member = {row["member_id"]: row["last"] for row in last_dates}
    cutoffs = dict(
        NewsletterIssue.objects.filter(date__in=set(by_member.values())).values_list(
            "date", "cutoff_at"
        )
    )
    return {m: cutoffs[d] for m, d in by_member.items() if d in cutoffs}


def _searches_by_member(
    renderer: IssueRenderer, member_ids: list[int], date: dt.date
) -> dict[int, list[MemberSearch]]:
    """Return ``{member id: [MemberSearch, ...]}`` of the searches in ``date``'s newsletter, by name."""
    found: dict[int, list[MemberSearch]] = {}
    wanted = set(member_ids)
    rows = (
        SavedSearch.objects.filter(_pace_filter(date), **id_span("member_id", member_ids))
        .order_by("member_id", "name", "id")
        .values_list("member_id", "name", Cast("criteria", TextField()), "pace")
    )
    for member_id, name, raw, pace in rows:
        if member_id not in wanted:
            continue
        search = renderer.search_of(name, raw, weekly=pace == SavedSearch.Pace.WEEKLY)
        found.setdefault(member_id, []).append(search)
    return found


def _matching_window(cutoff: dt.datetime) -> dt.datetime:
    """Return the start of the widest window an issue needs (daily catch-up or weekly)."""
    return cutoff - max(dt.timedelta(days=settings.NEWSLETTER_MAX_WINDOW_DAYS), WEEK)


def newsletter_issue_build(*, date: dt.date, dry_run: bool = False) -> IssueReport:
    """Build the newsletter of ``date``: one pending ``Delivery`` per member with new matches.

    All rows are written in one transaction with the ``NewsletterIssue`` row, so a crash
    leaves either the whole issue or nothing. Building a date twice does nothing the second
    time (``already_built``); two builds at once: the unique issue date lets one commit,
    the other reports ``being_built`` (no error). ``dry_run`` computes the same
    newsletters and writes nothing. Raises ``IssueDateOutOfRange`` (``issue_date_check``).
    """
    issue_date_check(date=date)
    report = IssueReport(date=date, dry_run=dry_run)
    existing = NewsletterIssue.objects.filter(date=date).first()
    if existing is not None:
        report.already_built = True
        report.deliveries = existing.deliveries_created
        return report
    cutoff = issue_cutoff(date=date)
    events = new_events_load(since=_matching_window(cutoff), until=cutoff)
    report.events = len(events.ids)
    member_ids = list(newsletter_recipients(date=date).values_list("id", flat=True))
    report.members = len(member_ids)
    renderer = IssueRenderer(date=date, cutoff=cutoff, events=events)
    if dry_run:
        for chunk in chunked(member_ids, MEMBER_CHUNK):
            report.deliveries += sum(1 for _ in _build_chunk(renderer, chunk, dry_run=True))
            renderer.bound_caches()
        return report
    try:
        with transaction.atomic():
            issue = NewsletterIssue.objects.create(
                date=date, cutoff_at=cutoff, built_at=clock.now(),
                events_considered=len(events.ids), members_considered=len(member_ids),
            )  # fmt: skip
            if events.ids:
                writer = DeliveryBatchWriter(stream=Stream.DAILY, issue_date=date, now=clock.now())
                for chunk in chunked(member_ids, MEMBER_CHUNK):
                    report.deliveries += writer.write(_build_chunk(renderer, chunk, dry_run=False))
                    renderer.bound_caches()
            issue.deliveries_created = report.deliveries
            issue.save(update_fields=["deliveries_created"])
    except IntegrityError:
        # Another build of the same date committed its issue first (the unique date).
        if not NewsletterIssue.objects.filter(date=date).exists():
            raise
        return IssueReport(date=date, already_built=True, being_built=True, dry_run=dry_run)
    return report


def _build_chunk(
    renderer: IssueRenderer, member_ids: list[int], *, dry_run: bool
) -> Iterator[QueuedMessage]:
    """Yield the newsletters of one chunk of members; a dry run creates no preference rows."""
    date, cutoff = renderer.date, renderer.cutoff
    wanted = set(member_ids)
    members = [
        row
        for row in User.objects.filter(**id_span("id", member_ids)).values_list(
            "id", "email", "first_name"
        )
        if row[0] in wanted
    ]
    searches = _searches_by_member(renderer, member_ids, date)
    renderer.match(s for found in searches.values() for s in found)
    previous = _previous_cutoffs(member_ids=member_ids, date=date)
    planned = []
    listed: set[int] = set()
    for member_id, email, first_name in members:
        before = previous.get(member_id)
        since = window_start(previous=before, cutoff=cutoff)
        sections, count = renderer.plan(
            searches.get(member_id, []),
            daily_since=since,
            weekly_since=weekly_start(previous=before, cutoff=cutoff),
        )
        if sections:
            earliest = min(section.since for section in sections)
            planned.append((member_id, email, first_name, sections, count, earliest))
            listed.update(i for section in sections for i, _ in section.listed)
    renderer.load_views(listed)
    keys = {} if dry_run else unsubscribe_keys(member_ids=[p[0] for p in planned])
    make_url = unsubscribe_url_maker()
    dry_url = site_root() + "/newsletter/unsubscribe/dry-run/"
    for member_id, email, first_name, sections, count, earliest in planned:
        key = keys.get(member_id)
        if key is not None:
            unsub = make_url(key, Stream.DAILY.value)
            unsub_all = make_url(key, ALL_STREAMS)
        else:
            unsub = unsub_all = dry_url
        letter = renderer.assemble(
            member_name=first_name or "there",
            sections=sections,
            count=count,
            catch_up=renderer.events.catch_up_count(since=earliest),
            unsubscribe=unsub,
            unsubscribe_all=unsub_all,
        )
        if letter is not None:
            yield QueuedMessage(
                key=f"daily:{date.isoformat()}:{member_id}", member_id=member_id, email=email, subject=letter.subject,
                text=letter.text, html=letter.html, unsubscribe=unsub,
            )  # fmt: skip


def newsletter_preview(*, member: Any, date: dt.date) -> Newsletter | None:
    """Return the newsletter ``member`` gets (or got) for ``date``, built now; None if empty.

    For staff in the browser: the same code path as the build, for this one member only
    (its window's new events, its own saved searches, its listed leads), so it takes
    well under a second; the already-queued delivery, if any, is not changed. Raises
    ``IssueDateOutOfRange`` (``issue_date_check``).
    """
    issue_date_check(date=date)
    issue = NewsletterIssue.objects.filter(date=date).first()
    cutoff = issue.cutoff_at if issue is not None else issue_cutoff(date=date)
    before = _previous_cutoffs(member_ids=[member.id], date=date).get(member.id)
    rows = (
        SavedSearch.objects.filter(_pace_filter(date), member=member)
        .order_by("name", "id")
        .values_list("pace", flat=True)
    )
    weekly = SavedSearch.Pace.WEEKLY in set(rows)
    since = min(
        window_start(previous=before, cutoff=cutoff),
        weekly_start(previous=before, cutoff=cutoff) if weekly else cutoff,
    )
    events = new_events_load(since=since, until=cutoff)
    renderer = IssueRenderer(date=date, cutoff=cutoff, events=events)
    messages = list(_build_chunk_preview(renderer, member, before))
    return messages[0] if messages else None


def _build_chunk_preview(
    renderer: IssueRenderer, member: Any, before: dt.datetime | None
) -> Iterator[Newsletter]:
    cutoff = renderer.cutoff
    searches = _searches_by_member(renderer, [member.id], renderer.date).get(member.id, [])
    renderer.match(searches)
    since = window_start(previous=before, cutoff=cutoff)
    sections, count = renderer.plan(
        searches, daily_since=since, weekly_since=weekly_start(previous=before, cutoff=cutoff)
    )
    if not sections:
        return
    renderer.load_views(i for section in sections for i, _ in section.listed)
    key = unsubscribe_keys(member_ids=[member.id])[member.id]
    make_url = unsubscribe_url_maker()
    letter = renderer.assemble(
        member_name=member.first_name or "there",
        sections=sections,
        count=count,
        catch_up=renderer.events.catch_up_count(since=min(s.since for s in sections)),
        unsubscribe=make_url(key, Stream.DAILY.value),
        unsubscribe_all=make_url(key, ALL_STREAMS),
    )
    if letter is not None:
        yield letter
