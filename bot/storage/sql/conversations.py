"""Conversation state and transcript lines in SQL: the hot path of every turn."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from bot.storage.model import ConversationState, Direction, Event, TranscriptLine
from bot.storage.records import StaleTurn
from bot.storage.sql.executor import Sql
from bot.storage.times import from_text, to_text

_UPSERT_STATE = (
    "INSERT INTO conversations (conversation_id, channel, state, node, path, crisis, data, "
    "created_at, updated_at, version) VALUES (:conversation_id, :channel, :state, :node, :path, "
    ":crisis, :data, :created_at, :updated_at, 1) ON CONFLICT (conversation_id) DO UPDATE "
    "SET channel = excluded.channel, state = excluded.state, node = excluded.node, "
    "path = excluded.path, crisis = excluded.crisis, data = excluded.data, "
    "updated_at = excluded.updated_at, version = conversations.version + 1"
)
_INSERT_LINE = (
    "INSERT INTO transcript (conversation_id, at, direction, text) "
    "VALUES (:conversation_id, :at, :direction, :text)"
)


def state_row(state: ConversationState) -> dict[str, Any]:
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


def line_rows(lines: Sequence[TranscriptLine]) -> list[dict[str, Any]]:
    """Transcript rows for a turn's lines."""
    return [
        {
            "conversation_id": line.conversation_id,
            "at": to_text(line.at),
            "direction": line.direction,
            "text": line.text,
        }
        for line in lines
    ]


def state_from_row(row: dict[str, Any]) -> ConversationState:
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
        version=row.get("version") or 0,
    )


class SqlConversations:
    """Conversation states in SQL; one instance per transaction."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def load(self, conversation_id: str) -> ConversationState | None:
        """The stored state of a conversation, or None."""
        rows = self.sql.rows(
            "SELECT * FROM conversations WHERE conversation_id = ?", [conversation_id]
        )
        return state_from_row(rows[0]) if rows else None

    def save(self, state: ConversationState) -> None:
        """Insert or update a conversation's state; its version grows by one."""
        self.sql.execute(_UPSERT_STATE, state_row(state))

    def expect(self, conversation_id: str, version: int) -> None:
        """Raise StaleTurn unless the conversation is still at `version` (0: not stored): a
        turn computed from what it read is only stored if nobody changed it meanwhile."""
        row = self.sql.execute(
            "SELECT version FROM conversations WHERE conversation_id = ?", [conversation_id]
        ).fetchone()
        if (0 if row is None else int(row[0])) != version:
            raise StaleTurn("the conversation changed since this turn read it")

    def drop(self, conversation_id: str) -> None:
        """Delete a conversation's state and transcript."""
        self.sql.execute("DELETE FROM transcript WHERE conversation_id = ?", [conversation_id])
        self.sql.execute("DELETE FROM conversations WHERE conversation_id = ?", [conversation_id])

    def erase(self, conversation_id: str) -> None:
        """Delete a parent's conversation, transcript and handoffs with their messages, their
        web log and review items, and unlink their handled inbox keys (the outbox is the
        caller's)."""
        handoffs = "SELECT id FROM handoffs WHERE conversation_id = ?"
        for table in ("handoff_messages", "handoff_told"):
            self.sql.execute(
                f"DELETE FROM {table} WHERE handoff_id IN ({handoffs})", [conversation_id]
            )
        self.sql.execute("DELETE FROM handoffs WHERE conversation_id = ?", [conversation_id])
        self.sql.execute(  # handled keys stay (a redelivery counts once) but say nobody's
            "UPDATE inbox SET address = '' WHERE address = ? AND handled_at IS NOT NULL",
            [conversation_id],
        )
        self.sql.execute(  # what the web chat showed them, and their words on a console
            "DELETE FROM web_messages WHERE address = ? OR about = ?", [conversation_id] * 2
        )
        self.sql.execute("DELETE FROM review_items WHERE conversation_id = ?", [conversation_id])
        self.drop(conversation_id)


class SqlTranscripts:
    """Transcript lines in SQL; kept only for the retention period."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def append(self, lines: Sequence[TranscriptLine]) -> None:
        """Append transcript lines."""
        if lines:
            self.sql.executemany(_INSERT_LINE, line_rows(lines))

    def lines(self, conversation_id: str) -> list[TranscriptLine]:
        """All kept lines of a conversation, in the order they were stored."""
        rows = self.sql.execute(
            "SELECT conversation_id, at, direction, text FROM transcript "
            "WHERE conversation_id = ? ORDER BY id",
            [conversation_id],
        ).fetchall()
        return [TranscriptLine(r[0], from_text(r[1]), cast(Direction, r[2]), r[3]) for r in rows]

    def recent_inbound(
        self, conversation_id: str, since: datetime, limit: int = 50
    ) -> list[tuple[datetime, str]]:
        """What the parent typed since `since`, newest first."""
        rows = self.sql.execute(
            "SELECT at, text FROM transcript WHERE conversation_id = ? AND direction = 'in' "
            "AND at >= ? ORDER BY id DESC LIMIT ?",
            [conversation_id, to_text(since), limit],
        ).fetchall()
        return [(from_text(at), text) for at, text in rows]


def write_turn(
    sql: Sql,
    state: ConversationState,
    lines: Sequence[TranscriptLine],
    events: Sequence[Event],
) -> None:
    """Store one turn inside the caller's transaction."""
    from bot.storage.sql.events import SqlEvents

    SqlConversations(sql).save(state)
    SqlTranscripts(sql).append(lines)
    SqlEvents(sql).record(events)
