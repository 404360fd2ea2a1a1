"""Splitting long id lists into pieces a database accepts in one ``IN (...)``."""

from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")


def chunked(items: list[T], size: int) -> Iterator[list[T]]:
    """Yield consecutive slices of ``items`` of at most ``size`` elements (the last may be shorter).

    SQLite allows 32,766 bound parameters per statement and PostgreSQL 65,535; callers
    pick ``size`` well below both. Raises ``ValueError`` when ``size`` is below 1.
    """
    if size < 1:
        raise ValueError("size must be at least 1")
    for start in range(0, len(items), size):
        yield items[start : start + size]
