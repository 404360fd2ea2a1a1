"""The suite's SITE_URL link check flags what it must and passes what it must (issue 15)."""

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from lead411.core.tests.site_links import off_site_links

SITE = "http://127.0.0.1:8123"


def _sent(*, text: str, html: str = "", unsubscribe: str = "") -> None:
    headers = {"List-Unsubscribe": unsubscribe} if unsubscribe else {}
    message = EmailMultiAlternatives("Hello", text, to=["a@example.com"], headers=headers)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


@pytest.mark.parametrize(
    ("text", "html", "unsubscribe", "flagged"),
    [
        (f"Open {SITE}/leads/1/ now.", f'<a href="{SITE}/leads/1/">lead</a>',
         f"<{SITE}/u/x/>, <mailto:unsubscribe@example.com>", []),
        ("Open http://127.0.0.1:8000/leads/1/ now.", "", "",
         ["http://127.0.0.1:8000/leads/1/"]),
        ("Hi", '<p><a href="https://evil.example/x">x</a> <img src="//cdn.example/p.png"></p>', "",
         ["https://evil.example/x", "https://evil.example/x", "//cdn.example/p.png"]),
        ("Hi", '<a href="/leads/">relative</a><a href="#top">top</a>', "", ["/leads/"]),
        ("Hi", "", "<http://localhost:8000/u/x/>", ["http://localhost:8000/u/x/"]),
        ("Hi", "", f"<{SITE.replace('http:', 'https:')}/u/x/>", ["https://127.0.0.1:8123/u/x/"]),
    ],
)  # fmt: skip
def test_the_link_check_flags_links_off_site_url(settings, text, html, unsubscribe, flagged):
    """Issue 15: a link, an HTML href/src or a List-Unsubscribe URL off SITE_URL is flagged."""
    settings.SITE_URL = SITE
    _sent(text=text, html=html, unsubscribe=unsubscribe)
    found = off_site_links(mail.outbox, site_url=settings.SITE_URL)
    assert [f.split(": ", 1)[1] for f in found] == flagged
    # The conftest's check runs on the outbox after every test: leave it this test's verdict.
    mail.outbox.clear()


def test_the_link_check_reads_what_an_smtp_sink_received(smtp_sink, settings):
    """Issue 15: the mail an SMTP sink accepted is checked the same way (the ``smtp_sink`` check)."""
    settings.SITE_URL = SITE
    _sent(text=f"see {SITE}/leads/", unsubscribe="<http://127.0.0.1:8000/u/x/>")
    assert len(smtp_sink.handler.raw) == 1
    found = off_site_links(smtp_sink.handler.raw, site_url=settings.SITE_URL)
    assert found == ["Hello: http://127.0.0.1:8000/u/x/"]
    # The smtp_sink fixture checks what it accepted when the test ends: leave it this verdict.
    smtp_sink.handler.raw.clear()


def test_origins_written_by_staff_can_be_allowed_one_by_one(settings):
    """Issue 15: ``links_off_site`` lets a test's staff-written content link to a named origin only."""
    settings.SITE_URL = SITE
    _sent(text="Docs: https://docs.example/x and https://other.example/y")
    found = off_site_links(mail.outbox, site_url=SITE, also=["https://docs.example"])
    assert found == ["Hello: https://other.example/y"]
    mail.outbox.clear()
