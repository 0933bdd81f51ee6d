"""SQL of volunteers' blocks: one row per blocked parent, keyed by a salted pseudonym hash."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from bot.storage.contract.blocks import Block
from bot.storage.sql.executor import Sql
from bot.storage.sql.meta import SqlMeta
from bot.storage.times import from_text, to_text

SALT_KEY = "block_salt"  # in `meta`: made when the first block is placed
_COLUMNS = "key, reason, volunteer_id, created_at, until"


def _block(row: tuple[Any, ...]) -> Block:
    key, reason, volunteer, created, until = row
    return Block(
        str(key),
        str(reason),
        None if volunteer is None else int(volunteer),
        from_text(created),
        from_text(until),
    )


def block_key(salt: str, conversation_id: str) -> str:
    """The stored name of a blocked parent: it cannot be turned back into the pseudonym."""
    return hashlib.sha256(f"{salt}\n{conversation_id}".encode()).hexdigest()[:32]


class SqlBlocks:
    """Blocks in SQL; one instance per transaction."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def _salt(self) -> str | None:
        row = self.sql.execute("SELECT value FROM meta WHERE key = ?", [SALT_KEY]).fetchone()
        return str(row[0]) if row else None

    def find(self, conversation_id: str) -> Block | None:
        """The parent's stored block, expired or not: two key lookups, no write (a turn's
        read; the engine compares `until` with its own clock)."""
        salt = self._salt()
        if salt is None:  # no block was ever placed
            return None
        row = self.sql.execute(
            f"SELECT {_COLUMNS} FROM parent_blocks WHERE key = ?",
            [block_key(salt, conversation_id)],
        ).fetchone()
        return _block(row) if row else None

    def place(
        self,
        conversation_id: str,
        reason: str,
        volunteer_id: int | None,
        now: datetime,
        until: datetime,
    ) -> Block:
        """Block a parent until `until`; a block placed again replaces the older one. Blocks
        that expired go at the same moment (retention removes any others)."""
        key = block_key(SqlMeta(self.sql).secret(SALT_KEY), conversation_id)
        self.sql.execute("DELETE FROM parent_blocks WHERE until <= ?", [to_text(now)])
        self.sql.execute(
            f"INSERT INTO parent_blocks ({_COLUMNS}) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET reason = excluded.reason, "
            "volunteer_id = excluded.volunteer_id, created_at = excluded.created_at, "
            "until = excluded.until",
            [key, reason, volunteer_id, to_text(now), to_text(until)],
        )
        return Block(key, reason, volunteer_id, now, until)

    def listing(self, now: datetime) -> list[Block]:
        """Every block in force at `now`, the soonest to expire first (by the until index)."""
        rows = self.sql.execute(
            f"SELECT {_COLUMNS} FROM parent_blocks WHERE until > ? ORDER BY until",
            [to_text(now)],
        ).fetchall()
        return [_block(row) for row in rows]

    def lift(self, key: str) -> Block | None:
        """Delete one block; what it was (for the audit log), or None when it is not there."""
        row = self.sql.execute(
            f"SELECT {_COLUMNS} FROM parent_blocks WHERE key = ?", [key]
        ).fetchone()
        if row is None:
            return None
        self.sql.execute("DELETE FROM parent_blocks WHERE key = ?", [key])
        return _block(row)
