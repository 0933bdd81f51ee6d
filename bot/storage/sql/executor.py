"""What a repository needs from an open transaction, whatever the database behind it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

Params = Sequence[Any] | Mapping[str, Any]
Backend = Literal["sqlite", "postgresql"]


class Cursor(Protocol):
    """The part of a DB-API cursor the repositories use (no `lastrowid`: use RETURNING)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...  # noqa: ANN401 - a row tuple, or None

    def fetchall(self) -> list[Any]: ...


@dataclass(frozen=True)
class Dialect:
    """The few places where SQLite and PostgreSQL SQL differ."""

    backend: Backend
    skip_locked: str  # appended to a claim's inner SELECT: " FOR UPDATE SKIP LOCKED" or ""
    lock_row: str  # appended to a SELECT that must hold its rows until commit


SQLITE = Dialect("sqlite", skip_locked="", lock_row="")
POSTGRESQL = Dialect("postgresql", skip_locked=" FOR UPDATE SKIP LOCKED", lock_row=" FOR UPDATE")


class Sql(Protocol):
    """One transaction's connection. SQLite serialises writers (BEGIN IMMEDIATE); PostgreSQL
    runs transactions side by side, so `lock` takes a lock held until commit."""

    dialect: Dialect

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        """Run one statement with `?` or `:name` placeholders."""
        ...

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for every row of parameters."""
        ...

    def rows(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """The rows of a query as dicts keyed by column name."""
        ...

    def lock(self, key: str) -> None:
        """Hold an exclusive lock named `key` until this transaction ends (PostgreSQL: an
        advisory transaction lock; SQLite: nothing, its one writer already excludes others)."""
        ...

    def notify(self, channel: str, payload: str) -> None:
        """Tell every instance, once this transaction commits, that something for `payload`
        happened on `channel` (PostgreSQL NOTIFY; SQLite: nothing, one process polls)."""
        ...


# What instances tell each other (PostgreSQL LISTEN/NOTIFY channels).
OUTBOX_NOTE = "ouderlijn_outbox"  # something to deliver (payload: the address)
INBOX_NOTE = "ouderlijn_inbox"  # a message stored (payload: the conversation's address)
WEB_NOTE = "ouderlijn_web"  # a web log line stored (payload: the address of the tab or desk)
NOTES = (OUTBOX_NOTE, INBOX_NOTE, WEB_NOTE)
