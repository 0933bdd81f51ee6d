"""Read a test's database the way an auditor would: a separate connection, either backend."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any


def is_postgres(target: str | Path) -> bool:
    """Whether `target` names a PostgreSQL database (else a SQLite file)."""
    return str(target).startswith(("postgresql://", "postgres://"))


def rows(target: str | Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Run one query (SQLite placeholders) on its own connection and return the rows."""
    if is_postgres(target):
        import psycopg

        from bot.storage.postgres.executor import translate

        with psycopg.connect(str(target), autocommit=True) as conn:
            query = translate(sql).query if params else sql
            return [tuple(r) for r in conn.execute(query, params or None).fetchall()]
    with contextlib.closing(sqlite3.connect(target)) as db:
        return db.execute(sql, params).fetchall()


def tables(target: str | Path) -> list[str]:
    """The tables of the database."""
    if is_postgres(target):
        query = (
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' ORDER BY 1"
        )
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1"
    return [str(r[0]) for r in rows(target, query)]


def columns(target: str | Path, table: str) -> list[str]:
    """The columns of one table."""
    if is_postgres(target):
        query = (
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "ORDER BY ordinal_position"
        )
        return [str(r[0]) for r in rows(target, query, table)]
    return [str(r[1]) for r in rows(target, f"PRAGMA table_info({table})")]


def tables_holding(target: str | Path, text: str) -> list[str]:
    """Every table with a column whose text contains `text` (e.g. after /vergeet)."""
    found = []
    for table in tables(target):
        names = columns(target, table)
        where = " OR ".join(f"CAST({c} AS TEXT) LIKE ?" for c in names)
        if rows(target, f"SELECT 1 FROM {table} WHERE {where}", *[f"%{text}%"] * len(names)):
            found.append(table)
    return found
