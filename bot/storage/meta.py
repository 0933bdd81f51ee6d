"""Small settings kept in the database's `meta` table, such as pseudonym keys."""

from __future__ import annotations

import secrets

from sqlite_utils import Database


def stored_secret(db: Database, key: str) -> str:
    """A random secret kept in `meta` under `key`, created on first use (pseudonym keys)."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    if row is not None:
        return str(row[0])
    value = secrets.token_hex(32)
    db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", [key, value])
    return value
