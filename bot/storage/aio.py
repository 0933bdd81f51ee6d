"""AsyncStore: a backend on worker threads, so the event loop never waits on the database.

SQLite gets one thread (one connection, one writer); PostgreSQL one thread per pooled
connection, so transactions of different conversations run side by side."""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable, Coroutine, Generator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from bot.storage.backend import Backend, Extra, Turn
from bot.storage.contract import Tx
from bot.storage.model import ConversationState, Event, StorageBusy, TranscriptLine
from bot.storage.sql.executor import Dialect

T = TypeVar("T")


class AsyncStore:
    """Async mirror of a Backend; every call, opening and closing included, runs on its
    worker threads."""

    def __init__(self, store: Backend, executor: ThreadPoolExecutor) -> None:
        """Wrap a backend that was created on `executor` (use `open`)."""
        self._store = store
        self._executor = executor
        self._closed = False
        self._pending: list[tuple[Turn, asyncio.Future[None]]] = []
        self._pending_lock = threading.Lock()  # shared by the event loop and the storage thread

    @classmethod
    def open(
        cls,
        target: str | Path,
        *,
        busy_timeout_ms: int = 1000,
        busy_retries: int = 3,
        retry_backoff_s: float = 0.05,
    ) -> OpeningStore:
        """`store = await AsyncStore.open(target)` or `async with AsyncStore.open(...) as s:`;
        `target` is a SQLite file or a `postgresql://` URL."""
        factory, threads = open_backend(
            target,
            busy_timeout_ms=busy_timeout_ms,
            busy_retries=busy_retries,
            retry_backoff_s=retry_backoff_s,
        )
        return OpeningStore(functools.partial(cls._start, factory, threads))

    @classmethod
    async def _start(cls, factory: Callable[[], Backend], threads: int = 1) -> AsyncStore:
        """Start the storage threads and create the backend on one of them."""
        executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="ouderlijn-storage")
        created = executor.submit(factory)
        try:
            store = await asyncio.wrap_future(created)
        except BaseException:
            executor.submit(_close_if_created, created)  # e.g. the opener was cancelled
            executor.shutdown(wait=False)
            raise
        return cls(store, executor)

    async def _run(self, call: Callable[[], T]) -> T:
        """Queue `call` on the storage thread and await its result."""
        if self._closed:
            raise RuntimeError("AsyncStore is closed")
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    @property
    def schema_version(self) -> int:
        """The schema version the database was migrated to."""
        return self._store.schema_version

    @property
    def dialect(self) -> Dialect:
        """Which backend this is (SQLite or PostgreSQL) and its SQL differences."""
        return self._store.dialect

    @property
    def backend(self) -> Backend:
        """The synchronous backend (for its own extras, such as PostgreSQL's URL)."""
        return self._store

    async def load(self, conversation_id: str) -> ConversationState | None:
        """See Store.load."""
        return await self._run(functools.partial(self._store.load, conversation_id))

    async def commit_turn(
        self,
        state: ConversationState,
        lines: Sequence[TranscriptLine],
        events: Sequence[Event],
        extra: Extra = None,
    ) -> None:
        """See Store.commit_turn; raises StorageBusy when the database stays locked.

        `extra(tx)` runs in the same transaction; it may run twice (a failed group is retried
        turn by turn), so it must only write, never append to outside state."""
        if self._closed:
            raise RuntimeError("AsyncStore is closed")
        if self._store.threads > 1:  # PostgreSQL: turns commit side by side, one each; a
            turn = (state, tuple(lines), tuple(events), extra)  # group would take their
            await self._run(functools.partial(self._store.commit_turns, [turn]))  # locks in
            return  # any order and deadlock on the shared event counts
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        with self._pending_lock:
            self._pending.append(((state, tuple(lines), tuple(events), extra), done))
            first = len(self._pending) == 1
        if first:  # first of a new group: one flush takes everything queued
            loop.run_in_executor(self._executor, self._flush, loop)
        await done

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        """On the storage thread: commit every queued turn in one transaction (group commit).

        If the group fails, each turn is retried alone so one bad turn cannot sink the others.
        """
        with self._pending_lock:
            batch, self._pending = self._pending, []
        try:
            self._store.commit_turns([turn for turn, _ in batch])
            outcomes: list[BaseException | None] = [None] * len(batch)
        except StorageBusy as busy:  # locked for everyone: retrying each alone only waits longer
            outcomes = [busy] * len(batch)
        except Exception as group_error:
            outcomes = (
                [group_error]
                if len(batch) == 1
                else [_attempt(self._store, turn) for turn, _ in batch]
            )
        for (_, done), outcome in zip(batch, outcomes, strict=True):
            loop.call_soon_threadsafe(_settle, done, outcome)

    async def transaction(self, work: Callable[[Tx], T]) -> T:
        """See Backend.transaction: `work(tx)` runs on a storage thread, all or nothing."""
        return await self._run(functools.partial(self._store.transaction, work))

    async def read(self, work: Callable[[Tx], T]) -> T:
        """See Backend.read: `work(tx)` runs on a storage thread."""
        return await self._run(functools.partial(self._store.read, work))

    async def transcript(self, conversation_id: str) -> list[TranscriptLine]:
        """See Store.transcript."""
        return await self._run(functools.partial(self._store.transcript, conversation_id))

    async def events(self) -> list[Event]:
        """See Store.events."""
        return await self._run(self._store.events)

    async def purge_transcripts(self, older_than: datetime) -> int:
        """See Store.purge_transcripts."""
        return await self._run(functools.partial(self._store.purge_transcripts, older_than))

    async def forget(self, conversation_id: str) -> None:
        """See Store.forget."""
        await self._run(functools.partial(self._store.forget, conversation_id))

    async def checkpoint(self) -> None:
        """See Store.checkpoint."""
        await self._run(self._store.checkpoint)

    async def close(self) -> None:
        """Close the Store on its thread (after calls already queued), then stop the thread."""
        if self._closed:
            return
        self._closed = True
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._store.close)
        finally:
            self._executor.shutdown(wait=False)


def open_backend(
    target: str | Path, *, busy_timeout_ms: int, busy_retries: int, retry_backoff_s: float
) -> tuple[Callable[[], Backend], int]:
    """How to create the backend `target` names, and how many threads may use it."""
    if "dbname=" in str(target):  # a libpq key=value string is no SQLite file name
        raise ValueError("a PostgreSQL database is given as a postgresql:// URL")
    if str(target).startswith(("postgresql://", "postgres://")):
        from bot.storage.postgres.store import PgStore

        pool = PgStore.POOL_SIZE
        return functools.partial(PgStore, str(target), pool_size=pool), pool
    from bot.storage.sqlite.store import Store

    return (
        functools.partial(
            Store,
            target,
            busy_timeout_ms=busy_timeout_ms,
            busy_retries=busy_retries,
            retry_backoff_s=retry_backoff_s,
        ),
        1,
    )


def open_sync(target: str | Path) -> Backend:
    """The backend `target` names, opened on this thread (admin commands, scripts)."""
    factory, _ = open_backend(target, busy_timeout_ms=1000, busy_retries=3, retry_backoff_s=0.05)
    return factory()


def _attempt(store: Backend, turn: Turn) -> BaseException | None:
    """Commit one turn alone; the error instead of raising it."""
    try:
        store.commit_turns([turn])
    except Exception as error:
        return error
    return None


def _settle(done: asyncio.Future[None], outcome: BaseException | None) -> None:
    """Resolve a waiting commit on the event loop (unless its caller went away)."""
    if done.cancelled():
        return
    if outcome is None:
        done.set_result(None)
    else:
        done.set_exception(outcome)


def _close_if_created(created: Future[Backend]) -> None:
    """On the storage thread: close a Store nobody will use (its opener went away)."""
    if not created.cancelled() and created.exception() is None:
        created.result().close()


class OpeningStore:
    """What `AsyncStore.open` returns: awaitable, or an async context manager that closes."""

    def __init__(self, start: Callable[[], Coroutine[Any, Any, AsyncStore]]) -> None:
        """Remember how to open; nothing happens until awaited or entered."""
        self._start = start
        self._store: AsyncStore | None = None

    def __await__(self) -> Generator[Any, None, AsyncStore]:
        """Open the store; the caller must `await store.close()`."""
        return self._start().__await__()

    async def __aenter__(self) -> AsyncStore:
        """Open the store for the `async with` block."""
        self._store = await self._start()
        return self._store

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the store, after the calls already queued."""
        if self._store is not None:
            await self._store.close()
