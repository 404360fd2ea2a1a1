"""The outbox's own wire form says what Django's ``EmailMultiAlternatives`` says (clause L4).

``mail.wire`` writes the newsletter's bytes without the ``email`` package's object model,
for speed (issue 15). The oracle is Django: both forms are parsed with the standard parser
and every header (but Date, which each stamps with its own clock) and every decoded part
must be equal, over generated subjects, display names, addresses and bodies, including
non-ASCII text, lines over 998 octets, lone CRs and lines starting with a dot.
"""

import email
import email.policy
import re
import smtplib

import pytest
from django.core.mail import EmailMultiAlternatives
from hypothesis import given, settings
from hypothesis import strategies as st

from lead411.mail.outbox import _dot_stuffed, _quoted
from lead411.mail.wire import WireUnsupported, message_wire_bytes

pytestmark = pytest.mark.clause("L4")

ANN = "ann@example.com"
HEADERS = {
    "List-Unsubscribe": "<https://leads.example.com/newsletter/unsubscribe/abc:def/>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "Message-ID": "<0123456789abcdef@leads.example.com>",
}

bodies = st.lists(
    st.sampled_from([*"ab .=-\t\r\nüé€\u00a0", "x" * 400, "\n.", "<a href>"]),
    max_size=60,
).map("".join)
subjects = st.text(alphabet=st.sampled_from(list("Lead411 daily: 3 new—éü()")), max_size=120)
names = st.sampled_from(["Lead411", "Léad 411", "Lead411, Inc.", "Ünïcode Sender"])
addresses = st.sampled_from(["ann@example.com", "o'neil+tag@example.org", "x@sub.example.co.uk"])


def _parsed(data: bytes) -> email.message.EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


def _django_bytes(
    *, subject: str, sender: str, to: str, text: str, html: str, headers: dict[str, str] = HEADERS
) -> bytes:
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=sender, to=[to], headers=dict(headers)
    )
    if html:
        message.attach_alternative(html, "text/html")
    data: bytes = message.message().as_bytes(linesep="\r\n")  # type: ignore[call-arg]
    return data


def _same(ours: bytes, theirs: bytes) -> None:
    mine, django = _parsed(ours), _parsed(theirs)
    assert [k for k in mine if k != "Date"] == [k for k in django if k != "Date"]
    for key in mine:
        if key not in ("Date", "Content-Type"):
            # Compared as a reader sees them: Django folds a long encoded subject onto a
            # second line, which some parsers read back with a leading space.
            assert str(mine[key]).split() == str(django[key]).split(), key
    assert mine.get_content_type() == django.get_content_type()
    assert mine["Date"] is not None
    mine_parts = [p for p in mine.walk() if not p.is_multipart()]
    django_parts = [p for p in django.walk() if not p.is_multipart()]
    assert len(mine_parts) == len(django_parts)
    for a, b in zip(mine_parts, django_parts, strict=True):
        assert a.get_content_type() == b.get_content_type()
        assert a["Content-Transfer-Encoding"] == b["Content-Transfer-Encoding"]
        assert a.get_content() == b.get_content()


@settings(max_examples=300, deadline=None)
@given(subject=subjects, name=names, to=addresses, text=bodies, html=bodies)
def test_wire_form_parses_to_what_django_writes(subject, name, to, text, html):
    sender = f"{name} <newsletter@leads.example.com>"
    try:
        ours = message_wire_bytes(
            subject=subject, from_email=sender, to_email=to, headers=HEADERS, text=text, html=html
        )
    except WireUnsupported:
        # Only what Django folds (a Subject, From or To header on more than one line of
        # its output), an empty text part or a subject with outer spaces goes back to it.
        head = _django_bytes(subject=subject, sender=sender, to=to, text=text, html=html)
        head = head.split(b"\r\n\r\n", 1)[0]
        folded = re.search(rb"^(Subject|From|To):[^\r\n]*\r\n[ \t]", head, re.MULTILINE)
        assert folded or not text or subject != subject.strip()
        return
    _same(ours, _django_bytes(subject=subject, sender=sender, to=to, text=text, html=html))


def test_a_real_sized_newsletter_with_long_lines_is_quoted_printable_like_djangos():
    text = "Hello Ann,\n" + "* Acme: raises $5M " * 80 + "\n.\n..dots\n"
    html = "<html><body>" + "<p>Zürich &amp; more</p>" * 2000 + "</body></html>\n"
    subject, sender = "Lead411 daily: 25 new leads for Dec 6, 2026", "Lead411 <nl@example.com>"
    ours = message_wire_bytes(
        subject=subject, from_email=sender, to_email=ANN, headers=HEADERS, text=text, html=html
    )
    _same(ours, _django_bytes(subject=subject, sender=sender, to=ANN, text=text, html=html))
    assert b"Content-Transfer-Encoding: quoted-printable" in ours
    assert max(len(line) for line in ours.split(b"\r\n")) <= 998
    assert b"\n" not in ours.replace(b"\r\n", b"")


def test_a_text_only_message_is_one_part():
    ours = message_wire_bytes(
        subject="Reset",
        from_email="news@leads.example.com",
        to_email="ann@example.com",
        headers={"Message-ID": "<1@x>"},
        text="Hi\n",
    )
    theirs = _django_bytes(
        subject="Reset", sender="news@leads.example.com", to="ann@example.com", text="Hi\n",
        html="", headers={"Message-ID": "<1@x>"},
    )  # fmt: skip
    _same(ours, theirs)
    assert _parsed(ours).get_content_type() == "text/plain"


@pytest.mark.parametrize(
    "headers",
    [{"X-Note": "two\nlines"}, {"Subject": "again"}, {"X-Long": "y" * 2000}],
)
def test_headers_it_cannot_write_safely_are_left_to_django(headers):
    with pytest.raises(WireUnsupported):
        message_wire_bytes(
            subject="s", from_email="a@x.example", to_email="b@x.example", headers=headers, text="t"
        )


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(st.sampled_from(["", ".", "..", ".x", "a.b", " .", "x" * 80]), max_size=20))
def test_dot_stuffing_is_smtplibs(lines):
    """The sender's dot-stuffing equals smtplib's (RFC 5321 section 4.5.2) on CRLF lines."""
    data = "\r\n".join(lines).encode()
    expected = smtplib.quotedata(data.decode()).encode()  # what smtplib.sendmail sends
    if not expected.endswith(b"\r\n"):
        expected += b"\r\n"
    assert _dot_stuffed(data) == expected


@pytest.mark.parametrize(
    "address",
    ["ann@example.com", "o'neil+tag@example.org", "Ann <ann@example.com>", "a b@example.com",
     "x@[127.0.0.1]", '"quoted"@example.com', "no-at-sign", "ü@example.com"],
)  # fmt: skip
def test_envelope_addresses_are_quoted_as_smtplib_quotes_them(address):
    assert _quoted(address) == smtplib.quoteaddr(address)
