"""Wake-ups across instances: NOTIFY inside a transaction, a LISTEN connection per process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import psycopg
from psycopg import sql as pgsql

from bot.storage.postgres.executor import PgSql

log = logging.getLogger(__name__)

NoteHandler = Callable[[str, str], None]


def notify(sql: PgSql, channel: str, payload: str) -> None:
    """Queue a notification in the caller's transaction: delivered only if it commits."""
    sql.execute("SELECT pg_notify(?, ?)", (channel, payload))


def _ignore(channel: str, payload: str) -> None:
    """The handler before `start`."""


class Listener:
    """LISTENs on a dedicated connection and calls `on_note(channel, payload)` for every
    notification. After a reconnect it calls `on_note(channel, "")` once per channel: notes
    sent while the connection was down are lost, so "look for yourself"."""

    def __init__(self, *, backoff_s: float = 0.1, max_backoff_s: float = 5.0,
                 ping_s: float = 30.0) -> None:  # fmt: skip
        """`ping_s`: how long a quiet connection waits before it checks the server is there."""
        self._backoff = backoff_s
        self._max_backoff = max_backoff_s
        self._ping = ping_s
        self._task: asyncio.Task[None] | None = None
        self._conn: psycopg.AsyncConnection[object] | None = None
        self._url = ""
        self._channels: list[str] = []
        self._on_note: NoteHandler = _ignore
        self.reconnects = 0  # how often the connection was lost and made again

    async def start(self, url: str, channels: list[str], on_note: NoteHandler) -> None:
        """Connect and LISTEN (notes committed after this returns are delivered), then
        listen in a task; a server that cannot be reached now raises psycopg's error."""
        self._url, self._channels, self._on_note = url, list(channels), on_note
        self._conn = await self._connect()
        self._task = asyncio.create_task(self._run(), name="pg-listener")

    async def stop(self) -> None:
        """Stop listening and close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._close()

    async def _connect(self) -> psycopg.AsyncConnection[object]:
        conn: psycopg.AsyncConnection[object] = await psycopg.AsyncConnection.connect(
            self._url, autocommit=True, connect_timeout=10,
            keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=3,
        )  # fmt: skip
        try:
            for channel in self._channels:
                await conn.execute(pgsql.SQL("LISTEN {}").format(pgsql.Identifier(channel)))
        except BaseException:
            await conn.close()
            raise
        return conn

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error, OSError):
                await conn.close()

    def _deliver(self, channel: str, payload: str) -> None:
        try:
            self._on_note(channel, payload)
        except Exception:  # one bad handler call must not stop the wake-ups
            log.exception("listener: the note handler failed on channel %s", channel)

    async def _listen(self, conn: psycopg.AsyncConnection[object]) -> None:
        """Deliver notes until the connection fails; ping it when it has been quiet."""
        while True:
            async for note in conn.notifies(timeout=self._ping):
                self._deliver(note.channel, note.payload)
            await asyncio.wait_for(conn.execute("SELECT 1"), timeout=self._ping)

    async def _run(self) -> None:
        delay = self._backoff
        while True:
            conn = self._conn
            if conn is not None:
                try:
                    await self._listen(conn)
                except (psycopg.Error, OSError, TimeoutError) as exc:
                    log.warning("listener: connection lost (%s), reconnecting",
                                type(exc).__name__)  # fmt: skip
                await self._close()
            try:
                self._conn = await self._connect()
            except (psycopg.Error, OSError) as exc:
                log.info("listener: reconnect failed (%s), next try in %.1fs",
                         type(exc).__name__, delay)  # fmt: skip
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_backoff)
                continue
            delay = self._backoff
            self.reconnects += 1
            for channel in self._channels:
                self._deliver(channel, "")
