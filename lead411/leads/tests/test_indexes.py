"""The lead lists' sorts are served by an index, not by sorting every event (L2)."""

from typing import Any

import pytest
from django.db import connection

from lead411.leads.models import TriggerEvent
from lead411.leads.selectors import Sort, _ordering

pytestmark = [pytest.mark.django_db, pytest.mark.clause("L2")]


# sqlite_stat1 rows of the events table after importing the real data (130,801 events):
# the test database is tiny, and SQLite rightly sorts a handful of rows instead of
# reading an index, so the plan is checked against the statistics of the real size.
REAL_SIZE_STATS = {
    "event_kind_date_sort_idx": "130801 32701 15 1",
    "event_kind_amount_sort_idx": "130801 32701 6 2 1",
    "event_amount_sort_idx": "130801 6 2 1",
    "event_imported_idx": "130801 65401",
    "event_amount_idx": "130801 6",
    "event_round_type_idx": "130801 8176",
    "event_kind_date_idx": "130801 32701 15",
    "event_date_idx": "130801 25 1",
    "leads_triggerevent_company_id_26d77d46": "130801 2",
    "sqlite_autoindex_leads_triggerevent_1": "130801 65401 1",
}


def _plan(sql: str, params: tuple[Any, ...]) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Tiny test tables make a scan plus a sort cheapest; price both out of reach
            # to see whether an index can deliver the order at all (a Sort node remains
            # in the plan when none can).
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            # sqlite.org/lang_analyze.html: sqlite_stat1 may be written by hand and is
            # read again by ANALYZE sqlite_schema. The test's transaction undoes it.
            cursor.execute("ANALYZE leads_triggerevent")
            cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'leads_triggerevent'")
            cursor.executemany(
                "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('leads_triggerevent', %s, %s)",
                list(REAL_SIZE_STATS.items()),
            )
            cursor.execute("ANALYZE sqlite_schema")
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row) for row in cursor.fetchall())


def _first_page_sql(*, sort: Sort, kind: str | None = None) -> tuple[str, tuple[Any, ...]]:
    events = TriggerEvent.objects.all()
    if kind:
        events = events.filter(kind=kind)
    sql, params = events.order_by(*_ordering(sort)).values("id")[:25].query.sql_with_params()
    return sql, tuple(params)


@pytest.mark.parametrize(
    ("sort", "kind"),
    [("date", None), ("date", "funding_round"), ("amount", None), ("amount", "funding_round")],
)
def test_newest_first_and_largest_first_lists_need_no_sort(sort, kind):
    plan = _plan(*_first_page_sql(sort=sort, kind=kind))
    if connection.vendor == "postgresql":
        assert "Index" in plan
        assert "Sort" not in plan
    else:
        assert "TEMP B-TREE" not in plan  # neither a whole sort nor one of the ties
