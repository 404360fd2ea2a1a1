"""Writes of the newsletter app: product updates (clause P5 c).

The daily newsletter's build is in ``digest``; every email is queued through
``lead411.mail.services``.
"""

from typing import Any

import markdown
import nh3
from django.db import transaction
from django.template.loader import render_to_string

from lead411.core import clock
from lead411.mail.models import Delivery, MailPreferences, Stream
from lead411.mail.selectors import members_consenting
from lead411.mail.services import delivery_enqueue

# --- Product updates (clause P5 c) ---

# Tags a product update may use after Markdown: text structure and links, nothing active.
UPDATE_ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "code", "pre",
    "blockquote", "a",
}  # fmt: skip


def product_update_html(*, markdown_text: str) -> str:
    """Return the sanitised HTML of a product update written in Markdown.

    Markdown is rendered, then cleaned by nh3 (ammonia) to ``UPDATE_ALLOWED_TAGS``; links
    keep only http(s)/mailto URLs and get ``rel="noopener noreferrer"``. Raw HTML in the
    Markdown (a script, an onclick) is removed, never passed on to members' mailboxes.
    """
    raw = markdown.markdown(markdown_text, extensions=["sane_lists"])
    return nh3.clean(
        raw,
        tags=UPDATE_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def product_update_render(
    *, update: Any, prefs: MailPreferences | None = None
) -> tuple[str, str, str]:
    """Return ``(subject, text, html)`` of a product update, without the footer."""
    context = {
        "update": update,
        "body_html": product_update_html(markdown_text=update.body_markdown),
    }
    subject = " ".join(render_to_string("newsletter/email/update_subject.txt", context).split())
    text = render_to_string("newsletter/email/update_message.txt", context)
    html = render_to_string("newsletter/email/update_message.html", context)
    return subject, text, html


def product_update_send(*, update: Any) -> int:
    """Queue ``update`` to every active member who consented to product updates; return how many.

    Members without a preferences row have not opted in (the default is off), so they
    get nothing (clause P5). Each member's row has the key ``updates:<update>:<member>``,
    so sending twice queues nobody twice. Raises ``ValueError`` when already sent.
    """
    if update.sent_at is not None:
        raise ValueError("This update was already sent.")
    subject, text, html = product_update_render(update=update)
    count = 0
    with transaction.atomic():
        for member in members_consenting(stream=Stream.UPDATES).iterator():
            delivery = delivery_enqueue(
                member=member,
                stream=Stream.UPDATES,
                key=f"updates:{update.pk}:{member.pk}",
                subject=subject,
                text_body=text,
                html_body=html,
            )
            count += delivery.status == Delivery.Status.PENDING
        update.sent_at = clock.now()
        update.recipients = count
        update.save(update_fields=["sent_at", "recipients"])
    return count
