"""Every hot query uses an index: the statements the repositories really run, captured and
checked with SQLite's EXPLAIN QUERY PLAN (no full scan of a growing table, no sort)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.messages import Inbound
from bot.storage.sql.executor import Cursor, Params
from bot.storage.sql.unit import SqlTx
from bot.storage.sqlite.executor import SqliteSql
from bot.storage.sqlite.store import Store
from handoff.model import Summary

NOW = datetime(2026, 12, 3, 10, tzinfo=UTC)
GROWING = (
    "handoffs",
    "outbox",
    "inbox",
    "transcript",
    "handoff_messages",
    "web_messages",
    "conversations",
)


class Recording(SqliteSql):
    """Runs SQL as usual and keeps every statement with its parameters."""

    def __init__(self, db: Any) -> None:
        super().__init__(db)
        self.seen: list[tuple[str, Params]] = []

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        self.seen.append((sql, params))
        return super().execute(sql, params)

    def rows(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        self.seen.append((sql, params))
        return super().rows(sql, params)


@pytest.fixture
def tx(tmp_path):
    store = Store(tmp_path / "plans.db")
    sql = Recording(store._db)
    unit = SqlTx(sql)
    volunteer, _ = unit.registry.add("Eva", "advisor", [], 3, NOW)
    for i in range(3):
        unit.queue.create(f"tg:{i}", "telegram", "advisor", None, None, Summary(), NOW)
    yield unit, sql, volunteer.id
    store.close()


def plan_of(sql: Recording, statement: str, params: Params) -> list[str]:
    rows = sql.db.conn.execute(f"EXPLAIN QUERY PLAN {statement}", params).fetchall()
    return [str(r[-1]) for r in rows]


HOT: dict[str, Callable[[SqlTx, int], object]] = {
    "queue order": lambda t, v: t.queue.waiting_view(),
    "first waiting": lambda t, v: t.queue.head(20),
    "claim the next": lambda t, v: t.queue.claim_next(v, ("advisor", "either"), NOW),
    "a parent's place": lambda t, v: t.queue.ahead(t.queue.head(1)[0]),
    "by code": lambda t, v: t.queue.by_code("K77"),
    "free code": lambda t, v: t.queue._free_code(NOW),
    "typical handling": lambda t, v: t.queue.handling_minutes(),
    "outbox of one address": lambda t, v: t.outbox.pending_for("tg:1", "telegram"),
    "outbox addresses": lambda t, v: t.outbox.waiting_addresses(["telegram"]),
    "inbox of one address": lambda t, v: t.inbox.waiting("tg:1"),
    "inbox in order": lambda t, v: t.inbox.handled(
        int(t.inbox.put("k", Inbound("tg:1", "telegram", NOW, "hoi"), NOW) or 0), NOW
    ),
    "story": lambda t, v: t.transcripts.recent_inbound("tg:1", NOW - timedelta(hours=2)),
    "told": lambda t, v: t.queue.told(1),
    "a turn's version check": lambda t, v: t.conversations.expect("tg:1", 0),
}


@pytest.mark.parametrize("name", sorted(HOT))
def test_a_hot_query_searches_an_index_and_never_sorts(tx, name):
    unit, sql, volunteer = tx
    sql.seen.clear()
    HOT[name](unit, volunteer)
    checked = 0
    for statement, params in sql.seen:
        head = statement.lstrip().split()[0].upper()
        if head not in ("SELECT", "UPDATE", "DELETE") and "SELECT" not in statement:
            continue
        plan = plan_of(sql, statement, params)
        checked += 1
        assert not [line for line in plan if line in {f"SCAN {t}" for t in GROWING}], plan
        if name != "outbox addresses":  # ordered by an aggregate: its few groups are sorted
            assert not [line for line in plan if "TEMP B-TREE" in line], (statement, plan)
    assert checked


def test_the_purge_deletes_by_index(tx):
    from bot.storage.sql.retention import _PURGES

    _, sql, _ = tx
    for statement in _PURGES:
        plan = plan_of(sql, statement, ["2026-01-01"])
        assert not [line for line in plan if line in {f"SCAN {t}" for t in GROWING}], plan
