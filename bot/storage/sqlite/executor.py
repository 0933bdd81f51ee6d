"""`SqliteSql`: the `Sql` executor over a sqlite-utils Database."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from bot.storage.sql.executor import SQLITE, Cursor, Params


class SqliteSql:
    """SQLite runs SQL as the repositories write it; `lock` is free (one writer at a time)."""

    dialect = SQLITE

    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn = db.conn

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        """Run one statement."""
        return self._conn.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for every row of parameters."""
        self._conn.executemany(sql, rows)

    def rows(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """The rows of a query as dicts keyed by column name."""
        cursor = self._conn.execute(sql, params)
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def lock(self, key: str) -> None:
        """Nothing to do: BEGIN IMMEDIATE already made this the only writer."""

    def notify(self, channel: str, payload: str) -> None:
        """Nothing to do: processes sharing a SQLite file look now and then instead."""
