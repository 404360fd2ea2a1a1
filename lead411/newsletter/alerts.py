"""Instant alerts: a short email minutes after an import adds matches to a saved search (issue 15).

A saved search with ``pace = instant`` is left out of the daily newsletter; instead the
scheduler runs ``newsletter_alerts_send`` every ``NEWSLETTER_ALERT_POLL_MINUTES``. Each
run looks at the events imported since each member's ``AlertCursor``, matches the
member's instant searches through the one search (``lead_search_new_matches``), and
queues one email per member with new matches: every new lead once, under its first
search, as in the newsletter (``digest.plan_sections``). The alerts are the daily
stream's (same consent, same unsubscribe, clause P5/P7) and go through
``mail.services.delivery_enqueue``. A member gets at most
``NEWSLETTER_ALERTS_MAX_PER_DAY`` alerts a day; past it the cursor stays, so the rest
arrive in the next day's first alert.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.template.loader import render_to_string

from lead411.accounts.models import User
from lead411.core import clock
from lead411.core.chunking import chunked
from lead411.leads.models import SavedSearch
from lead411.leads.search.digest import new_events_load
from lead411.mail.models import Delivery, Stream
from lead411.mail.selectors import members_consenting
from lead411.mail.services import delivery_enqueue
from lead411.newsletter.digest import MEMBER_CHUNK, IssueRenderer, MemberSearch
from lead411.newsletter.models import AlertCursor


@dataclass
class AlertReport:
    """What one alert run did: members looked at, alerts queued, members held at the cap."""

    members: int = 0
    queued: int = 0
    held: int = 0

    def __str__(self) -> str:
        return (
            f"Instant alerts: {self.members} members with instant searches, "
            f"queued {self.queued}, {self.held} held at the daily cap."
        )


def alert_recipients() -> list[int]:
    """Return the ids of consenting members with an instant saved search, by id."""
    instant = SavedSearch.objects.filter(
        include_in_newsletter=True, pace=SavedSearch.Pace.INSTANT
    ).values("member_id")
    return list(
        members_consenting(stream=Stream.DAILY).filter(id__in=instant).values_list("id", flat=True)
    )


def newsletter_alerts_send() -> AlertReport:
    """Queue the instant alerts due now; return what was done. Safe to run at any time.

    Window of a member: from its cursor (a member without one: the last
    ``NEWSLETTER_ALERT_POLL_MINUTES``), at most ``NEWSLETTER_MAX_WINDOW_DAYS`` back, up to
    now. The alert's key names the member and the window's end, so a rerun after a crash
    queues nothing twice.
    """
    now = clock.now()
    today = clock.today()
    report = AlertReport()
    member_ids = alert_recipients()
    report.members = len(member_ids)
    earliest = now - dt.timedelta(days=settings.NEWSLETTER_MAX_WINDOW_DAYS)
    first = now - dt.timedelta(minutes=max(settings.NEWSLETTER_ALERT_POLL_MINUTES, 1))
    for chunk in chunked(member_ids, MEMBER_CHUNK):
        cursors = AlertCursor.objects.in_bulk(chunk)
        starts = {
            m: max(cursors[m].covered_until if m in cursors else first, earliest) for m in chunk
        }
        since = min(starts.values())
        renderer = IssueRenderer(
            date=today, cutoff=now, events=new_events_load(since=since, until=now)
        )
        searches: dict[int, list[MemberSearch]] = {}
        rows = (
            SavedSearch.objects.filter(
                member_id__in=chunk, include_in_newsletter=True, pace=SavedSearch.Pace.INSTANT
            )
            .order_by("member_id", "name", "id")
            .values_list("member_id", "name", Cast("criteria", TextField()))
        )
        for member_id, name, raw in rows:
            searches.setdefault(member_id, []).append(renderer.search_of(name, raw))
        renderer.match(s for found in searches.values() for s in found)
        members = User.objects.in_bulk(chunk)
        with transaction.atomic():
            for member_id in chunk:
                cursor = cursors.get(member_id) or AlertCursor(
                    member_id=member_id, covered_until=starts[member_id], day=today
                )
                if cursor.day != today:
                    cursor.day, cursor.sent_on_day = today, 0
                sections, count = renderer.plan(
                    searches.get(member_id, []),
                    daily_since=starts[member_id],
                    weekly_since=starts[member_id],
                )
                if sections and cursor.sent_on_day >= settings.NEWSLETTER_ALERTS_MAX_PER_DAY:
                    report.held += 1
                    cursor.save()
                    continue
                if sections:
                    renderer.load_views(i for s in sections for i, _ in s.listed)
                    _alert_enqueue(
                        renderer=renderer, member=members[member_id], sections=sections,
                        count=count, until=now,
                    )  # fmt: skip
                    cursor.sent_on_day += 1
                    report.queued += 1
                cursor.covered_until = now
                cursor.save()
    return report


def _alert_enqueue(
    *, renderer: IssueRenderer, member: User, sections: list, count: int, until: dt.datetime
) -> Delivery:
    """Queue one member's alert: the listed leads of each section and "see all" links."""
    groups = [
        {
            "name": section.search.name,
            "count": len(section.ids),
            "claimed": section.claimed,
            "leads": [(renderer.views[i], ", ".join(also)) for i, also in section.listed],
            "more": len(section.ids) > len(section.listed),
            "see_all_url": renderer.see_all_url(section.search.params, section.since),
        }
        for section in sections
    ]
    context = {"member_name": member.first_name or "there", "groups": groups, "count": count}
    subject = " ".join(render_to_string("newsletter/email/alert_subject.txt", context).split())
    return delivery_enqueue(
        member=member,
        stream=Stream.DAILY,
        key=f"alert:{member.pk}:{until.astimezone(dt.UTC):%Y%m%dT%H%M%S%f}",
        subject=subject,
        text_body=render_to_string("newsletter/email/alert_message.txt", context),
        html_body=render_to_string("newsletter/email/alert_message.html", context),
    )
