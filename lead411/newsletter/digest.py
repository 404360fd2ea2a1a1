"""Build the Daily eMail Newsletter: match new events, render once, assemble per member, queue (L4).

The cost model, for 100,000 members with 3 saved searches each and 2,000 new events:

1. The new events are loaded once (``EventBatch``) and every saved search is evaluated
   in memory with bit masks, cached by canonical criteria (see ``criteria``).
2. Each matched lead's block is rendered once per issue (``_lead.html``/``_lead.txt``)
   and its CSS inlined once (css-inline ``inline_fragment``).
3. The page around the blocks is the same template, ``daily_message.html``, rendered and
   inlined once with markers in place of the member's values, then cut at its
   ``<!--group-->`` comments into a prefix, a per-saved-search piece and a suffix.
4. Per member only string replacement and joining remain (the saved searches' criteria
   are decoded and keyed once per distinct JSON text).
5. The rows are written in one transaction with ``executemany`` in batches of 500, the
   bodies zlib-compressed (``Delivery.packed_body``); members are read in chunks of
   ``MEMBER_CHUNK``, so memory does not grow with the member count.

A member's newsletter holds the events imported after the cutoff of that member's
previous newsletter (at most ``NEWSLETTER_MAX_WINDOW_DAYS`` back, the window of a
member never mailed before) up to this issue's cutoff. No match: no email.
"""

import datetime as dt
import html
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import css_inline
from django.conf import settings
from django.db import transaction
from django.db.models import Max, QuerySet, TextField
from django.db.models.functions import Cast
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from lead411.accounts.models import User
from lead411.core import clock
from lead411.core.chunking import chunked
from lead411.core.urls import absolute_url, site_root
from lead411.leads.criteria import (
    EventBatch,
    EventFacts,
    criteria_describe,
    criteria_key,
    criteria_querydict,
    document_words,
    mask_indices,
    matched_phrases,
    stemming_algorithm,
)
from lead411.leads.models import Company, SavedSearch, TriggerEvent
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
# Most entries a per-criteria cache of a build holds before it is emptied (see bound_caches).
CRITERIA_CACHE_ENTRIES = 20_000
# A saved search in the newsletter: (name, criteria, criteria_key(criteria)).
Search = tuple[str, dict[str, list[str]], str]


@dataclass
class LeadView:
    """What the lead block templates show of one event."""

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
    matched: str = ""


@dataclass
class GroupView:
    """One saved search's section of a newsletter."""

    name: str
    search_url: str
    criteria: str
    count: int | str
    leads: list[Any]
    more: int | str = 0


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
    dry_run: bool = False

    def __str__(self) -> str:
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


def events_load(
    *, after: dt.datetime, until: dt.datetime
) -> tuple[EventBatch, dict[int, LeadView]]:
    """Return the events imported in ``(after, until]`` as a batch, and their display data by id.

    Two queries: events with companies, then the companies' categories.
    """
    rows = list(
        TriggerEvent.objects.filter(imported_at__gt=after, imported_at__lte=until)
        .select_related("company")
        .order_by("imported_at", "id")
    )
    company_ids = {e.company_id for e in rows}
    categories: dict[int, list[str]] = {}
    through = Company.categories.through.objects.filter(company_id__in=company_ids)
    for company_id, name in through.values_list("company_id", "category__name"):
        categories.setdefault(company_id, []).append(name)
    algorithm = stemming_algorithm()
    facts: list[EventFacts] = []
    views: dict[int, LeadView] = {}
    # One reverse() for all events: it costs milliseconds under load.
    detail = site_root() + reverse("leads:detail", args=[987654321])
    for event in rows:
        company = event.company
        cats = sorted(categories.get(company.id, []))
        facts.append(
            EventFacts(
                id=event.id,
                kind=event.kind,
                round_type=event.round_type,
                categories=frozenset(cats),
                country=company.country_code,
                region=company.region,
                city=company.city,
                announced_on=event.announced_on,
                amount_usd=event.amount_usd,
                imported_at=event.imported_at,
                words=document_words(event.search_document, algorithm),
            )
        )
        views[event.id] = LeadView(
            id=event.id,
            url=detail.replace("987654321", str(event.id)),
            company=company.name,
            summary=event.summary,
            kind=event.get_kind_display(),
            amount=format_amount(event.amount, event.currency or "USD"),
            counterparty=event.counterparty,
            announced_on=event.announced_on,
            place=", ".join(p for p in (company.city, company.region, company.country_code) if p),
            categories=", ".join(cats),
        )
    return EventBatch(facts, algorithm), views


class IssueRenderer:
    """Renders the pieces of one issue once and assembles each member's newsletter from them."""

    def __init__(self, *, date: dt.date, batch: EventBatch, views: dict[int, LeadView]) -> None:
        self.date = date
        self.batch = batch
        self.views = views
        self.max_leads = settings.NEWSLETTER_MAX_LEADS_PER_SEARCH
        self.css = email_css()
        self._inliner = css_inline.CSSInliner(keep_style_tags=False)
        self._lead_html: dict[int, str] = {}
        self._lead_text: dict[int, str] = {}
        self._lead_parts: dict[int, tuple[str, str, str, str]] = {}
        # Saved-search criteria by stored JSON text: (criteria, criteria_key).
        self.parsed_criteria: dict[str, tuple[dict[str, list[str]], str]] = {}
        self._matched_cache: dict[tuple[str, int], tuple[str, str]] = {}
        self._subjects: dict[int, str] = {}
        self._search_texts: dict[str, tuple[str, str, str, str]] = {}
        self._search_base = site_root() + reverse("leads:search") + "?"
        self._html_parts = self._split(self._specimen_html(), "<!--group-->", "<!--/group-->")
        self._text_parts = self._split(self._specimen_text(), "[[group]]\n", "[[/group]]\n")

    # -- once per issue --

    def _specimen_context(self) -> dict[str, Any]:
        group = GroupView(
            name="@@GNAME@@",
            search_url="@@GURL@@",
            criteria="@@GCRIT@@",
            count="@@GCOUNT@@",
            leads=[LeadView(0, "", "", "", "", "", "", None, "", "", "")],
            more="@@GMORE@@",
        )
        return {
            "date": self.date,
            "member_name": "@@NAME@@",
            "groups": [group],
            "lead_block": "@@LEADS@@",
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

    def lead_html(self, index: int) -> str:
        """Return the inlined HTML block of event ``index`` of the batch (rendered once)."""
        block = self._lead_html.get(index)
        if block is None:
            view = self.views[self.batch.events[index].id]
            view.matched = "@@MATCHED@@"
            raw = render_to_string("newsletter/email/_lead.html", {"lead": view})
            block = css_inline.inline_fragment(raw, self.css) if self.css else raw
            self._lead_html[index] = block
        return block

    def lead_text(self, index: int) -> str:
        """Return the plain-text block of event ``index`` (rendered once)."""
        block = self._lead_text.get(index)
        if block is None:
            view = self.views[self.batch.events[index].id]
            view.matched = "@@MATCHED@@"
            block = render_to_string("newsletter/email/_lead.txt", {"lead": view})
            self._lead_text[index] = block
        return block

    def lead_parts(self, index: int) -> tuple[str, str, str, str]:
        """Return the HTML and text blocks of event ``index`` cut at their "matched" slot.

        ``(html before, html after, text before, text after)``: a member's block is
        ``before + label + after``, joined with the rest of the newsletter at once.
        """
        parts = self._lead_parts.get(index)
        if parts is None:
            html_before, _, html_after = self.lead_html(index).partition("@@MATCHED@@")
            text_before, _, text_after = self.lead_text(index).partition("@@MATCHED@@")
            parts = (html_before, html_after, text_before, text_after)
            self._lead_parts[index] = parts
        return parts

    def _matched(self, key: str, criteria: dict[str, list[str]], index: int) -> tuple[str, str]:
        found = self._matched_cache.get((key, index))
        if found is None:
            text = "; ".join(matched_phrases(criteria, self.batch.events[index]))
            found = (text, html.escape(text))
            self._matched_cache[(key, index)] = found
        return found

    def _search_text(self, key: str, criteria: dict[str, list[str]]) -> tuple[str, str, str, str]:
        """Return (search URL, description) of a criteria set, plain and HTML-escaped (cached)."""
        found = self._search_texts.get(key)
        if found is None:
            url = self._search_base + criteria_querydict(criteria).urlencode()
            described = "; ".join(criteria_describe(criteria))
            found = (url, described, html.escape(url), html.escape(described))
            self._search_texts[key] = found
        return found

    def subject(self, count: int) -> str:
        """Return the subject line for a newsletter of ``count`` leads (rendered once per count)."""
        if count not in self._subjects:
            text = render_to_string(
                "newsletter/email/daily_subject.txt", {"date": self.date, "lead_count": count}
            )
            self._subjects[count] = " ".join(text.split())
        return self._subjects[count]

    def bound_caches(self) -> None:
        """Empty the per-criteria caches when one holds over ``CRITERIA_CACHE_ENTRIES`` entries.

        Criteria masks, "matched" labels, search links and parsed criteria are cached by
        distinct saved search, and distinct saved searches grow with the members; emptying
        them between chunks of members keeps the build's memory bounded by a constant. The
        lead blocks stay: they are bounded by the number of events.
        """
        caches: tuple[dict[Any, Any], ...] = (
            self._matched_cache, self._search_texts, self.parsed_criteria,
        )  # fmt: skip
        biggest = max(self.batch.criteria_cached(), *(len(c) for c in caches))
        if biggest > CRITERIA_CACHE_ENTRIES:
            for cache in caches:
                cache.clear()
            self.batch.criteria_forget()

    # -- once per member --

    def assemble(
        self,
        *,
        member_name: str,
        searches: Iterable[Search],
        window_mask: int,
        unsubscribe: str,
        unsubscribe_all: str,
    ) -> Newsletter | None:
        """Return one member's newsletter, or None when no new event matches a saved search.

        ``searches`` are ``(name, criteria, criteria_key)`` in display order; ``window_mask`` the
        batch mask of events new to this member (``EventBatch.window_mask``).
        """
        groups: list[tuple[str, dict[str, list[str]], str, int]] = []
        distinct = 0
        for name, criteria, key in searches:
            mask = self.batch.criteria_mask(criteria, key) & window_mask
            if mask:
                distinct |= mask
                groups.append((name, criteria, key, mask))
        if not groups:
            return None
        count = distinct.bit_count()
        html_prefix, html_group, html_suffix = self._html_parts
        text_prefix, text_group, text_suffix = self._text_parts
        member_name = _unmark(member_name)
        esc_name = html.escape(member_name)
        esc_unsub, esc_unsub_all = html.escape(unsubscribe), html.escape(unsubscribe_all)
        html_out = [_fill(html_prefix, esc_name, esc_unsub, esc_unsub_all)]
        text_out = [_fill(text_prefix, member_name, unsubscribe, unsubscribe_all)]
        for raw_name, criteria, key, mask in groups:
            name = _unmark(raw_name)
            total = mask.bit_count()
            more = max(total - self.max_leads, 0)
            url, described, esc_url, esc_described = self._search_text(key, criteria)
            leads_html: list[str] = []
            leads_text: list[str] = []
            for index in mask_indices(mask, limit=self.max_leads):
                text_label, html_label = self._matched(key, criteria, index)
                html_before, html_after, text_before, text_after = self.lead_parts(index)
                leads_html += (html_before, html_label, html_after)
                leads_text += (text_before, text_label, text_after)
            html_out.append(
                _group(html_group, html.escape(name), esc_url, esc_described,
                       total, more, "".join(leads_html), "<!--more-->", "<!--/more-->")
            )  # fmt: skip
            text_out.append(
                _group(text_group, name, url, described, total, more, "".join(leads_text),
                       "[[more]]", "[[/more]]")
            )  # fmt: skip
        html_out.append(_fill(html_suffix, esc_name, esc_unsub, esc_unsub_all))
        text_out.append(_fill(text_suffix, member_name, unsubscribe, unsubscribe_all))
        return Newsletter(
            subject=self.subject(count),
            text="".join(text_out),
            html="".join(html_out),
            lead_count=count,
        )


def _unmark(text: str) -> str:
    """Return member-written ``text`` unable to form an ``@@MARKER@@`` of the templates."""
    return text.replace("@@", "@\u200b@")


def _fill(piece: str, name: str, unsubscribe: str, unsubscribe_all: str) -> str:
    return (
        piece.replace("@@NAME@@", name)
        .replace("@@UNSUBALL@@", unsubscribe_all)
        .replace("@@UNSUB@@", unsubscribe)
    )


def _group(
    piece: str,
    name: str,
    url: str,
    described: str,
    count: int,
    more: int,
    leads: str,
    more_open: str,
    more_close: str,
) -> str:
    if not more:
        head, _, rest = piece.partition(more_open)
        _, _, tail = rest.partition(more_close)
        piece = head + tail
    return (
        piece.replace("@@GNAME@@", name)
        .replace("@@GURL@@", url)
        .replace("@@GCRIT@@", described)
        .replace("@@GCOUNT@@", str(count))
        .replace("@@GMORE@@", str(more))
        .replace("@@LEADS@@", leads)
    )


def newsletter_recipients() -> QuerySet[User]:
    """Return the members who get the daily newsletter, ordered by id.

    Those who consent to the daily stream (``mail.selectors.members_consenting``, the one
    rule of membership, consent and suppression) and have at least one saved search in
    the newsletter (clause L4).
    """
    with_alerts = SavedSearch.objects.filter(include_in_newsletter=True).values("member_id")
    return members_consenting(stream=Stream.DAILY).filter(id__in=with_alerts)


def _previous_cutoffs(*, member_ids: list[int], date: dt.date) -> dict[int, dt.datetime]:
    """Return ``{member id: cutoff of the member's latest newsletter before date}``.

    A daily delivery carries its issue's date; the issue of that date has the cutoff.
    """
    since = date - dt.timedelta(days=settings.NEWSLETTER_MAX_WINDOW_DAYS + 1)
    last_dates = (
        Delivery.objects.filter(
            stream=Stream.DAILY,
            member_id__in=member_ids,
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
    member_ids: list[int], parsed: dict[str, tuple[dict[str, list[str]], str]] | None = None
) -> dict[int, list[Search]]:
    """Return ``{member id: [(name, criteria, criteria_key), ...]}`` of their newsletter searches.

    ``parsed`` caches the decoded criteria and key by their stored JSON text: most saved
    searches repeat a few popular criteria, so each is decoded and keyed once per issue.
    """
    cache = {} if parsed is None else parsed
    found: dict[int, list[Search]] = {}
    rows = (
        SavedSearch.objects.filter(member_id__in=member_ids, include_in_newsletter=True)
        .order_by("member_id", "name", "id")
        .values_list("member_id", "name", Cast("criteria", TextField()))
    )
    for member_id, name, raw in rows:
        entry = cache.get(raw)
        if entry is None:
            criteria = json.loads(raw)
            entry = cache[raw] = (criteria, criteria_key(criteria))
        found.setdefault(member_id, []).append((name, *entry))
    return found


def newsletter_issue_build(*, date: dt.date, dry_run: bool = False) -> IssueReport:
    """Build the newsletter of ``date``: one pending ``Delivery`` per member with new matches.

    All rows are written in one transaction with the ``NewsletterIssue`` row, so a crash
    leaves either the whole issue or nothing. Building a date twice does nothing the second
    time (``already_built``); the unique (date, member, stream) constraint backs this.
    ``dry_run`` computes the same newsletters and writes nothing. Members are handled in
    chunks of ``MEMBER_CHUNK`` and rows written in batches, so memory does not grow with
    the number of members.
    """
    report = IssueReport(date=date, dry_run=dry_run)
    existing = NewsletterIssue.objects.filter(date=date).first()
    if existing is not None:
        report.already_built = True
        report.deliveries = existing.deliveries_created
        return report
    cutoff = issue_cutoff(date=date)
    earliest = cutoff - dt.timedelta(days=settings.NEWSLETTER_MAX_WINDOW_DAYS)
    batch, views = events_load(after=earliest, until=cutoff)
    report.events = len(batch)
    member_ids = list(newsletter_recipients().values_list("id", flat=True))
    report.members = len(member_ids)
    if dry_run:
        renderer = IssueRenderer(date=date, batch=batch, views=views)
        for chunk in chunked(member_ids, MEMBER_CHUNK):
            report.deliveries += sum(
                1 for _ in _build_chunk(renderer, chunk, date, cutoff, earliest, dry_run=True)
            )
            renderer.bound_caches()
        return report
    with transaction.atomic():
        issue = NewsletterIssue.objects.create(
            date=date, cutoff_at=cutoff, built_at=clock.now(), events_considered=len(batch),
            members_considered=len(member_ids),
        )  # fmt: skip
        if len(batch):
            renderer = IssueRenderer(date=date, batch=batch, views=views)
            writer = DeliveryBatchWriter(stream=Stream.DAILY, issue_date=date, now=clock.now())
            for chunk in chunked(member_ids, MEMBER_CHUNK):
                report.deliveries += writer.write(
                    _build_chunk(renderer, chunk, date, cutoff, earliest, dry_run=False)
                )
                renderer.bound_caches()
        issue.deliveries_created = report.deliveries
        issue.save(update_fields=["deliveries_created"])
    return report


def _build_chunk(
    renderer: IssueRenderer,
    member_ids: list[int],
    date: dt.date,
    cutoff: dt.datetime,
    earliest: dt.datetime,
    *,
    dry_run: bool,
) -> Iterator[QueuedMessage]:
    """Yield the newsletters of one chunk of members; a dry run creates no preference rows."""
    members = User.objects.filter(id__in=member_ids).values_list("id", "email", "first_name")
    searches = _searches_by_member(member_ids, renderer.parsed_criteria)
    previous = _previous_cutoffs(member_ids=member_ids, date=date)
    keys = {} if dry_run else unsubscribe_keys(member_ids=member_ids)
    make_url = unsubscribe_url_maker()
    dry_url = site_root() + "/newsletter/unsubscribe/dry-run/"
    for member_id, email, first_name in members:
        start = max(previous.get(member_id, earliest), earliest)
        key = keys.get(member_id)
        if key is not None:
            unsub = make_url(key, Stream.DAILY.value)
            unsub_all = make_url(key, ALL_STREAMS)
        else:
            unsub = unsub_all = dry_url
        letter = renderer.assemble(
            member_name=first_name or "there",
            searches=searches.get(member_id, []),
            window_mask=renderer.batch.window_mask(start),
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

    For staff in the browser: the same code path as the build, for one member; the
    already-queued delivery, if any, is not changed.
    """
    cutoff = issue_cutoff(date=date)
    issue = NewsletterIssue.objects.filter(date=date).first()
    if issue is not None:
        cutoff = issue.cutoff_at
    earliest = cutoff - dt.timedelta(days=settings.NEWSLETTER_MAX_WINDOW_DAYS)
    start = max(
        _previous_cutoffs(member_ids=[member.id], date=date).get(member.id, earliest), earliest
    )
    batch, views = events_load(after=start, until=cutoff)
    renderer = IssueRenderer(date=date, batch=batch, views=views)
    key = unsubscribe_keys(member_ids=[member.id])[member.id]
    make_url = unsubscribe_url_maker()
    return renderer.assemble(
        member_name=member.first_name or "there",
        searches=_searches_by_member([member.id]).get(member.id, []),
        window_mask=batch.all_mask,
        unsubscribe=make_url(key, Stream.DAILY.value),
        unsubscribe_all=make_url(key, ALL_STREAMS),
    )
