"""`PgStore`: pooled PostgreSQL transactions, retried on deadlocks and serialization failures."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import psycopg
from psycopg import errors
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool, PoolTimeout

from bot.storage.backend import SharedOperations
from bot.storage.model import StorageBusy
from bot.storage.postgres.executor import PgSql, configure
from bot.storage.postgres.schema import migrate
from bot.storage.sql.executor import POSTGRESQL, Dialect, Sql

T = TypeVar("T")
log = logging.getLogger(__name__)

# Retried as a whole: the server rolled the transaction back, nothing of it happened.
_RETRY = (errors.SerializationFailure, errors.DeadlockDetected)


def server_name(url: str) -> str:
    """host:port/dbname of a connection URL, never its user or password (for messages)."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(unparsable URL)"
    host = parts.get("host") or "localhost"
    return f"{host}:{parts.get('port') or 5432}/{parts.get('dbname') or ''}"


class PgStore(SharedOperations):
    """The synchronous PostgreSQL backend: one pool of connections shared by the threads
    of one process; every transaction takes a connection and gives it back."""

    dialect: Dialect = POSTGRESQL
    POOL_SIZE = 8  # connections per process, so as many worker threads can use it at once

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = POOL_SIZE,
        retries: int = 3,
        backoff_s: float = 0.05,
        timeout_s: float = 10.0,
    ) -> None:
        """Open the pool (waiting up to `timeout_s` for the server) and run pending
        migrations; a server that cannot be reached raises StorageBusy."""
        self._server = server_name(url)
        self.threads = max(1, pool_size)  # worker threads that may use the store at once
        self._retries = max(1, retries)
        self._backoff = backoff_s
        self._pool: ConnectionPool[psycopg.Connection[TupleRow]] = ConnectionPool(
            url,
            min_size=min(2, pool_size),
            max_size=max(1, pool_size),
            kwargs={"autocommit": True},  # transactions are explicit: conn.transaction()
            configure=configure,
            timeout=timeout_s,
            open=True,
            name="ouderlijn",
        )
        try:
            self._pool.wait(timeout=timeout_s)
            with self._pool.connection() as conn:
                self.schema_version = migrate(conn)
        except PoolTimeout as exc:
            self._pool.close()
            raise StorageBusy(f"cannot reach PostgreSQL at {self._server}") from exc
        except BaseException:
            self._pool.close()
            raise

    def _in_transaction(self, work: Callable[[Sql], T]) -> T:
        """Run `work` in one read-write transaction (all or nothing); retried as a whole on
        a deadlock or serialization failure, then StorageBusy."""
        return self._run(work, read_only=False)

    def _in_read(self, work: Callable[[Sql], T]) -> T:
        """Run `work` in one read-only transaction: every statement sees the same snapshot."""
        return self._run(work, read_only=True)

    def _run(self, work: Callable[[Sql], T], *, read_only: bool) -> T:
        attempt, stale = 1, 0
        while True:
            began = False
            try:
                with self._pool.connection() as conn, conn.transaction():
                    began = True
                    if read_only:  # one snapshot for all the reads; never a write
                        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    return work(PgSql(conn))
            except _RETRY as exc:
                if attempt >= self._retries:
                    log.warning("storage busy: %s, giving up after %d attempts",
                                type(exc).__name__, attempt)  # fmt: skip
                    raise StorageBusy("the database stayed busy; try again shortly") from exc
                log.info("storage busy: %s, retrying (attempt %d of %d)",
                         type(exc).__name__, attempt, self._retries)  # fmt: skip
                time.sleep(self._backoff * 2 ** (attempt - 1))
                attempt += 1
            except PoolTimeout as exc:
                raise StorageBusy(
                    f"no connection to PostgreSQL at {self._server} within the timeout "
                    "(server unreachable, or every pooled connection busy)"
                ) from exc
            except psycopg.OperationalError as exc:
                if not _connection_lost(exc):
                    raise
                if not began and stale < self._pool.max_size:
                    # BEGIN itself failed, so nothing of `work` ran: a pooled connection the
                    # server dropped (a restart, say). The pool discards it; take another.
                    log.info("storage: a pooled connection was gone, taking another")
                    stale += 1
                    continue
                log.warning("storage: lost the connection to PostgreSQL at %s", self._server)
                raise StorageBusy(
                    f"lost the connection to PostgreSQL at {self._server}; whether the last "
                    "transaction committed is unknown, try again shortly"
                ) from exc

    def close(self) -> None:
        """Close every pooled connection; the store cannot be used afterwards."""
        self._pool.close()


def _connection_lost(exc: psycopg.OperationalError) -> bool:
    """True when the error means the server or the connection is gone (not a query error)."""
    if isinstance(exc, errors.AdminShutdown | errors.CrashShutdown | errors.CannotConnectNow):
        return True
    return exc.sqlstate is None or exc.sqlstate.startswith("08")
