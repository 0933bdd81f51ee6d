"""The PostgreSQL backend's infrastructure: placeholder translation, schema parity with SQLite,
pooled transactions with retries, LISTEN/NOTIFY, advisory and file leases."""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any

import psycopg
import pytest
from psycopg.rows import TupleRow
from sqlite_utils import Database

from bot.storage.model import SchemaTooNewError, StorageBusy
from bot.storage.postgres import schema as pg_schema
from bot.storage.postgres.executor import PgSql, translate
from bot.storage.postgres.notify import Listener, notify
from bot.storage.postgres.singleton import AdvisoryLease
from bot.storage.postgres.store import PgStore, server_name
from bot.storage.sql.executor import POSTGRESQL, Sql
from bot.storage.sqlite import schema as sqlite_schema
from bot.storage.sqlite_lease import FileLease

# --- the placeholder translator (no server needed) ---------------------------------------


@pytest.mark.parametrize(
    ("sqlite", "postgres", "style"),
    [
        ("SELECT 1", "SELECT 1", "none"),
        (
            "SELECT * FROM t WHERE a = ? AND b = ?",
            "SELECT * FROM t WHERE a = %s AND b = %s",
            "positional",
        ),
        (
            "UPDATE t SET a = :a WHERE id = :id_2",
            "UPDATE t SET a = %(a)s WHERE id = %(id_2)s",
            "named",
        ),
        # text inside string literals is never a placeholder ('' escapes a quote)
        (
            "SELECT '?', ':x', 'it''s ?' WHERE a = ?",
            "SELECT '?', ':x', 'it''s ?' WHERE a = %s",
            "positional",
        ),
        ("SELECT ':y' FROM t WHERE a = :a", "SELECT ':y' FROM t WHERE a = %(a)s", "named"),
        ("SELECT 'a?b' || ':c'", "SELECT 'a?b' || ':c'", "none"),
        # every literal % is doubled, inside literals too (psycopg reads the whole text)
        (
            "SELECT * FROM t WHERE a LIKE 'x%' AND b LIKE ?",
            "SELECT * FROM t WHERE a LIKE 'x%%' AND b LIKE %s",
            "positional",
        ),
        ("SELECT id % 2, '100%' FROM t", "SELECT id %% 2, '100%%' FROM t", "none"),
        # casts keep their double colon, also right after a named placeholder
        ("SELECT x::text, :n::bigint, ?::text", None, None),
        ("SELECT x::text, :n::bigint FROM t", "SELECT x::text, %(n)s::bigint FROM t", "named"),
        ("SELECT ?::text, a::int", "SELECT %s::text, a::int", "positional"),
        # excluded.n and a :n parameter side by side
        (
            "INSERT INTO events (hour, n) VALUES (:hour, :n) ON CONFLICT (hour) "
            "DO UPDATE SET n = events.n + excluded.n",
            "INSERT INTO events (hour, n) VALUES (%(hour)s, %(n)s) ON CONFLICT (hour) "
            "DO UPDATE SET n = events.n + excluded.n",
            "named",
        ),
        # quoted identifiers and comments keep their text
        (
            'SELECT "a?b", "x:y" FROM t WHERE c = ?',
            'SELECT "a?b", "x:y" FROM t WHERE c = %s',
            "positional",
        ),
        ("SELECT 1 -- why? :x\nWHERE a = ?", "SELECT 1 -- why? :x\nWHERE a = %s", "positional"),
        ("SELECT /* ? :x 5% */ ?", "SELECT /* ? :x 5%% */ %s", "positional"),
        # a colon not followed by a name is no placeholder
        ("SELECT a[1:2], ':' FROM t", "SELECT a[1:2], ':' FROM t", "none"),
    ],
)
def test_translate(sqlite, postgres, style):
    if postgres is None:
        with pytest.raises(ValueError, match="both"):
            translate(sqlite)
        return
    assert translate(sqlite) == (postgres, style)


def test_translate_is_cached():
    statement = "SELECT * FROM cached WHERE a = ? -- unique to this test"
    translate(statement)
    before = translate.cache_info().hits
    translate(statement)
    assert translate.cache_info().hits == before + 1


def test_parameters_must_fit_the_placeholders():
    sql = PgSql(None)  # type: ignore[arg-type]  # never reaches the connection
    with pytest.raises(TypeError, match="mapping"):
        sql.execute("SELECT :a", ["secret text"])
    with pytest.raises(TypeError, match="sequence"):
        sql.execute("SELECT ?", {"a": "secret text"})


# --- PgSql against the server -----------------------------------------------------------


def _connect(url: str) -> psycopg.Connection[TupleRow]:
    return psycopg.connect(url, autocommit=True)


def test_pgsql_runs_translated_statements(pg_url):
    with _connect(pg_url) as conn, conn.transaction():
        sql = PgSql(conn)
        assert sql.dialect is POSTGRESQL
        row = sql.rows(
            "SELECT '?' AS q, ':x' AS c, '100%' AS pct, ? AS p, 'abc' LIKE 'a%' AS liked, "
            "7 % 3 AS mod, (?)::text AS cast",
            ["it's", 5],
        )
        assert row == [
            {"q": "?", "c": ":x", "pct": "100%", "p": "it's", "liked": True, "mod": 1, "cast": "5"}
        ]
        sql.executemany(
            "INSERT INTO meta (key, value) VALUES (:key, :value)",
            [{"key": "a", "value": "1%"}, {"key": "b", "value": "2"}],
        )
        sql.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [("c", "3")])
        sql.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [])
        cursor = sql.execute("UPDATE meta SET value = value || '!' WHERE key <> :k", {"k": "c"})
        assert cursor.rowcount == 2
        assert sql.execute("SELECT value FROM meta WHERE key = ?", ["a"]).fetchone() == ("1%!",)
        assert sql.rows("SELECT key FROM meta WHERE key LIKE 'z%'") == []
        assert sql.rows("UPDATE meta SET value = 'x' WHERE key = 'none'") == []


def test_identity_ids_are_never_reused(pg_url):
    with _connect(pg_url) as conn:
        sql = PgSql(conn)
        insert = ("INSERT INTO outbox (address, channel, text, buttons, created_at) "
                  "VALUES ('a', 'web', 't', '[]', 'now') RETURNING id")  # fmt: skip
        first = sql.execute(insert).fetchone()[0]
        sql.execute("DELETE FROM outbox WHERE id = ?", [first])
        assert sql.execute(insert).fetchone()[0] > first


def test_lock_excludes_until_commit(pg_url):
    with _connect(pg_url) as one, _connect(pg_url) as two:
        two.execute("SET lock_timeout = '100ms'")
        with one.transaction():
            PgSql(one).lock("conversation:1")
            with pytest.raises(psycopg.errors.LockNotAvailable), two.transaction():
                PgSql(two).lock("conversation:1")
            with two.transaction():
                PgSql(two).lock("conversation:2")  # another key is free
        with two.transaction():
            PgSql(two).lock("conversation:1")  # free once the holder committed


# --- the schema: the same tables, columns and indexes as SQLite ---------------------------

# {table: its columns, types, NOT NULLs, defaults, primary key}, {index: its shape}
Description = tuple[dict[str, dict[str, Any]], dict[str, tuple[Any, ...]]]


def _predicate(text: str | None) -> str | None:
    """A partial index's WHERE in one spelling: PostgreSQL prints `<>` and `'x'::text`."""
    if not text:
        return None
    text = re.sub(r"::(text|bigint|integer)\b", "", text).replace("!=", "<>")
    return " ".join(text.strip().strip("()").lower().split())


def _sqlite_where(sql: str | None) -> str | None:
    return _predicate(sql.split(" WHERE ", 1)[1]) if sql and " WHERE " in sql else None


def describe_sqlite(db: Database) -> Description:
    """{table: columns, primary key}, {index: its shape} of a migrated SQLite database."""
    tables: dict[str, dict[str, Any]] = {}
    indexes: dict[str, tuple[Any, ...]] = {}
    for table in sorted(t for t in db.table_names() if t != "sqlite_sequence"):
        info = db.execute(f"PRAGMA table_info([{table}])").fetchall()
        tables[table] = {
            "columns": [c[1] for c in info],
            "types": [c[2].upper() for c in info],
            "not_null": sorted(c[1] for c in info if c[3] or c[5]),
            "defaults": {c[1]: c[4] for c in info if c[4] is not None},
            "pk": [c[1] for c in sorted(info, key=lambda c: c[5]) if c[5]],
        }
        for _, name, unique, _, _ in db.execute(f"PRAGMA index_list([{table}])").fetchall():
            if name.startswith("sqlite_autoindex_"):
                continue
            keys = [k for k in db.execute(f"PRAGMA index_xinfo([{name}])").fetchall() if k[5]]
            sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [name]).fetchone()
            indexes[name] = (table, [k[2] for k in keys], [bool(k[3]) for k in keys],
                             bool(unique), _sqlite_where(sql[0]))  # fmt: skip
    return tables, indexes


_PG_COLUMNS = """
SELECT table_name, column_name, data_type, is_nullable, column_default
FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'schema_version'
ORDER BY table_name, ordinal_position"""
_PG_INDEXES = """
SELECT t.relname, c.relname, i.indisprimary, i.indisunique,
       pg_get_expr(i.indpred, i.indrelid),
       array_agg(a.attname ORDER BY k.ord), array_agg(i.indoption[k.ord - 1] & 1 ORDER BY k.ord)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
WHERE n.nspname = 'public' AND t.relname <> 'schema_version'
GROUP BY 1, 2, 3, 4, 5"""
_PG_TYPES = {"bigint": "INTEGER", "integer": "INTEGER", "text": "TEXT"}


def describe_pg(conn: psycopg.Connection[TupleRow]) -> Description:
    """The same description of a migrated PostgreSQL database (primary-key indexes folded
    into the tables' `pk`, as SQLite's autoindexes are)."""
    tables: dict[str, dict[str, Any]] = {}
    indexes: dict[str, tuple[Any, ...]] = {}
    for table, column, data_type, nullable, default in conn.execute(_PG_COLUMNS):
        t = tables.setdefault(table, {"columns": [], "types": [], "not_null": [],
                                      "defaults": {}, "pk": []})  # fmt: skip
        t["columns"].append(column)
        t["types"].append(_PG_TYPES.get(data_type, data_type))
        if nullable == "NO":
            t["not_null"] = sorted([*t["not_null"], column])
        if default is not None:
            t["defaults"][column] = default.split("::")[0]
    for table, name, primary, unique, where, columns, desc in conn.execute(_PG_INDEXES):
        if primary:
            tables[table]["pk"] = list(columns)
            continue
        indexes[name] = (table, list(columns), [bool(d) for d in desc], unique, _predicate(where))
    return tables, indexes


def assert_same_schema(sqlite_db: Database, conn: psycopg.Connection[TupleRow]) -> None:
    lite_tables, lite_indexes = describe_sqlite(sqlite_db)
    pg_tables, pg_indexes = describe_pg(conn)
    assert sorted(pg_tables) == sorted(lite_tables)
    for aspect in ("columns", "not_null", "types", "defaults", "pk"):
        assert {t: d[aspect] for t, d in pg_tables.items()} == {
            t: d[aspect] for t, d in lite_tables.items()
        }, aspect
    assert sorted(pg_indexes) == sorted(lite_indexes)
    assert pg_indexes == lite_indexes


@pytest.fixture(scope="module")
def sqlite_migrated(tmp_path_factory):
    """A fresh SQLite file migrated to the version PostgreSQL knows (see the next test)."""
    db = Database(tmp_path_factory.mktemp("parity") / "ouderlijn.db")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sqlite_schema, "SCHEMA_VERSION", pg_schema.POSTGRES_SCHEMA_VERSION)
        assert sqlite_schema.migrate(db) == pg_schema.POSTGRES_SCHEMA_VERSION
    yield db
    db.close()


def test_both_backends_know_the_same_versions():
    assert pg_schema.POSTGRES_SCHEMA_VERSION == sqlite_schema.SCHEMA_VERSION, (
        "a SQLite migration has no PostgreSQL counterpart yet: append its statements to "
        "POSTGRES_STEPS in bot/storage/postgres/schema.py"
    )


def test_a_fresh_postgres_database_matches_a_fresh_sqlite_file(pg_empty_url, sqlite_migrated):
    with _connect(pg_empty_url) as conn:
        assert pg_schema.migrate(conn) == pg_schema.POSTGRES_SCHEMA_VERSION
        assert_same_schema(sqlite_migrated, conn)


def test_the_parity_check_sees_a_difference(pg_url, sqlite_migrated):
    with _connect(pg_url) as conn:
        assert_same_schema(sqlite_migrated, conn)
        conn.execute("ALTER TABLE handoffs ALTER COLUMN code DROP NOT NULL")
        with pytest.raises(AssertionError, match="not_null"):
            assert_same_schema(sqlite_migrated, conn)


def test_migrate_is_idempotent_and_refuses_a_newer_database(pg_url):
    with _connect(pg_url) as conn:
        assert pg_schema.schema_version(conn) == pg_schema.POSTGRES_SCHEMA_VERSION
        assert pg_schema.migrate(conn) == pg_schema.POSTGRES_SCHEMA_VERSION
        conn.execute("UPDATE schema_version SET version = 99")
        with pytest.raises(SchemaTooNewError, match="99"):
            pg_schema.migrate(conn)
        conn.execute("BEGIN")
        with pytest.raises(RuntimeError, match="no transaction"):
            pg_schema.migrate(conn)


def test_two_instances_migrating_at_once(pg_empty_url):
    results, failures = [], []
    barrier = threading.Barrier(3)

    def start():
        try:
            with _connect(pg_empty_url) as conn:
                barrier.wait()
                results.append(pg_schema.migrate(conn))
        except Exception as exc:
            failures.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert results == [pg_schema.POSTGRES_SCHEMA_VERSION] * 3


def test_version_6_folds_old_events_into_counts(pg_empty_url, monkeypatch):
    with _connect(pg_empty_url) as conn:
        monkeypatch.setattr(pg_schema, "POSTGRES_SCHEMA_VERSION", 5)
        assert pg_schema.migrate(conn) == 5
        conn.execute(
            "INSERT INTO events (kind, topic, outcome, hour) VALUES ('faq', 'school', NULL, "
            "'2026-01-01T10'), ('faq', 'school', NULL, '2026-01-01T10'), "
            "('handoff', NULL, 'claimed', '2026-01-01T11')"
        )
        monkeypatch.undo()
        assert pg_schema.migrate(conn) == pg_schema.POSTGRES_SCHEMA_VERSION
        rows = conn.execute("SELECT * FROM events ORDER BY hour").fetchall()
        assert rows == [
            ("2026-01-01T10", "faq", "school", "", "", "", -1, -1, 2),
            ("2026-01-01T11", "handoff", "", "claimed", "", "", -1, -1, 1),
        ]


# --- PgStore: pooled transactions, retries, a server that goes away -----------------------


@pytest.fixture
def pg_store(pg_url):
    store = PgStore(pg_url, pool_size=4, backoff_s=0.001)
    yield store
    store.close()


def _meta(sql: PgSql, key: str) -> str | None:
    row = sql.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def test_store_commits_or_rolls_back_and_reads_read_only(pg_store):
    assert pg_store.schema_version == pg_schema.POSTGRES_SCHEMA_VERSION
    assert pg_store.dialect is POSTGRESQL
    pg_store._in_transaction(lambda sql: sql.execute("INSERT INTO meta VALUES ('a', '1')"))

    def half_done(sql):
        sql.execute("INSERT INTO meta VALUES ('b', '2')")
        raise LookupError("a rule said no")

    with pytest.raises(LookupError):
        pg_store._in_transaction(half_done)
    assert pg_store._in_read(lambda sql: [_meta(sql, "a"), _meta(sql, "b")]) == ["1", None]
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        pg_store._in_read(lambda sql: sql.execute("INSERT INTO meta VALUES ('c', '3')"))
    pg_store._in_transaction(lambda sql: sql.execute("INSERT INTO meta VALUES ('c', '3')"))
    pg_store.checkpoint()


def test_sums_come_back_as_sqlite_gives_them(pg_store):
    pg_store._in_transaction(
        lambda sql: sql.executemany(
            "INSERT INTO events VALUES ('2026-01-01T10', ?, '', '', '', '', -1, -1, ?)",
            [("faq", 2), ("handoff", 3)],
        )
    )
    row = pg_store._in_read(lambda sql: sql.rows("SELECT sum(n) AS n, avg(n) AS mean FROM events"))
    assert row == [{"n": 5, "mean": 2.5}]
    assert type(row[0]["n"]) is int


def test_a_read_sees_one_snapshot(pg_store):
    def count(sql: Sql) -> int:
        row = sql.execute("SELECT count(*) FROM meta").fetchone()
        return int(row[0])

    def twice(sql: PgSql) -> tuple[int, int]:
        before = count(sql)
        pg_store._in_transaction(lambda other: other.execute("INSERT INTO meta VALUES ('n', '1')"))
        return before, count(sql)

    assert pg_store._in_read(twice) == (0, 0)
    assert pg_store._in_read(count) == 1


_FAIL_40001 = (
    "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$"
)


def test_store_retries_serialization_failures_then_gives_up(pg_store):
    calls = []

    def flaky(sql):
        calls.append(1)
        sql.execute("INSERT INTO meta VALUES (?, 'x')", [f"try{len(calls)}"])
        if len(calls) < 3:
            sql.execute(_FAIL_40001)
        return len(calls)

    assert pg_store._in_transaction(flaky) == 3
    assert pg_store._in_read(lambda sql: sql.rows("SELECT key FROM meta")) == [{"key": "try3"}]
    calls.clear()

    def always_failing(sql):
        calls.append(1)
        sql.execute(_FAIL_40001)

    with pytest.raises(StorageBusy, match="busy") as caught:
        pg_store._in_transaction(always_failing)
    assert len(calls) == 3
    assert "conflict" not in str(caught.value)


def test_store_survives_a_real_deadlock(pg_store):
    pg_store._in_transaction(lambda sql: sql.executemany(
        "INSERT INTO meta VALUES (?, '0')", [("x",), ("y",)]))  # fmt: skip
    barrier = threading.Barrier(2, timeout=10)
    attempts, failures = [], []

    def crosswise(first, second):
        def work(sql):
            attempts.append(first)
            sql.execute("UPDATE meta SET value = value || '+' WHERE key = ?", [first])
            if len(attempts) <= 2:
                barrier.wait()  # both hold their first row: the second updates deadlock
            sql.execute("UPDATE meta SET value = value || '+' WHERE key = ?", [second])

        try:
            pg_store._in_transaction(work)
        except Exception as exc:
            failures.append(exc)

    threads = [threading.Thread(target=crosswise, args=pair) for pair in (("x", "y"), ("y", "x"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert 3 <= len(attempts) <= 4  # the victim ran again (twice when the retry met the lock)
    values = pg_store._in_read(lambda sql: sql.rows("SELECT value FROM meta ORDER BY key"))
    assert values == [{"value": "0++"}, {"value": "0++"}]


def test_a_lost_connection_is_storage_busy_without_sql_or_parameters(pg_store):
    def killed(sql):
        sql.execute("INSERT INTO meta VALUES (?, ?)", ["k", "a parent's words"])
        sql.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    with pytest.raises(StorageBusy, match="lost the connection") as caught:
        pg_store._in_transaction(killed)
    message = str(caught.value)
    assert "parent" not in message and "INSERT" not in message and "meta" not in message
    assert pg_store._in_read(lambda sql: _meta(sql, "k")) is None
    pg_store._in_transaction(lambda sql: sql.execute("INSERT INTO meta VALUES ('k', 'v')"))


def test_pooled_connections_the_server_dropped_are_replaced(pg_store, pg_url):
    busy = threading.Barrier(3, timeout=10)  # hold three connections at once: all pooled
    threads = [threading.Thread(target=pg_store.read, args=(lambda sql: busy.wait(),))
               for _ in range(2)]  # fmt: skip
    for thread in threads:
        thread.start()
    pg_store._in_read(lambda sql: busy.wait())
    for thread in threads:
        thread.join()
    with _connect(pg_url) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert killed is not None and killed[0] >= 3
    for _ in range(5):  # a restart is invisible: BEGIN fails before any work, so retry
        assert pg_store._in_read(lambda sql: sql.execute("SELECT 1").fetchone()[0]) == 1


def test_an_unreachable_server_is_storage_busy_without_the_password():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.perf_counter()
    with pytest.raises(StorageBusy, match=f"127.0.0.1:{port}/nowhere") as caught:
        PgStore(f"postgresql://bot:sekrit@127.0.0.1:{port}/nowhere", timeout_s=0.5)
    assert "sekrit" not in str(caught.value)
    assert time.perf_counter() - started < 5
    assert server_name("host=db.example dbname=x password=y") == "db.example:5432/x"


# --- LISTEN / NOTIFY ----------------------------------------------------------------------


class Notes:
    """Collects notes and wakes a waiting test."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self.arrived = asyncio.Event()

    def __call__(self, channel: str, payload: str) -> None:
        self.seen.append((channel, payload))
        self.arrived.set()

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(10):
            while len(self.seen) < count:
                self.arrived.clear()
                await self.arrived.wait()


async def test_a_committed_notify_reaches_the_other_listener_a_rolled_back_one_not(
    pg_store, pg_url
):
    notes = Notes()
    listener = Listener()
    await listener.start(pg_url, ["outbox", "Console"], notes)
    try:

        def rolled_back(sql):
            notify(sql, "outbox", "never")
            raise LookupError

        with pytest.raises(LookupError):
            pg_store._in_transaction(rolled_back)
        pg_store._in_transaction(lambda sql: notify(sql, "outbox", "web:parent-1 100% ?"))
        pg_store._in_transaction(lambda sql: notify(sql, "Console", "7"))
        pg_store._in_transaction(lambda sql: notify(sql, "elsewhere", "not ours"))
        await notes.wait_for(2)
        assert notes.seen == [("outbox", "web:parent-1 100% ?"), ("Console", "7")]
    finally:
        await listener.stop()


async def test_the_listener_reconnects_and_says_look(pg_store, pg_url):
    notes = Notes()
    listener = Listener(backoff_s=0.01)
    await listener.start(pg_url, ["outbox", "console"], notes)
    try:
        with _connect(pg_url) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN%' AND datname = current_database()"
            )
        await notes.wait_for(2)
        assert sorted(notes.seen) == [("console", ""), ("outbox", "")]
        assert listener.reconnects == 1
        pg_store._in_transaction(lambda sql: notify(sql, "outbox", "after"))
        await notes.wait_for(3)
        assert notes.seen[-1] == ("outbox", "after")
    finally:
        await listener.stop()


# --- leases for singleton jobs ------------------------------------------------------------


def test_exactly_one_advisory_lease_holds(pg_url):
    one, two = AdvisoryLease(pg_url, "queue-watch"), AdvisoryLease(pg_url, "queue-watch")
    other = AdvisoryLease(pg_url, "retention")
    try:
        assert one.try_hold() and one.try_hold()
        assert not two.try_hold()
        assert other.try_hold()  # another job's lease is independent
        one.release()
        assert two.try_hold() and not one.try_hold()
        with _connect(pg_url) as admin:  # the holder's connection dies
            assert two._conn is not None
            pid = two._conn.info.backend_pid
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 5
        while not one.try_hold():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert not two.try_hold()  # noticed it lost the lease and cannot take it back
    finally:
        for lease in (one, two, other):
            lease.release()


_HOLDER = """
import sys
from bot.storage.{module} import {cls}
lease = {cls}(sys.argv[1], "queue-watch")
print(lease.try_hold(), flush=True)
sys.stdin.read()
"""


def _holder(module: str, cls: str, where: str) -> subprocess.Popen[str]:
    code = textwrap.dedent(_HOLDER.format(module=module, cls=cls))
    child = subprocess.Popen([sys.executable, "-c", code, where], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "True"
    return child


def test_advisory_lease_across_processes(pg_url):
    child = _holder("postgres.singleton", "AdvisoryLease", pg_url)
    lease = AdvisoryLease(pg_url, "queue-watch")
    try:
        assert not lease.try_hold()
        child.kill()  # a crash: the server ends its session and the lock with it
        child.wait()
        deadline = time.monotonic() + 5
        while not lease.try_hold():
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        lease.release()
        child.kill()


def test_file_lease(tmp_path):
    db = tmp_path / "ouderlijn.db"
    one, two, other = FileLease(db, "queue-watch"), FileLease(db, "queue-watch"), FileLease(
        db, "retention")  # fmt: skip
    assert one.try_hold() and one.try_hold() and one.held
    assert not two.try_hold() and not two.held
    assert other.try_hold()
    one.release()
    assert two.try_hold() and not one.try_hold()
    assert (tmp_path / "ouderlijn.db.queue-watch.lock").exists()
    two.release()
    other.release()
    with pytest.raises(ValueError):
        FileLease(db, "../escape")
    assert FileLease(":memory:", "queue-watch").try_hold()


def test_file_lease_across_processes(tmp_path):
    db = str(tmp_path / "ouderlijn.db")
    child = _holder("sqlite_lease", "FileLease", db)
    lease = FileLease(db, "queue-watch")
    try:
        assert not lease.try_hold()
        child.kill()
        child.wait()
        assert lease.try_hold()
    finally:
        lease.release()
        child.kill()
