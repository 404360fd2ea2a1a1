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
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_OFFSETS: dict[str, dt.timedelta] = {}


class BadLine(ValueError):
    """A line that is not in the expected format; the message is the reason, never the line.

    The subclass says which part failed, so the importer counts a typed drop reason
    (``services.DropReason``) without reading the message.
    """


class NotALogLine(BadLine):
    """The line does not have the fields of the format (``"not a combined log line"``)."""


class BadRequestLine(BadLine):
    """The quoted request is not ``METHOD target ...`` (``"bad request line"``)."""


class BadTimestamp(BadLine):
    """The bracketed time is not ``dd/Mon/yyyy:HH:MM:SS ±zzzz`` (``"bad timestamp"``)."""


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
    """Return the aware UTC time of ``10/Oct/2000:13:55:36 -0700``; BadTimestamp if malformed."""
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
        raise BadTimestamp("bad timestamp") from error
    return local - offset


def split_line(line: str, *, log_format: str = "combined") -> tuple[str, ...]:
    """Return ``(host, time, method, path, status, bytes, referrer, user_agent)`` as text.

    ``time`` is the bracketed timestamp unparsed (see ``parse_time``); ``bytes`` may be
    ``"-"``; referrer and user agent are ``""`` in the common format. Lines whose quoted
    fields hold no backslash are cut with ``str.split`` (the importer's hot path, several
    times faster than a regular expression); the rest go through the strict pattern.
    Raises NotALogLine ("not a combined log line") or BadRequestLine ("bad request line"),
    both BadLine, without the line.
    """
    combined = log_format == "combined"
    parts = line.split('"')
    fields: tuple[str, ...] | None = None
    if "\\" not in line and len(parts) == (7 if combined else 3):
        head = parts[0].split(" ")
        # Combined: ' 200 512 ' between the request and the referrer; common: ' 200 512'.
        tail = (parts[2] if combined else parts[2].rstrip()).split(" ")
        if (
            len(head) == 6
            and head[5] == ""
            and head[3][:1] == "["
            and head[4][-1:] == "]"
            and len(tail) == (4 if combined else 3)
            and tail[0] == ""
            and len(tail[1]) == 3
            and tail[1].isdecimal()
            and (tail[2].isdecimal() or tail[2] == "-")
            and (not combined or (tail[3] == "" and parts[4] == " " and not parts[6].strip()))
        ):
            fields = (head[0], f"{head[3][1:]} {head[4][:-1]}", parts[1], tail[1], tail[2])
            if combined:
                fields += (parts[3], parts[5])
    if fields is None:
        match = (_COMBINED if log_format == "combined" else _COMMON).match(line)
        if match is None:
            raise NotALogLine(f"not a {log_format} log line")
        fields = match.groups()
    request = fields[2].split(" ")
    if len(request) < 2 or not request[0].isalpha() or not request[1]:
        raise BadRequestLine("bad request line")
    return (
        fields[0],
        fields[1],
        request[0][:10],
        request[1],
        fields[3],
        fields[4],
        fields[5] if len(fields) > 5 else "",
        fields[6] if len(fields) > 6 else "",
    )


def parse_line(line: str, *, log_format: str = "combined") -> LogLine:
    """Return the fields of one access-log line.

    ``log_format`` is ``"combined"`` or ``"common"`` (no referrer, no user agent).
    Raises BadLine with a short reason ("not a combined log line", "bad request line",
    "bad timestamp") that never quotes the line, since it holds an IP address.
    """
    host, time, method, path, status, size, referrer, agent = split_line(
        line, log_format=log_format
    )
    return LogLine(
        host=host,
        time=parse_time(time),
        method=method,
        path=path,
        status=int(status),
        response_bytes=0 if size == "-" else int(size),
        referrer=referrer,
        user_agent=agent,
    )
