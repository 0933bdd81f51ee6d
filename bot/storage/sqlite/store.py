"""The synchronous SQLite store (sqlite-utils); use it from one thread only."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlite_utils import Database

from bot.storage.backend import SharedOperations
from bot.storage.model import StorageBusy
from bot.storage.sql.executor import SQLITE, Sql
from bot.storage.sqlite.executor import SqliteSql
from bot.storage.sqlite.schema import is_busy, migrate, write_transaction

log = logging.getLogger(__name__)

T = TypeVar("T")


class Store(SharedOperations):
    """Every table in one SQLite database, over one connection (WAL, one writer)."""

    dialect = SQLITE
    threads = 1

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout_ms: int = 1000,
        busy_retries: int = 3,
        retry_backoff_s: float = 0.05,
    ) -> None:
        """Open (or create) the database, set the pragmas and run pending migrations."""
        self._memory = str(path) == ":memory:"
        self.path = None if self._memory else Path(path)
        self._retries = max(1, busy_retries)
        self._backoff = retry_backoff_s
        self._db = Database(str(path) if self._memory else Path(path), execute_plugins=False)
        self._sql = SqliteSql(self._db)
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms):d}")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA secure_delete = ON")
            if not self._memory:
                self._retry(self._db.enable_wal)
            self.schema_version = self._retry(lambda: migrate(self._db))
        except BaseException:
            self._db.close()
            raise

    def _retry(self, work: Callable[[], T]) -> T:
        """Run `work`, retrying with backoff while the database is locked; then StorageBusy."""
        for attempt in range(1, self._retries + 1):
            try:
                return work()
            except sqlite3.OperationalError as exc:
                if not is_busy(exc):
                    raise
                if attempt == self._retries:
                    log.warning("storage busy: giving up after %d attempts", attempt)
                    raise StorageBusy("the database is locked; try again shortly") from exc
                log.info("storage busy: retrying (attempt %d of %d)", attempt, self._retries)
                time.sleep(self._backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def _in_transaction(self, work: Callable[[Sql], T]) -> T:
        """Run `work` in one write transaction, all or nothing, with busy retries."""

        def attempt() -> T:
            with write_transaction(self._db):
                return work(self._sql)

        return self._retry(attempt)

    def _in_read(self, work: Callable[[Sql], T]) -> T:
        """Run `work` outside a write transaction, retried while locked."""
        return self._retry(lambda: work(self._sql))

    def _after_delete(self) -> None:
        """Best effort: fold the WAL into the file and truncate it, so deleted text is gone."""
        if self._memory:
            return
        try:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise

    def close(self) -> None:
        """Close the connection; the store cannot be used afterwards."""
        self._db.close()
