"""The lead lists' sorts are served by an index, not by sorting every event (L2)."""

from typing import Any

import pytest
from django.db import connection

from lead411.leads.models import TriggerEvent
from lead411.leads.selectors import Sort, _ordering

pytestmark = [pytest.mark.django_db, pytest.mark.clause("L2")]


def _plan(sql: str, params: tuple[Any, ...]) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Tiny test tables make a sequential scan cheapest; forbid it to see whether an
            # index can deliver the order at all.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
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
    [("date", None), ("date", "funding_round"), ("amount", None)],
)
def test_newest_first_and_largest_first_lists_need_no_sort(sort, kind):
    if connection.vendor != "postgresql" and sort == "amount":
        pytest.skip("SQLite sorts the amount list's tie-breakers; its NULLs-last DESC is native")
    plan = _plan(*_first_page_sql(sort=sort, kind=kind))
    if connection.vendor == "postgresql":
        assert "Index" in plan
        assert "Sort" not in plan
    else:
        assert "TEMP B-TREE FOR ORDER BY" not in plan
