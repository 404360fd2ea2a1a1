"""A plain reference renderer of one member's daily newsletter: the oracle for the fast one.

``IssueRenderer.assemble`` renders the templates once per issue with placeholders and
pastes each member's pieces into them (issue 4's speed). This renders the same templates
the ordinary way, with Django's own loop, escaping and conditions, each lead through its
include, and the whole page CSS-inlined at once; then it drops the block markers the fast
path cuts along. Given the same planned sections, both must give the same bytes.
"""

import dataclasses
import datetime as dt
import re
from urllib.parse import urlencode

import css_inline
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from lead411.core.urls import absolute_url
from lead411.mail.models import Stream
from lead411.mail.services import email_css
from lead411.newsletter.digest import (
    GroupView,
    IssueRenderer,
    Newsletter,
    Section,
    _wrap,
)

HTML_MARKERS = re.compile(r"<!--/?(?:group|claimed|seeall|catchup)-->")
TEXT_MARKERS = re.compile(r"\[\[/?group\]\]\n|\[\[/?(?:claimed|seeall|catchup)\]\]")


def _shown(text: str) -> str:
    """Member-written text as the newsletter shows it: "@@" cannot form a placeholder."""
    return text.replace("@@", "@\u200b@")


def reference_render(
    *,
    renderer: IssueRenderer,
    member_name: str,
    sections: list[Section],
    count: int,
    catch_up: int,
    unsubscribe: str,
    unsubscribe_all: str,
) -> Newsletter:
    """Return the newsletter ``renderer.assemble`` should give for the same arguments."""
    search_base = absolute_url(reverse("leads:search")) + "?"
    html_groups, text_groups = [], []
    for section in sections:
        leads = [
            dataclasses.replace(renderer.views[event_id], also=_shown(", ".join(also)))
            for event_id, also in section.listed
        ]
        window = urlencode(
            {
                "imported_since": section.since.astimezone(dt.UTC).isoformat(),
                "imported_until": renderer.cutoff.astimezone(dt.UTC).isoformat(),
            }
        )
        params = section.search.params
        more = len(section.ids) > len(section.listed)
        group = GroupView(
            name=_shown(section.search.name),
            search_url=search_base + params,
            criteria=_shown(section.search.described),
            count=len(section.ids),
            leads=leads,
            see_all_url=(search_base + (f"{params}&{window}" if params else window))
            if more
            else "",
            claimed=section.claimed,
        )
        html_groups.append(group)
        text_groups.append(dataclasses.replace(group, criteria=_wrap(group.criteria)))
    context = {
        "date": renderer.date,
        "member_name": _shown(member_name),
        "lead_block": "",
        "catch_up": catch_up,
        "catch_up_age_days": settings.NEWSLETTER_CATCH_UP_AGE_DAYS,
        "stream_label": Stream.DAILY.label,
        "unsubscribe_url": unsubscribe,
        "unsubscribe_all_url": unsubscribe_all,
        "preferences_url": absolute_url(reverse("mail:preferences")),
        "operator": settings.OPERATOR,
        "site_url": absolute_url("/").rstrip("/"),
    }
    page = render_to_string(
        "newsletter/email/daily_message.html", {**context, "groups": html_groups}
    )
    css = email_css()
    inlined = css_inline.CSSInliner(keep_style_tags=False).inline(
        page.replace("</head>", f"<style>{css}</style></head>", 1)
    )
    text = render_to_string(
        "newsletter/email/daily_message.txt", {**context, "groups": text_groups}
    )
    return Newsletter(
        subject=renderer.subject(count),
        text=TEXT_MARKERS.sub("", text),
        html=HTML_MARKERS.sub("", inlined),
        lead_count=count,
    )
