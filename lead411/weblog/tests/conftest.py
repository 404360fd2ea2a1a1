"""Fixtures of the weblog tests: a small combined log with documentation-range IPs."""

from pathlib import Path

import pytest

from lead411.weblog.recorder import buffer

# RFC 5737 / RFC 3849 documentation addresses: never real visitors.
FULL_IPS = ("192.0.2.77", "198.51.100.23", "203.0.113.5", "2001:db8:abcd:12::1")
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"

LOG_LINES = [
    f'192.0.2.77 - - [17/May/2015:10:05:03 +0000] "GET /?utm_source=news&email=a@b.c HTTP/1.1" '
    f'200 512 "https://www.google.com/search?q=leads" "{CHROME}"',
    f'192.0.2.77 - - [17/May/2015:10:20:03 +0000] "GET /pricing/ HTTP/1.1" 200 100 "-" "{CHROME}"',
    f'192.0.2.77 - - [17/May/2015:11:30:00 +0000] "GET /style.css HTTP/1.1" 304 0 "-" "{CHROME}"',
    f'198.51.100.23 - - [17/May/2015:12:00:00 +0200] "GET /about/ HTTP/1.1" 404 20 '
    f'"http://example.org/links?id=9" "{IPHONE}"',
    "this is not a log line at all",
    f'203.0.113.5 - - [18/May/2015:01:00:00 +0000] "GET /robots.txt HTTP/1.1" 200 10 "-" "{GOOGLEBOT}"',
    f'2001:db8:abcd:12::1 - - [18/May/2015:02:00:00 +0000] "GET / HTTP/1.1" 200 512 "-" "{CHROME}"',
    '203.0.113.5 - - [99/Foo/2015:01:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "x"',
]


@pytest.fixture
def access_log(tmp_path: Path) -> Path:
    """A combined-format log: 8 lines, 2 bad, 1 bot, 5 human requests over two days."""
    path = tmp_path / "access.log"
    path.write_text("\n".join(LOG_LINES) + "\n")
    return path


@pytest.fixture
def recording(settings):
    """Recording switched on, every request written at once, an empty buffer."""
    settings.WEBLOG_RECORDING_ENABLED = True
    settings.WEBLOG_BUFFER_ROWS = 1
    settings.WEBLOG_FLUSH_INTERVAL_SECONDS = 0
    buffer.reset()
    yield settings
    buffer.reset()
