"""The synchronous SQLite store (sqlite-utils); use it from one thread only."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlite_utils import Database

from bot.storage.model import (
    ConversationState,
    Direction,
    Event,
    StorageBusy,
    TranscriptLine,
    require_aware,
)
from bot.storage.schema import is_busy, migrate, write_transaction
from bot.storage.stats import event_key, events_between

log = logging.getLogger(__name__)

T = TypeVar("T")


def to_text(when: datetime) -> str:
    """An aware datetime as a fixed-width UTC ISO string, so text order is time order."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def from_text(text: str) -> datetime:
    """The aware UTC datetime stored by `to_text`."""
    return datetime.fromisoformat(text).astimezone(UTC)


def _state_row(state: ConversationState) -> dict[str, Any]:
    """The conversations row for a state; raises before any write if data is not JSON."""
    return {
        "conversation_id": state.conversation_id,
        "channel": state.channel,
        "state": state.state,
        "node": state.node,
        "path": json.dumps(list(state.path), ensure_ascii=False),
        "crisis": int(state.crisis),
        "data": json.dumps(state.data, ensure_ascii=False, sort_keys=True, allow_nan=False),
        "created_at": to_text(state.created_at),
        "updated_at": to_text(state.updated_at),
    }


# A turn to store: state, transcript lines, events, and work of the caller's own that must
# commit with it (the inbox mark and the replies in the outbox), or None.
Extra = Callable[[Database], None] | None
Turn = tuple[ConversationState, Sequence[TranscriptLine], Sequence[Event], Extra]

_UPSERT_STATE = (
    "INSERT INTO conversations (conversation_id, channel, state, node, path, crisis, data, "
    "created_at, updated_at) VALUES (:conversation_id, :channel, :state, :node, :path, :crisis, "
    ":data, :created_at, :updated_at) ON CONFLICT (conversation_id) DO UPDATE SET "
    "channel = excluded.channel, state = excluded.state, node = excluded.node, "
    "path = excluded.path, crisis = excluded.crisis, data = excluded.data, "
    "updated_at = excluded.updated_at"
)
_INSERT_LINE = (
    "INSERT INTO transcript (conversation_id, at, direction, text) "
    "VALUES (:conversation_id, :at, :direction, :text)"
)
_INSERT_EVENT = (
    "INSERT INTO events (kind, topic, outcome, hour, channel, category, minutes, volunteer, n) "
    "VALUES (:kind, :topic, :outcome, :hour, :channel, :category, :minutes, :volunteer, 1) "
    "ON CONFLICT (hour, kind, topic, outcome, channel, category, minutes, volunteer) "
    "DO UPDATE SET n = n + 1"
)


def _turn_rows(
    state: ConversationState, lines: Sequence[TranscriptLine], events: Sequence[Event]
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows for one turn; raises before any write if something cannot be stored."""
    line_rows = [
        {
            "conversation_id": line.conversation_id,
            "at": to_text(line.at),
            "direction": line.direction,
            "text": line.text,
        }
        for line in lines
    ]
    event_rows = [_event_row(e) for e in events]
    return _state_row(state), line_rows, event_rows


def write_turn(
    db: Database,
    state: ConversationState,
    lines: Sequence[TranscriptLine],
    events: Sequence[Event],
) -> None:
    """Store one turn inside the caller's transaction (see Store.transaction)."""
    _write_rows(db, *_turn_rows(state, lines, events))


def _write_rows(
    db: Database,
    state_row: dict[str, Any],
    line_rows: list[dict[str, Any]],
    event_rows: list[dict[str, Any]],
) -> None:
    """Prepared statements, not sqlite-utils' introspecting upsert: this is the hot path."""
    conn = db.conn
    conn.execute(_UPSERT_STATE, state_row)
    if line_rows:
        conn.executemany(_INSERT_LINE, line_rows)
    _write_rows_events(db, event_rows)


def record_events(db: Database, events: Sequence[Event]) -> None:
    """Append anonymous events inside the caller's transaction."""
    _write_rows_events(db, [_event_row(e) for e in events])


def _event_row(e: Event) -> dict[str, Any]:
    return event_key(e)


def _write_rows_events(db: Database, rows: list[dict[str, Any]]) -> None:
    if rows:
        db.conn.executemany(_INSERT_EVENT, rows)


def fetch_rows(db: Database, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
    """Rows of a query as dicts keyed by column name."""
    cursor = db.execute(sql, list(params))
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def drop_conversation(db: Database, conversation_id: str) -> None:
    """Delete a conversation's state and transcript inside the caller's transaction."""
    db.execute("DELETE FROM transcript WHERE conversation_id = ?", [conversation_id])
    db.execute("DELETE FROM conversations WHERE conversation_id = ?", [conversation_id])


def erase_conversation(db: Database, conversation_id: str) -> None:
    """Delete a parent's conversation, transcript and handoffs with their messages, and unlink
    their handled inbox keys, inside the caller's transaction (the outbox is the caller's)."""
    handoffs = "SELECT id FROM handoffs WHERE conversation_id = ?"
    db.execute(f"DELETE FROM handoff_messages WHERE handoff_id IN ({handoffs})", [conversation_id])
    db.execute("DELETE FROM handoffs WHERE conversation_id = ?", [conversation_id])
    forget_inbox_keys(db, conversation_id)
    db.execute(  # what the web chat showed them, and their words on a volunteer's console
        "DELETE FROM web_messages WHERE address = ? OR about = ?", [conversation_id] * 2
    )
    db.execute("DELETE FROM review_items WHERE conversation_id = ?", [conversation_id])
    drop_conversation(db, conversation_id)


def forget_inbox_keys(db: Database, address: str) -> None:
    """Handled inbox keys stay (a redelivered update must still count once) but no longer say
    whose they were; retention removes them later."""
    db.execute(
        "UPDATE inbox SET address = '' WHERE address = ? AND handled_at IS NOT NULL", [address]
    )


def drop_account(db: Database, address: str) -> bool:
    """Forget the platform account behind an erased parent once their farewell is out, unless
    they have written again meanwhile (a new conversation or a message not yet handled)."""
    return (
        db.execute(
            "DELETE FROM channel_accounts WHERE address = ? "
            "AND NOT EXISTS (SELECT 1 FROM conversations WHERE conversation_id = ?) "
            "AND NOT EXISTS (SELECT 1 FROM inbox WHERE address = ? AND handled_at IS NULL)",
            [address, address, address],
        ).rowcount
        > 0
    )


def load_state(db: Database, conversation_id: str) -> ConversationState | None:
    """The stored state of a conversation inside the caller's read or transaction."""
    rows = fetch_rows(
        db, "SELECT * FROM conversations WHERE conversation_id = ?", [conversation_id]
    )
    return _state_from_row(rows[0]) if rows else None


def _state_from_row(row: dict[str, Any]) -> ConversationState:
    """Rebuild a state from its conversations row."""
    return ConversationState(
        conversation_id=row["conversation_id"],
        channel=row["channel"],
        state=row["state"],
        node=row["node"],
        path=tuple(json.loads(row["path"])),
        crisis=bool(row["crisis"]),
        data=cast(dict[str, object], json.loads(row["data"])),
        created_at=from_text(row["created_at"]),
        updated_at=from_text(row["updated_at"]),
    )


def _purge_text(db: Database, cutoff: str) -> int:
    """Delete every kept message text from before `cutoff`, and handoffs closed before it (their
    summaries describe a parent); return how many rows went. Statistics live on in `events`."""
    deleted = 0
    closed_long_ago = "SELECT id FROM handoffs WHERE status = 'closed' AND closed_at < ?"
    for sql in (
        f"DELETE FROM handoff_messages WHERE handoff_id IN ({closed_long_ago})",
        "DELETE FROM handoffs WHERE status = 'closed' AND closed_at < ?",
        "DELETE FROM transcript WHERE at < ?",
        # a parent still waiting or talking keeps their story until the handoff closes
        "DELETE FROM handoff_messages WHERE at < ? AND handoff_id IN "
        "(SELECT id FROM handoffs WHERE status = 'closed')",
        "DELETE FROM outbox WHERE created_at < ?",
        "DELETE FROM web_messages WHERE at < ?",
        "DELETE FROM review_items WHERE created_at < ?",
        # a conversation left alone that long starts afresh (its state names what they asked)
        "DELETE FROM conversations WHERE updated_at < ? AND conversation_id NOT IN "
        "(SELECT conversation_id FROM handoffs WHERE status != 'closed')",
        "DELETE FROM console_logins WHERE expires_at < ?",
        "DELETE FROM console_sessions WHERE expires_at < ?",
        "DELETE FROM inbox WHERE handled_at IS NOT NULL AND handled_at < ?",
        # accounts nobody needs any more (an erased parent whose farewell never went out)
        "DELETE FROM channel_accounts WHERE created_at < ? "
        "AND address NOT IN (SELECT conversation_id FROM conversations) "
        "AND address NOT IN (SELECT address FROM volunteers WHERE address IS NOT NULL) "
        "AND address NOT IN (SELECT address FROM outbox) "
        "AND address NOT IN (SELECT address FROM inbox WHERE handled_at IS NULL)",
    ):
        deleted += db.execute(sql, [cutoff]).rowcount
    return deleted


class Store:
    """Conversations, transcripts and events in one SQLite database, over one connection."""

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout_ms: int = 1000,
        busy_retries: int = 3,
        retry_backoff_s: float = 0.05,
    ) -> None:
        """Open (or create) the database, set the pragmas and run pending migrations."""
        self._memory = str(path) == ":memory:"
        self._retries = max(1, busy_retries)
        self._backoff = retry_backoff_s
        self._db = Database(str(path) if self._memory else Path(path), execute_plugins=False)
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms):d}")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA secure_delete = ON")
            if not self._memory:
                self._retry(self._db.enable_wal)
            self.schema_version = self._retry(lambda: migrate(self._db))
        except BaseException:
            self._db.close()
            raise

    def _retry(self, work: Callable[[], T]) -> T:
        """Run `work`, retrying with backoff while the database is locked; then StorageBusy."""
        for attempt in range(1, self._retries + 1):
            try:
                return work()
            except sqlite3.OperationalError as exc:
                if not is_busy(exc):
                    raise
                if attempt == self._retries:
                    log.warning("storage busy: giving up after %d attempts", attempt)
                    raise StorageBusy("the database is locked; try again shortly") from exc
                log.info("storage busy: retrying (attempt %d of %d)", attempt, self._retries)
                time.sleep(self._backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def _write(self, work: Callable[[], T]) -> T:
        """Run `work` in one write transaction, all or nothing, with busy retries."""

        def attempt() -> T:
            with write_transaction(self._db):
                return work()

        return self._retry(attempt)

    def load(self, conversation_id: str) -> ConversationState | None:
        """The stored state of a conversation, or None if there is none."""
        rows = self._retry(
            lambda: list(
                self._db.table("conversations").rows_where(
                    "conversation_id = ?", [conversation_id], limit=1
                )
            )
        )
        return _state_from_row(rows[0]) if rows else None

    def commit_turn(
        self,
        state: ConversationState,
        lines: Sequence[TranscriptLine],
        events: Sequence[Event],
        extra: Extra = None,
    ) -> None:
        """Store a turn atomically: upsert the state, append transcript lines and events."""
        self.commit_turns([(state, lines, events, extra)])

    def commit_turns(self, turns: Sequence[Turn]) -> None:
        """Store several turns in ONE transaction (group commit): all of them or none."""
        rows = [(_turn_rows(state, lines, events), extra) for state, lines, events, extra in turns]

        def work() -> None:
            for turn_rows, extra in rows:
                _write_rows(self._db, *turn_rows)
                if extra is not None:
                    extra(self._db)

        self._write(work)

    def transaction(self, work: Callable[[Database], T]) -> T:
        """Run `work(db)` in one write transaction (all or nothing), retried while locked.

        The handoff desk uses this to read, decide and write in one atomic step.
        """
        return self._write(lambda: work(self._db))

    def read(self, work: Callable[[Database], T]) -> T:
        """Run `work(db)` outside a write transaction, retried while locked."""
        return self._retry(lambda: work(self._db))

    def transcript(self, conversation_id: str) -> list[TranscriptLine]:
        """All kept lines of a conversation, in the order they were stored."""
        rows = self._retry(
            lambda: list(
                self._db.table("transcript").rows_where(
                    "conversation_id = ?", [conversation_id], order_by="id"
                )
            )
        )
        return [
            TranscriptLine(
                row["conversation_id"],
                from_text(row["at"]),
                cast(Direction, row["direction"]),
                row["text"],
            )
            for row in rows
        ]

    def events(self) -> list[Event]:
        """All anonymous events, oldest first."""
        return self._retry(lambda: events_between(self._db, None, None))

    def purge_transcripts(self, older_than: datetime) -> int:
        """Delete transcript lines from before `older_than` (retention); return how many."""
        require_aware("older_than", older_than)
        cutoff = to_text(older_than)
        deleted = self._write(lambda: _purge_text(self._db, cutoff))
        if deleted:
            self._checkpoint()
        return deleted

    def forget(self, conversation_id: str) -> None:
        """Delete a conversation, its transcript, its handoffs and the link to the platform
        account (a parent's own request). A volunteer's pointer to a deleted handoff simply
        stops matching anything: ids are never reused."""

        def work() -> None:
            erase_conversation(self._db, conversation_id)
            self._db.execute("DELETE FROM outbox WHERE address = ?", [conversation_id])
            self._db.execute("DELETE FROM channel_accounts WHERE address = ?", [conversation_id])

        self._write(work)
        self._checkpoint()

    def checkpoint(self) -> None:
        """Fold the WAL into the file, so text deleted in a transaction is gone from disk too."""
        self._checkpoint()

    def _checkpoint(self) -> None:
        """Best effort: fold the WAL into the file and truncate it, so deleted text is gone."""
        if self._memory:
            return
        try:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise

    def close(self) -> None:
        """Close the connection; the store cannot be used afterwards."""
        self._db.close()
