"""Write member activity: the per-request counter upsert and the retention purge (clause P4)."""

import datetime as dt

from django.conf import settings
from django.db import connection

from lead411.core import clock

from .models import MemberDailyActivity


def visit_gap() -> dt.timedelta:
    """Return the idle time after which a member's next request starts a new visit.

    ``ACTIVITY_VISIT_GAP_MINUTES`` (default 30, the usual web-analytics session timeout).
    """
    return dt.timedelta(minutes=settings.ACTIVITY_VISIT_GAP_MINUTES)


# One statement: the visit test (no request of this member within the gap, or a new
# login) runs as a subquery, so a counted request costs exactly one round trip.
# INSERT ... ON CONFLICT DO UPDATE works on SQLite >= 3.24 and PostgreSQL >= 9.5.
# TABLE is replaced by the quoted name from model meta; every value is a parameter.
_UPSERT_SQL = """
INSERT INTO TABLE (member_id, day, page_type, lead_id, pageviews, visits, last_seen_at)
VALUES (%s, %s, %s, %s, 1,
    CASE WHEN %s OR NOT EXISTS (
        SELECT 1 FROM TABLE WHERE member_id = %s AND day >= %s AND last_seen_at > %s
    ) THEN 1 ELSE 0 END,
    %s)
ON CONFLICT (member_id, day, page_type, lead_id) DO UPDATE SET
    pageviews = TABLE.pageviews + 1,
    visits = TABLE.visits + excluded.visits,
    last_seen_at = excluded.last_seen_at
"""


def _upsert_sql() -> str:
    table = connection.ops.quote_name(MemberDailyActivity._meta.db_table)
    return _UPSERT_SQL.replace("TABLE", table)


def activity_record(
    *, member_id: int, page_type: str, lead_id: int = 0, new_login: bool = False
) -> None:
    """Count one page view of ``page_type`` for ``member_id`` now, and maybe a visit.

    A visit starts when the member made no counted request within ``visit_gap()`` (looked
    up over today's and yesterday's rows, so a visit may cross midnight), or when
    ``new_login`` is True. One SQL statement, no read before it (clause P4).
    """
    now = clock.now()
    today = clock.today()
    ops = connection.ops
    params = [
        member_id,
        ops.adapt_datefield_value(today),
        page_type,
        lead_id,
        bool(new_login),
        member_id,
        ops.adapt_datefield_value(today - dt.timedelta(days=1)),
        ops.adapt_datetimefield_value(now - visit_gap()),
        ops.adapt_datetimefield_value(now),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(), params)


def retention_days() -> int:
    """Return ``ACTIVITY_RETENTION_DAYS`` (default 365): how long daily counters are kept."""
    return int(settings.ACTIVITY_RETENTION_DAYS)


def activity_purge_expired(*, today: dt.date | None = None) -> int:
    """Delete counters of days older than ``retention_days()`` before ``today``.

    ``today`` defaults to ``clock.today()``. Returns the number of rows deleted.
    """
    cutoff = (today or clock.today()) - dt.timedelta(days=retention_days())
    deleted, _ = MemberDailyActivity.objects.filter(day__lt=cutoff).delete()
    return deleted
