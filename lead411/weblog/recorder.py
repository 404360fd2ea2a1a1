"""The in-process buffer that keeps recording off the request's critical path.

A request only appends one tuple of raw values to a list (a few microseconds). A daemon
thread per process minimises them (network prefix, visitor hash, user-agent class) and
writes them in one bulk insert every ``WEBLOG_FLUSH_INTERVAL_SECONDS`` or as soon as
``WEBLOG_BUFFER_ROWS`` requests wait, and once more at interpreter exit. The full IP
stays in this process's memory until then and is never written (clause P2). With an
interval of 0 (tests) the request that fills the buffer writes it itself.
"""

import atexit
import datetime as dt
import logging
import os
import threading

from django.conf import settings
from django.db import close_old_connections, connection

from .services import day_salt_get, live_requests_write

logger = logging.getLogger(__name__)


class PageViewBuffer:
    """Thread-safe list of queued requests (see ``live_requests_write``) and their writer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: list[tuple] = []
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._salt: tuple[dt.date, bytes] | None = None

    def salt(self, day: dt.date) -> bytes:
        """Return the salt of UTC ``day``, read from the database once per day and process."""
        cached = self._salt
        if cached is None or cached[0] != day:
            cached = (day, day_salt_get(day=day))
            self._salt = cached
        return cached[1]

    def add(self, row: tuple) -> None:
        """Queue one request's values; write now, or wake the writer, when the buffer is full."""
        limit = int(settings.WEBLOG_BUFFER_ROWS)
        interval = float(settings.WEBLOG_FLUSH_INTERVAL_SECONDS)
        with self._lock:
            self._rows.append(row)
            full = len(self._rows) >= limit
        if interval <= 0:
            if full:
                self.flush()
            return
        self._ensure_thread(interval)
        if full:
            self._wake.set()

    def flush(self) -> int:
        """Minimise and write every queued request in one bulk insert; return how many.

        Never raises."""
        with self._lock:
            rows, self._rows = self._rows, []
        if not rows:
            return 0
        try:
            return live_requests_write(requests=rows)
        except Exception:
            # A lost batch of marketing statistics must never break a page.
            logger.exception("weblog: could not write %d buffered rows", len(rows))
            return 0

    def pending(self) -> int:
        """Return the number of rows waiting to be written."""
        return len(self._rows)

    def reset(self) -> None:
        """Drop queued rows and the cached salt (tests)."""
        with self._lock:
            self._rows = []
        self._salt = None

    def _ensure_thread(self, interval: float) -> None:
        # A forked worker inherits the object but not the thread: start one per process.
        if self._thread is not None and self._pid == os.getpid():
            return
        with self._lock:
            if self._thread is not None and self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(
                target=self._run, args=(interval,), name="weblog-writer", daemon=True
            )
            self._thread.start()

    def _run(self, interval: float) -> None:
        while True:
            self._wake.wait(timeout=interval)
            self._wake.clear()
            close_old_connections()
            self.flush()

    def close(self) -> None:
        """Write what is left; called at interpreter exit."""
        self.flush()
        if self._thread is not None:
            connection.close()


buffer = PageViewBuffer()
atexit.register(buffer.close)
