"""Building blocks shared by the lead importers: a byte-level CSV reader and the rejects file.

The reader works on bytes and decodes one record at a time, so one badly encoded row
cannot abort a file, and it numbers every record by the physical line where it starts,
counting the lines inside multi-line quoted fields (clause L5: every rejected row is
reported with its line).
"""

import csv
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

# A quoted field may hold line breaks, but a record longer than this many physical
# lines is taken as an unbalanced quote rather than a real field.
MAX_RECORD_LINES = 500
_BOM = b"\xef\xbb\xbf"


class SourceFileError(Exception):
    """A source file cannot be imported at all: missing, unreadable, or with the wrong header.

    The message is one line meant for the operator; the importer raises it before it writes
    anything.
    """


@dataclass(slots=True)
class SourceRow:
    """One record of a CSV file, as read from its bytes.

    ``line`` is the 1-based physical line where the record starts; ``raw`` its bytes
    without the final line ending. ``fields`` is ``None`` when the bytes are not one
    well-formed CSV record, and ``error`` then says why. ``invalid_utf8_at`` is the
    offset of the first byte that is not UTF-8, or ``None``; such fields were decoded
    with ``surrogateescape`` so the caller can still look at the valid parts.
    """

    line: int
    raw: bytes
    fields: list[str] | None
    error: str = ""
    invalid_utf8_at: int | None = None

    def raw_text(self) -> str:
        """Return the raw bytes as text for a report; bytes that are not UTF-8 appear as ``\\xNN``."""
        return self.raw.decode("utf-8", errors="backslashreplace")


def _strip_line_end(line: bytes) -> bytes:
    if line.endswith(b"\r\n"):
        return line[:-2]
    if line.endswith((b"\n", b"\r")):
        return line[:-1]
    return line


def _parse(raw: bytes) -> tuple[list[str] | None, str, int | None]:
    """Return ``(fields, error, invalid_utf8_at)`` for the bytes of one candidate record."""
    invalid_at: int | None = None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        invalid_at = exc.start
        text = raw.decode("utf-8", errors="surrogateescape")
    if '"' not in text:
        # The common case: no quoting at all, so a plain split is the RFC 4180 parse.
        if "\n" in text or "\r" in text:
            return None, "line break outside a quoted field", invalid_at
        return text.split(","), "", invalid_at
    try:
        records = list(csv.reader([text], strict=True))
    except csv.Error as exc:
        return None, f"malformed CSV: {exc}", invalid_at
    if len(records) != 1:
        return None, "malformed CSV: more than one record", invalid_at
    return records[0], "", invalid_at


def read_header(path: Path) -> list[str]:
    """Return the column names of the CSV file at ``path`` (a UTF-8 BOM is ignored).

    Raises ``SourceFileError`` when the file is missing, unreadable, empty or its first
    line is not UTF-8.
    """
    try:
        with path.open("rb") as handle:
            first = handle.readline()
    except FileNotFoundError:
        raise SourceFileError(f"{path}: file not found") from None
    except OSError as exc:
        raise SourceFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not first.strip():
        raise SourceFileError(f"{path}: empty file, expected a header line")
    fields, _error, invalid_at = _parse(_strip_line_end(first.removeprefix(_BOM)))
    if fields is None or invalid_at is not None:
        raise SourceFileError(f"{path}: the header line is not valid UTF-8 CSV")
    return [name.strip() for name in fields]


def read_rows(path: Path, *, max_record_lines: int = MAX_RECORD_LINES) -> Iterator[SourceRow]:
    """Yield every record after the header of the CSV file at ``path``, one at a time.

    Physical lines are joined while a quoted field is open (an odd number of ``"`` so
    far). A multi-line candidate that does not parse as exactly one record, or that is
    still open after ``max_record_lines`` lines or at the end of the file, is an
    unbalanced quote: its first line is yielded as a malformed row and reading resumes
    at the next line, so one stray quote costs one row, not the rest of the file.
    Blank lines hold no record and are skipped. Memory holds one record at a time.
    """
    with path.open("rb") as handle:
        yield from _records(handle, max_record_lines=max_record_lines)


def _records(handle: IO[bytes], *, max_record_lines: int) -> Iterator[SourceRow]:
    numbered = enumerate(handle, start=1)
    next(numbered, None)  # the header, checked by read_header
    replay: deque[tuple[int, bytes]] = deque()
    pending: list[tuple[int, bytes]] = []
    quotes = 0
    while True:
        item = replay.popleft() if replay else next(numbered, None)
        if item is None:
            if not pending:
                return
            # End of file inside a quoted field: give up on the first line only.
            yield _unbalanced(pending[0])
            replay.extend(pending[1:])
            pending, quotes = [], 0
            continue
        pending.append(item)
        quotes += item[1].count(b'"')
        if quotes % 2:
            if len(pending) >= max_record_lines:
                yield _unbalanced(pending[0])
                replay.extendleft(reversed(pending[1:]))
                pending, quotes = [], 0
            continue
        start = pending[0][0]
        raw = _strip_line_end(
            pending[0][1] if len(pending) == 1 else b"".join(line for _, line in pending)
        )
        if not raw or raw.isspace():
            pending, quotes = [], 0
            continue
        fields, error, invalid_at = _parse(raw)
        if fields is None and len(pending) > 1:
            yield _unbalanced(pending[0])
            replay.extendleft(reversed(pending[1:]))
        else:
            yield SourceRow(start, raw, fields, error, invalid_at)
        pending, quotes = [], 0


def _unbalanced(item: tuple[int, bytes]) -> SourceRow:
    line, data = item
    return SourceRow(line, _strip_line_end(data), None, "malformed CSV: unbalanced quote")


class RejectsWriter:
    """Writes rejected rows to a CSV file with the columns ``file, line, reason, raw``.

    With no path it only counts, so a caller that does not want the file still knows how
    many rows were rejected. Use it as a context manager; the file is created on enter.
    """

    HEADER = ("file", "line", "reason", "raw")

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.count = 0
        self._handle: IO[str] | None = None
        self._writer: Any = None  # csv.writer objects have no public type

    def __enter__(self) -> Self:
        if self.path is not None:
            self._handle = self.path.open("w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._handle)
            self._writer.writerow(self.HEADER)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._handle is not None:
            self._handle.close()

    def write(self, *, file: str, row: SourceRow, reason: str) -> None:
        """Record one rejected row of ``file``."""
        self.count += 1
        if self._writer is not None:
            self._writer.writerow((file, row.line, reason, row.raw_text()))
