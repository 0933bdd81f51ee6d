"""Singleton jobs (queue watch, retention): exactly one process runs each at a time, whichever
backend. SQLite: a file lock beside the database; PostgreSQL: an advisory lock."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class Lease(Protocol):
    """Held by at most one process; `try_hold` takes it when free and says whether we hold it."""

    def try_hold(self) -> bool: ...
    def release(self) -> None: ...


def open_lease(target: str | Path, name: str) -> Lease:
    """The lease `name` for the database `target` (a SQLite file or a PostgreSQL URL)."""
    if str(target).startswith(("postgresql://", "postgres://")):
        from bot.storage.postgres.singleton import AdvisoryLease

        return AdvisoryLease(str(target), f"ouderlijn-job:{name}")
    from bot.storage.sqlite_lease import FileLease

    return FileLease(target, name)
