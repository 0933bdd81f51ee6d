"""The one list of schema versions: each version's SQLite migration and PostgreSQL statements
side by side, so neither backend can have a version the other lacks (import fails)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlite_utils import Database

from bot.storage.postgres.schema import POSTGRES_STEPS
from bot.storage.sqlite.schema import MIGRATIONS


@dataclass(frozen=True)
class Version:
    """One schema version: what it is for, and how each backend gets there."""

    number: int
    summary: str
    sqlite: Callable[[Database], None]
    postgres: tuple[str, ...]


VERSIONS: tuple[Version, ...] = tuple(
    Version(number, (sqlite.__doc__ or "").strip().splitlines()[0], sqlite, postgres)
    for number, (sqlite, postgres) in enumerate(zip(MIGRATIONS, POSTGRES_STEPS, strict=True), 1)
)
SCHEMA_VERSION = len(VERSIONS)
