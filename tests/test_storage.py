"""Storage on a real SQLite file: migrations, atomic turns, retention, forgetting, locking."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.storage import (
    SCHEMA_VERSION,
    AsyncStore,
    ConversationState,
    Event,
    SchemaTooNewError,
    StorageBusy,
    TranscriptLine,
    hour_bucket,
)
from bot.storage.sqlite import schema
from bot.storage.sqlite.store import Store

T0 = datetime(2026, 11, 27, 14, 5, 30, 123456, tzinfo=UTC)
SECRET = "Mijn zoon Daan (12) heeft ADHD en wil niet meer naar school"


def state(cid="c1", **changes) -> ConversationState:
    base = ConversationState(
        conversation_id=cid,
        channel="telegram",
        state="tree",
        node="n2",
        path=("start", "n1", "n2"),
        crisis=False,
        data={"shown": [["1", "Ja"]], "n": 3},
        created_at=T0,
        updated_at=T0,
    )
    return dataclasses.replace(base, **changes)


def line(cid="c1", text=SECRET, direction="in", at=T0) -> TranscriptLine:
    return TranscriptLine(cid, at, direction, text)


def event(kind="faq_answered", topic="school", outcome="helped") -> Event:
    return Event(kind, topic, outcome, hour_bucket(T0))


def raw(path) -> sqlite3.Connection:
    """A second, independent connection to the same file."""
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False)


@pytest.fixture
def path(tmp_path):
    return tmp_path / "ouderlijn.db"


@pytest.fixture
def store(path):
    s = Store(path)
    yield s
    s.close()


def test_migrations_create_tables_and_set_user_version(store, path):
    con = raw(path)
    tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
    assert {"conversations", "transcript", "events", "volunteers", "handoffs", "outbox"} <= tables
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 8
    indexes = {r[0] for r in con.execute("select name from sqlite_master where type='index'")}
    assert "idx_transcript_conversation_id" in indexes
    assert "handoffs_queue" in indexes  # severity first (v3)
    assert store.schema_version == SCHEMA_VERSION
    con.close()


def test_reopening_is_idempotent(path):
    Store(path).close()
    con = raw(path)
    schema_before = con.execute("select type, name, sql from sqlite_master").fetchall()
    for _ in range(2):
        again = Store(path)
        assert again.schema_version == SCHEMA_VERSION
        again.close()
    assert con.execute("select type, name, sql from sqlite_master").fetchall() == schema_before
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    con.close()


def test_a_later_migration_runs_once_and_a_failing_one_leaves_no_trace(path, monkeypatch):
    Store(path).close()
    shipped = schema.MIGRATIONS
    later = len(shipped) + 1

    def broken(db):
        db.table("later").create({"id": int, "topic": str}, pk="id")
        raise RuntimeError("half-way")

    monkeypatch.setattr(schema, "MIGRATIONS", (*shipped, broken))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", later)
    with pytest.raises(RuntimeError, match="half-way"):
        Store(path)
    con = raw(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == later - 1
    assert not con.execute("select 1 from sqlite_master where name='later'").fetchall()

    calls = []

    def works(db):
        calls.append(1)
        db.table("later").create({"id": int, "topic": str}, pk="id")

    monkeypatch.setattr(schema, "MIGRATIONS", (*shipped, works))
    for _ in range(2):
        Store(path).close()
    assert calls == [1]
    assert con.execute("PRAGMA user_version").fetchone()[0] == later
    assert con.execute("select 1 from sqlite_master where name='later'").fetchall()
    con.close()


def test_newer_database_is_refused_with_a_clear_error(path):
    Store(path).close()
    con = raw(path)
    con.execute("PRAGMA user_version = 99")
    con.close()
    with pytest.raises(SchemaTooNewError, match=rf"version 99 is newer.*\({SCHEMA_VERSION}\)"):
        Store(path)


def test_wal_mode_and_connection_pragmas(store, path):
    con = raw(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()
    conn = store._db.conn
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 1000


def test_in_memory_store_works():
    s = Store(":memory:")
    s.commit_turn(state(), [line()], [event()])
    assert s.load("c1") == state()
    s.close()


def test_state_round_trip(store):
    original = state(
        crisis=True,
        data={"a": [1, "twee"], "b": None, "c": {"d": True}},
        updated_at=T0 + timedelta(minutes=3),
    )
    store.commit_turn(original, [], [])
    loaded = store.load("c1")
    assert loaded == original
    assert loaded is not None
    assert loaded.path == ("start", "n1", "n2") and isinstance(loaded.path, tuple)
    assert loaded.crisis is True
    assert loaded.created_at.tzinfo is not None and loaded.created_at.utcoffset() == timedelta(0)
    assert store.load("unknown") is None


def test_times_in_other_zones_are_stored_as_the_same_instant(store):
    amsterdam = timezone(timedelta(hours=1))
    store.commit_turn(state(created_at=T0.astimezone(amsterdam)), [], [])
    loaded = store.load("c1")
    assert loaded is not None and loaded.created_at == T0
    assert loaded.created_at.utcoffset() == timedelta(0)


def test_naive_datetimes_and_bad_values_are_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        state(created_at=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="direction"):
        TranscriptLine("c1", T0, "sideways", "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="hour"):
        Event("faq", None, None, "2026-11-27 14:00")


def test_commit_turn_updates_the_state(store):
    store.commit_turn(state(), [line()], [])
    later = state(state="menu", node=None, path=(), updated_at=T0 + timedelta(seconds=5))
    store.commit_turn(later, [line(direction="out", text="Welkom terug")], [])
    assert store.load("c1") == later
    assert [x.text for x in store.transcript("c1")] == [SECRET, "Welkom terug"]


def test_commit_turn_is_atomic_when_an_insert_fails(store):
    store.commit_turn(state(), [line()], [event()])
    store._db.execute(
        "CREATE TRIGGER fail BEFORE INSERT ON events WHEN NEW.kind = 'x' "
        "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
    )
    changed = state(state="menu", crisis=True, updated_at=T0 + timedelta(minutes=1))
    with pytest.raises(sqlite3.IntegrityError, match="disk on fire"):
        store.commit_turn(changed, [line(text="tweede"), line(text="derde")], [event("x")])
    assert store.load("c1") == state()
    assert [x.text for x in store.transcript("c1")] == [SECRET]
    assert store.events() == [event()]
    store.commit_turn(changed, [], [])  # the connection is usable again
    assert store.load("c1") == changed


async def test_group_commit_keeps_good_turns_when_one_turn_fails(path):
    async with AsyncStore.open(path) as store:
        await store.commit_turn(state(), [], [])
        bad = Event.__new__(Event)
        for name in ("kind", "topic", "outcome", "hour"):
            object.__setattr__(bad, name, None)
        results = await asyncio.gather(
            *(store.commit_turn(state(f"c{i}"), [line(f"c{i}")], []) for i in range(2, 12)),
            store.commit_turn(state("kapot"), [], [bad]),
            return_exceptions=True,
        )
        assert all(r is None for r in results[:-1])
        assert isinstance(results[-1], sqlite3.IntegrityError)
        assert await store.load("kapot") is None
        assert all([await store.load(f"c{i}") for i in range(2, 12)])


def test_commit_turn_is_atomic_when_an_event_is_invalid(store):
    bad = Event.__new__(Event)
    object.__setattr__(bad, "kind", None)  # violates NOT NULL in the events table
    object.__setattr__(bad, "topic", None)
    object.__setattr__(bad, "outcome", None)
    object.__setattr__(bad, "hour", "2026-11-27T14")
    with pytest.raises(sqlite3.IntegrityError):
        store.commit_turn(state(), [line()], [event(), bad])
    assert store.load("c1") is None
    assert store.transcript("c1") == []
    assert store.events() == []


def test_commit_turn_rejects_data_that_is_not_json(store):
    with pytest.raises(TypeError):
        store.commit_turn(state(data={"when": T0}), [line()], [event()])
    assert store.load("c1") is None and store.transcript("c1") == [] and store.events() == []


def test_state_survives_a_restart(path):
    first = Store(path)
    first.commit_turn(state(crisis=True), [line()], [event()])
    first.close()
    second = Store(path)
    assert second.load("c1") == state(crisis=True)
    assert second.transcript("c1") == [line()]
    assert second.events() == [event()]
    second.close()


def test_transcript_keeps_the_order_of_storing(store):
    for i in range(5):
        for cid in ("a", "b"):
            store.commit_turn(
                state(cid),
                [line(cid, f"{cid}-in-{i}"), line(cid, f"{cid}-out-{i}", "out")],
                [],
            )
    got = store.transcript("a")
    assert [x.text for x in got] == [f"a-{d}-{i}" for i in range(5) for d in ("in", "out")]
    assert {x.conversation_id for x in got} == {"a"}
    assert [x.direction for x in got[:2]] == ["in", "out"]


def test_purge_transcripts_deletes_only_older_lines(store, path):
    old, cutoff, new = T0 - timedelta(days=31), T0 - timedelta(days=30), T0
    store.commit_turn(state("a"), [line("a", "oud", at=old), line("a", "nieuw", at=new)], [])
    store.commit_turn(state("b"), [line("b", "ook oud", at=old - timedelta(seconds=1))], [])
    store.commit_turn(state("c"), [line("c", "precies", at=cutoff)], [event()])
    assert store.purge_transcripts(cutoff) == 2
    assert [x.text for x in store.transcript("a")] == ["nieuw"]
    assert store.transcript("b") == []
    assert [x.text for x in store.transcript("c")] == ["precies"]  # not strictly older
    assert store.load("b") is not None and store.events() == [event()]
    assert store.purge_transcripts(cutoff) == 0
    with pytest.raises(ValueError, match="timezone-aware"):
        store.purge_transcripts(datetime(2026, 1, 1))


def test_forget_deletes_conversation_and_transcript_only(store, path):
    store.commit_turn(state("a"), [line("a", SECRET)], [event()])
    store.commit_turn(state("b"), [line("b", "blijft")], [event()])
    store.forget("a")
    assert store.load("a") is None and store.transcript("a") == []
    assert store.load("b") is not None and [x.text for x in store.transcript("b")] == ["blijft"]
    assert len(store.events()) == 2  # anonymous, so nothing to forget
    store.forget("never-seen")  # no error
    wal = path.with_name(path.name + "-wal")
    on_disk = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert SECRET.encode() not in on_disk  # secure_delete + WAL checkpoint, store still open
    assert b"blijft" in on_disk


def test_events_hold_no_text_and_no_identifiers(store, path):
    fields = ["kind", "topic", "outcome", "hour", "channel", "category", "minutes", "volunteer"]
    assert [f.name for f in dataclasses.fields(Event)] == fields
    con = raw(path)
    columns = {r[1] for r in con.execute("PRAGMA table_info(events)")}
    con.close()
    assert columns == {*fields, "n"}  # counts per distinct event: no row order, no row id
    assert not columns & {"text", "conversation_id", "address", "at", "user", "data"}


def test_locked_database_raises_storage_busy_then_recovers(path, caplog):
    caplog.set_level(logging.DEBUG)
    store = Store(path, busy_timeout_ms=20, busy_retries=3, retry_backoff_s=0.01)
    other = raw(path)
    other.execute("BEGIN EXCLUSIVE")
    started = time.perf_counter()
    with pytest.raises(StorageBusy):
        store.commit_turn(state(), [line()], [event()])
    assert time.perf_counter() - started < 2
    assert "retrying (attempt 2 of 3)" in caplog.text and "giving up after 3" in caplog.text
    assert store.load("c1") is None  # WAL: reading still works while a writer holds the lock
    other.execute("ROLLBACK")
    store.commit_turn(state(), [line()], [event()])
    assert store.load("c1") == state() and store.transcript("c1") == [line()]
    assert SECRET not in caplog.text and "c1" not in caplog.text
    other.close()
    store.close()


def test_busy_retry_succeeds_when_the_lock_is_released_in_time(path):
    store = Store(path, busy_timeout_ms=30, busy_retries=8, retry_backoff_s=0.02)
    other = raw(path)
    other.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(0.15, lambda: other.execute("COMMIT"))
    release.start()
    store.commit_turn(state(), [line()], [event()])
    release.join()
    assert store.load("c1") == state()
    other.close()
    store.close()


async def test_async_store_runs_every_call_on_one_thread(path, monkeypatch):
    seen: dict[str, set[int]] = {}

    def spy(name: str) -> None:
        original = getattr(Store, name)

        def wrapper(self, *args, **kwargs):
            seen.setdefault(name, set()).add(threading.get_ident())
            return original(self, *args, **kwargs)

        monkeypatch.setattr(Store, name, wrapper)

    names = [
        "__init__",
        "load",
        "commit_turns",
        "transcript",
        "events",
        "purge_transcripts",
        "forget",
        "close",
    ]
    for name in names:
        spy(name)
    async with AsyncStore.open(path) as store:
        assert await store.load("c1") is None
        await store.commit_turn(state(), [line()], [event()])
        assert await store.load("c1") == state()
        assert await store.transcript("c1") == [line()]
        assert await store.events() == [event()]
        assert await store.purge_transcripts(T0 - timedelta(days=1)) == 0
        await store.forget("c1")
    assert set(seen) == set(names)
    threads = set().union(*seen.values())
    assert len(threads) == 1
    assert threads != {threading.get_ident()}  # not the event loop's thread
    with pytest.raises(RuntimeError, match="closed"):
        await store.load("c1")


async def test_fifty_concurrent_commit_turns_all_land(path):
    async with AsyncStore.open(path) as store:

        async def parent(i: int) -> None:
            cid = f"p{i}"
            for turn in range(3):
                await store.commit_turn(
                    state(cid, data={"turn": turn}),
                    [line(cid, f"{cid} vraag {turn}"), line(cid, f"{cid} antwoord {turn}", "out")],
                    [event(topic=f"t{i % 5}")],
                )

        await asyncio.gather(*(parent(i) for i in range(50)))
        for i in range(50):
            loaded = await store.load(f"p{i}")
            assert loaded is not None and loaded.data == {"turn": 2}
            texts = [x.text for x in await store.transcript(f"p{i}")]
            assert texts == [f"p{i} {w} {t}" for t in range(3) for w in ("vraag", "antwoord")]
        assert len(await store.events()) == 150


async def test_async_busy_does_not_block_the_event_loop(path):
    other = raw(path)
    async with AsyncStore.open(
        path, busy_timeout_ms=100, busy_retries=2, retry_backoff_s=0.05
    ) as store:
        other.execute("BEGIN EXCLUSIVE")
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.create_task(ticker())
        with pytest.raises(StorageBusy):
            await store.commit_turn(state(), [line()], [event()])
        task.cancel()
        assert ticks >= 5  # the loop kept running while the storage thread waited
        other.execute("ROLLBACK")
        await store.commit_turn(state(), [line()], [event()])
        assert await store.load("c1") == state()
    other.close()


async def test_open_can_also_be_awaited(path):
    store = await AsyncStore.open(path)
    assert store.schema_version == SCHEMA_VERSION
    await store.commit_turn(state(), [line()], [])
    await store.close()
    await store.close()  # closing twice is harmless
    reopened = await AsyncStore.open(path)
    assert await reopened.load("c1") == state()
    await reopened.close()


async def test_async_open_refuses_a_newer_database(path):
    Store(path).close()
    con = raw(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(SchemaTooNewError):
        async with AsyncStore.open(path):
            pass
