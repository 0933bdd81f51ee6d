"""`PgSql`: the `Sql` executor over one psycopg connection, translating SQLite placeholders."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, Literal, NamedTuple

import psycopg
from psycopg.abc import Buffer
from psycopg.adapt import Dumper, Loader
from psycopg.rows import TupleRow

from bot.storage.sql.executor import POSTGRESQL, Cursor, Dialect, Params

Style = Literal["none", "positional", "named"]
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_CHARS = _NAME_START | frozenset("0123456789")


class Translated(NamedTuple):
    """A statement in psycopg's placeholder style and which kind of parameters it takes."""

    query: str
    style: Style


def _skip_quoted(sql: str, start: int, quote: str) -> int:
    """The index just after the quoted run opening at `start` ('' or "" inside escapes it)."""
    i = start + 1
    while i < len(sql):
        if sql[i] == quote:
            if i + 1 < len(sql) and sql[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return len(sql)  # unterminated: the server will say so


def _skip_comment(sql: str, start: int) -> int:
    """The index just after a `--` line comment or a `/* */` block comment at `start`."""
    if sql.startswith("--", start):
        end = sql.find("\n", start)
        return len(sql) if end < 0 else end
    end = sql.find("*/", start + 2)
    return len(sql) if end < 0 else end + 2


@lru_cache(maxsize=2048)
def translate(sql: str) -> Translated:
    """SQLite's `?` and `:name` placeholders as psycopg's `%s` and `%(name)s`, every literal
    `%` doubled; string literals, quoted identifiers, comments and `::` casts keep their text."""
    out: list[str] = []
    positional = named = False
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"" or sql.startswith(("--", "/*"), i):
            end = _skip_quoted(sql, i, ch) if ch in "'\"" else _skip_comment(sql, i)
            out.append(sql[i:end].replace("%", "%%"))  # psycopg reads every % in the text
            i = end
        elif ch == "%":
            out.append("%%")
            i += 1
        elif ch == "?":
            out.append("%s")
            positional = True
            i += 1
        elif ch == ":" and sql.startswith("::", i):
            out.append("::")
            i += 2
        elif ch == ":" and i + 1 < n and sql[i + 1] in _NAME_START:
            end = i + 2
            while end < n and sql[end] in _NAME_CHARS:
                end += 1
            out.append(f"%({sql[i + 1 : end]})s")
            named = True
            i = end
        else:
            out.append(ch)
            i += 1
    if positional and named:
        raise ValueError("a statement uses both '?' and ':name' placeholders")
    return Translated("".join(out), "named" if named else "positional" if positional else "none")


def _bind(translated: Translated, params: Params) -> Params:
    """Check that the parameters fit the placeholders (never showing their values)."""
    if translated.style == "named":
        if not isinstance(params, Mapping):
            raise TypeError("a statement with ':name' placeholders takes a mapping")
        return params
    if isinstance(params, Mapping):
        if params:
            raise TypeError("a statement with '?' placeholders takes a sequence")
        return ()
    return params if isinstance(params, list | tuple) else tuple(params)


class _SqliteNumber(Loader):
    """numeric as SQLite gives it: an int when whole (sum() of BIGINT is numeric in
    PostgreSQL, a plain integer in SQLite), else a float; never a Decimal."""

    def load(self, data: Buffer) -> int | float:
        text = bytes(data).decode()
        try:
            return int(text)
        except ValueError:
            return float(text)


class _FlagDumper(Dumper):
    """A Python bool goes in as 0 or 1: flags are integer columns on both backends."""

    oid = psycopg.adapters.types["int8"].oid

    def dump(self, obj: object) -> bytes:
        return b"1" if obj else b"0"


def configure(conn: psycopg.Connection[TupleRow]) -> None:
    """Make a connection take and return the Python types the SQLite backend does."""
    conn.adapters.register_loader("numeric", _SqliteNumber)
    conn.adapters.register_dumper(bool, _FlagDumper)


class PgSql:
    """One transaction's psycopg connection behind the `Sql` protocol; cheap to construct
    (one per transaction), tuple rows, dicts only in `rows()`."""

    __slots__ = ("_conn",)
    dialect: Dialect = POSTGRESQL

    def __init__(self, conn: psycopg.Connection[TupleRow]) -> None:
        self._conn = conn

    @property
    def connection(self) -> psycopg.Connection[TupleRow]:
        """The psycopg connection, for PostgreSQL-only helpers (NOTIFY, advisory locks)."""
        return self._conn

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        """Run one statement with `?` or `:name` placeholders."""
        translated = translate(sql)
        bound = _bind(translated, params)
        return self._conn.execute(translated.query, bound)

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for every row of parameters (pipelined by psycopg)."""
        translated = translate(sql)
        bound = [_bind(translated, row) for row in rows]
        if not bound:
            return
        with self._conn.cursor() as cursor:
            cursor.executemany(translated.query, bound)

    def rows(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """The rows of a query as dicts keyed by column name."""
        translated = translate(sql)
        bound = _bind(translated, params)
        cursor = self._conn.execute(translated.query, bound)
        if cursor.description is None:
            return []
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def lock(self, key: str) -> None:
        """Hold an advisory lock named `key` until this transaction commits or rolls back."""
        self._conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (key,))

    def notify(self, channel: str, payload: str) -> None:
        """NOTIFY on commit (PostgreSQL sends one note per distinct payload per transaction)."""
        self._conn.execute("SELECT pg_notify(%s, %s)", (channel, payload))
