"""SQL of the coordinators' review: scrubbed questions the bot could not answer (erased with
their conversation and by retention) and the audit log of what coordinators changed."""

from __future__ import annotations

from datetime import datetime

from bot.storage.records import AuditEntry, ReviewItem
from bot.storage.sql.executor import Sql
from bot.storage.times import from_text, to_text

REVIEW_KINDS = ("no_match", "suggestions", "not_helped")


def _item(row: dict[str, object]) -> ReviewItem:
    return ReviewItem(
        int(str(row["id"])),
        str(row["kind"]),
        str(row["text"]),
        str(row["entry"]) if row["entry"] is not None else None,
        str(row["status"]),
        from_text(str(row["created_at"])),
    )


class SqlReview:
    """Review items and the audit log in SQL; one instance per transaction."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def add_item(
        self, conversation_id: str, kind: str, text: str, entry: str | None, now: datetime
    ) -> int:
        """Store a scrubbed question for review; returns its id."""
        if kind not in REVIEW_KINDS:
            raise ValueError(f"unknown review kind {kind!r}")
        cursor = self.sql.execute(
            "INSERT INTO review_items (conversation_id, kind, text, entry, created_at) "
            "VALUES (?, ?, ?, ?, ?) RETURNING id",
            [conversation_id, kind, text, entry, to_text(now)],
        )
        return int(cursor.fetchone()[0])

    def open_items(self) -> list[ReviewItem]:
        """Every item still waiting for a coordinator, oldest first."""
        rows = self.sql.rows("SELECT * FROM review_items WHERE status = 'open' ORDER BY id")
        return [_item(row) for row in rows]

    def any_open(self, ids: list[int]) -> bool:
        """Whether any of these items still waits for a coordinator."""
        marks = ", ".join("?" * len(ids))
        sql = f"SELECT 1 FROM review_items WHERE status = 'open' AND id IN ({marks}) LIMIT 1"
        return self.sql.execute(sql, ids).fetchone() is not None

    def settle(self, ids: list[int], status: str, now: datetime) -> int:
        """Mark open items 'added' or 'handled'; returns how many changed."""
        if status not in ("added", "handled") or not ids:
            return 0
        marks = ", ".join("?" * len(ids))
        return self.sql.execute(
            f"UPDATE review_items SET status = ?, handled_at = ? WHERE status = 'open' "
            f"AND id IN ({marks})",
            [status, to_text(now), *ids],
        ).rowcount

    def audit(
        self,
        now: datetime,
        actor: int | None,
        actor_name: str,
        action: str,
        entry: str | None,
        detail: str = "",
    ) -> None:
        """Append to the audit log (kept: it names staff and content, never a parent)."""
        self.sql.execute(
            "INSERT INTO audit_log (at, actor, actor_name, action, entry, detail) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [to_text(now), actor, actor_name, action, entry, detail],
        )

    def audit_log(self, limit: int = 50) -> list[AuditEntry]:
        """The most recent audit entries, newest first."""
        rows = self.sql.rows("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", [limit])
        return [
            AuditEntry(from_text(r["at"]), r["actor_name"], r["action"], r["entry"], r["detail"])
            for r in rows
        ]

    def withdraw_suggestion(self, conversation_id: str) -> None:
        """The parent took a suggestion after all: their latest open suggestions item goes."""
        self.sql.execute(
            "DELETE FROM review_items WHERE id = (SELECT MAX(id) FROM review_items "
            "WHERE conversation_id = ? AND kind = 'suggestions' AND status = 'open')",
            [conversation_id],
        )

    def question_at(self, conversation_id: str, at: str) -> str | None:
        """The parent's words stored at `at`, while the transcript still keeps them (retention)."""
        row = self.sql.execute(
            "SELECT text FROM transcript WHERE conversation_id = ? AND direction = 'in' AND at = ? "
            "ORDER BY id DESC LIMIT 1",
            [conversation_id, at],
        ).fetchone()
        return str(row[0]) if row else None
