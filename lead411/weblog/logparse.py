"""Parsing Apache/nginx access-log lines (NCSA common and combined formats).

Format: ``host ident user [dd/Mon/yyyy:HH:MM:SS ±zzzz] "request" status bytes``
then, for combined, ``"referer" "user-agent"`` (Apache ``mod_log_config``).
"""

import datetime as dt
import re
from dataclasses import dataclass

_QUOTED = r'(?:[^"\\]|\\.)*'  # Apache escapes " inside fields as \"
_COMMON = re.compile(
    rf'(?P<host>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<request>{_QUOTED})" '
    r"(?P<status>\d{3}) (?P<bytes>\d+|-)"
)
_COMBINED = re.compile(_COMMON.pattern + rf' "(?P<referrer>{_QUOTED})" "(?P<agent>{_QUOTED})"')
# The same formats without escapes: five times faster, tried first.
_FAST = {
    "common": re.compile(r'(\S+) \S+ \S+ \[([^\]]+)\] "([^"\\]*)" (\d{3}) (\d+|-)'),
    "combined": re.compile(
        r'(\S+) \S+ \S+ \[([^\]]+)\] "([^"\\]*)" (\d{3}) (\d+|-) "([^"\\]*)" "([^"\\]*)"'
    ),
}
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
    fast = _FAST[log_format].match(line)
    if fast is not None:
        fields = fast.groups()
    else:
        match = (_COMBINED if log_format == "combined" else _COMMON).match(line)
        if match is None:
            raise BadLine(f"not a {log_format} log line")
        fields = match.groups()
    host, time, request_line, status, size = fields[:5]
    request = request_line.split(" ")
    if len(request) < 2 or not request[0].isalpha() or not request[1]:
        raise BadLine("bad request line")
    return LogLine(
        host=host,
        time=parse_time(time),
        method=request[0][:10],
        path=request[1],
        status=int(status),
        response_bytes=0 if size == "-" else int(size),
        referrer=fields[5] if len(fields) > 5 else "",
        user_agent=fields[6] if len(fields) > 6 else "",
    )
