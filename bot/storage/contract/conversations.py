"""The contract for conversations, transcripts, events, review items and settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.storage.model import ConversationState, Event, TranscriptLine
from bot.storage.records import AuditEntry, ReviewItem


class Conversations(Protocol):
    """Conversation states."""

    def load(self, conversation_id: str) -> ConversationState | None:
        """The stored state of a conversation, or None."""
        ...

    def save(self, state: ConversationState) -> None:
        """Insert or update a conversation's state; its version grows by one."""
        ...

    def expect(self, conversation_id: str, version: int) -> None:
        """Raise StaleTurn unless the conversation is still at `version` (0: not stored): a
        turn computed from what it read is only stored if nobody changed it meanwhile."""
        ...

    def drop(self, conversation_id: str) -> None:
        """Delete a conversation's state and transcript."""
        ...

    def erase(self, conversation_id: str) -> None:
        """Delete a parent's conversation, transcript and handoffs with their messages, their
        web log and review items, and unlink their handled inbox keys (the outbox is the
        caller's)."""
        ...


class Transcripts(Protocol):
    """Transcript lines."""

    def append(self, lines: Sequence[TranscriptLine]) -> None:
        """Append transcript lines."""
        ...

    def lines(self, conversation_id: str) -> list[TranscriptLine]:
        """All kept lines of a conversation, in the order they were stored."""
        ...

    def recent_inbound(
        self, conversation_id: str, since: datetime, limit: int = 50
    ) -> list[tuple[datetime, str]]:
        """What the parent typed since `since`, newest first."""
        ...


class Events(Protocol):
    """Anonymous event counts."""

    def record(self, events: Sequence[Event]) -> None:
        """Count anonymous events inside the caller's transaction."""
        ...

    def counts(self, first_hour: str, last_hour: str) -> list[tuple[Event, int]]:
        """Each distinct event of [first_hour, last_hour] with how often it happened: a report's
        cost grows with the variety of what happened, not with how often it happened."""
        ...

    def between(self, first_hour: str | None, last_hour: str | None) -> list[Event]:
        """Every event (repeated as often as it happened) by hour bucket; order within an hour is
        not kept, on purpose."""
        ...

    def volunteer_names(self) -> dict[int, str]:
        """Names of the volunteers the events may mention (removed ones simply are not there)."""
        ...


class Review(Protocol):
    """Review items and the audit log."""

    def add_item(
        self, conversation_id: str, kind: str, text: str, entry: str | None, now: datetime
    ) -> int:
        """Store a scrubbed question for review; returns its id."""
        ...

    def open_items(self) -> list[ReviewItem]:
        """Every item still waiting for a coordinator, oldest first."""
        ...

    def any_open(self, ids: list[int]) -> bool:
        """Whether any of these items still waits for a coordinator."""
        ...

    def settle(self, ids: list[int], status: str, now: datetime) -> int:
        """Mark open items 'added' or 'handled'; returns how many changed."""
        ...

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
        ...

    def audit_log(self, limit: int = 50) -> list[AuditEntry]:
        """The most recent audit entries, newest first."""
        ...

    def withdraw_suggestion(self, conversation_id: str) -> None:
        """The parent took a suggestion after all: their latest open suggestions item goes."""
        ...

    def question_at(self, conversation_id: str, at: str) -> str | None:
        """The parent's words stored at `at`, while the transcript still keeps them (retention)."""
        ...


class Meta(Protocol):
    """The `meta` table."""

    def secret(self, key: str) -> str:
        """A random secret kept under `key`, created on first use (pseudonym keys); two
        instances starting together agree on one value."""
        ...
