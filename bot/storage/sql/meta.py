"""Small settings kept in the database's `meta` table, such as pseudonym keys."""

from __future__ import annotations

import secrets

from bot.storage.sql.executor import Sql


class SqlMeta:
    """The `meta` table; one instance per transaction."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def secret(self, key: str) -> str:
        """A random secret kept under `key`, created on first use (pseudonym keys); two
        instances starting together agree on one value."""
        self.sql.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            [key, secrets.token_hex(32)],
        )
        row = self.sql.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return str(row[0])
