"""`AdvisoryLease`: exactly one instance runs a singleton job (queue watch, retention)."""

from __future__ import annotations

import contextlib
import logging

import psycopg
from psycopg.rows import TupleRow

log = logging.getLogger(__name__)


class AdvisoryLease:
    """A session-level advisory lock named `name` on a dedicated connection: held while the
    connection lives, so a crashed holder's lease passes to another instance at once."""

    def __init__(self, url: str, name: str, *, connect_timeout_s: int = 5) -> None:
        self._url = url
        self.name = name
        self._timeout = connect_timeout_s
        self._conn: psycopg.Connection[TupleRow] | None = None
        self._held = False

    def try_hold(self) -> bool:
        """True while this process holds the lease; checks the connection is alive and,
        when not held, tries (without waiting) to take it. Call it before each run."""
        if self._held and self._alive():
            return True
        if self._held:
            log.warning("lease %s: lost its connection, no longer held", self.name)
            self._drop()
        try:
            if self._conn is None:
                self._conn = psycopg.connect(
                    self._url, autocommit=True, connect_timeout=self._timeout
                )
            row = self._conn.execute(
                "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (self.name,)
            ).fetchone()
        except psycopg.Error as exc:
            log.info("lease %s: cannot reach the database (%s)", self.name, type(exc).__name__)
            self._drop()
            return False
        self._held = bool(row and row[0])
        return self._held

    @property
    def held(self) -> bool:
        """What the last `try_hold` found (no round trip)."""
        return self._held

    def _alive(self) -> bool:
        conn = self._conn
        if conn is None or conn.closed:
            return False
        try:
            conn.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def _drop(self) -> None:
        conn, self._conn, self._held = self._conn, None, False
        if conn is not None:
            with contextlib.suppress(psycopg.Error, OSError):
                conn.close()

    def release(self) -> None:
        """Give the lease up (closing the connection ends the lock with the session)."""
        if self._held and self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.execute(
                    "SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (self.name,)
                )
        self._drop()
