"""Parsing Apache/nginx access-log lines (NCSA common and combined formats).

Format: ``host ident user [dd/Mon/yyyy:HH:MM:SS ±zzzz] "request" status bytes``
then, for combined, ``"referer" "user-agent"`` (Apache ``mod_log_config``).
"""

import datetime as dt
import re
from dataclasses import dataclass

_COMMON = re.compile(
    r'(?P<host>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<request>(?:[^"\\]|\\.)*)" '
    r"(?P<status>\d{3}) (?P<bytes>\d+|-)"
)
_COMBINED = re.compile(
    _COMMON.pattern + r' "(?P<referrer>(?:[^"\\]|\\.)*)" "(?P<agent>(?:[^"\\]|\\.)*)"'
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_OFFSETS: dict[str, dt.timedelta] = {}


class BadLine(ValueError):
    """A line that is not in the expected format; the message is the reason, never the line."""


@dataclass(frozen=True, slots=True)
class LogLine:
    """One parsed request; ``host`` is the raw client address and must not be stored."""

    host: str
    time: dt.datetime
    method: str
    path: str
    status: int
    response_bytes: int
    referrer: str
    user_agent: str


def parse_time(value: str) -> dt.datetime:
    """Return the aware UTC time of ``10/Oct/2000:13:55:36 -0700``; BadLine if malformed."""
    try:
        day, month, year = int(value[0:2]), _MONTHS[value[3:6]], int(value[7:11])
        hour, minute, second = int(value[12:14]), int(value[15:17]), int(value[18:20])
        zone = value[21:26]
        offset = _OFFSETS.get(zone)
        if offset is None:
            sign = -1 if zone[0] == "-" else 1
            offset = sign * dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
            _OFFSETS[zone] = offset
        local = dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
    except (KeyError, ValueError, IndexError) as error:
        raise BadLine("bad timestamp") from error
    return local - offset


def parse_line(line: str, *, log_format: str = "combined") -> LogLine:
    """Return the fields of one access-log line.

    ``log_format`` is ``"combined"`` or ``"common"`` (no referrer, no user agent).
    Raises BadLine with a short reason ("not a combined log line", "bad request line",
    "bad timestamp") that never quotes the line, since it holds an IP address.
    """
    match = (_COMBINED if log_format == "combined" else _COMMON).match(line)
    if match is None:
        raise BadLine(f"not a {log_format} log line")
    request = match["request"].split(" ")
    if len(request) < 2 or not request[0].isalpha() or not request[1]:
        raise BadLine("bad request line")
    size = match["bytes"]
    groups = match.groupdict()
    return LogLine(
        host=match["host"],
        time=parse_time(match["time"]),
        method=request[0][:10],
        path=request[1],
        status=int(match["status"]),
        response_bytes=0 if size == "-" else int(size),
        referrer=groups.get("referrer") or "",
        user_agent=groups.get("agent") or "",
    )
