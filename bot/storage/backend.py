"""What a synchronous backend offers (SQLite, PostgreSQL) and the operations both share.

A backend runs `work(tx)` in one transaction with retries; everything else (turns, transcripts,
retention, a parent's erasure) is written once here in terms of that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from bot.storage.contract import Tx
from bot.storage.model import ConversationState, Event, TranscriptLine, require_aware
from bot.storage.sql.conversations import write_turn
from bot.storage.sql.executor import Dialect, Sql
from bot.storage.sql.retention import forget, purge_text
from bot.storage.sql.unit import SqlTx
from bot.storage.times import to_text

T = TypeVar("T")

# A turn to store: state, transcript lines, events, and work of the caller's own that must
# commit with it (the inbox mark and the replies in the outbox), or None.
Extra = Callable[[Tx], None] | None
Turn = tuple[ConversationState, Sequence[TranscriptLine], Sequence[Event], Extra]


class Backend(Protocol):
    """A database the AsyncStore can drive from worker threads."""

    schema_version: int
    dialect: Dialect
    threads: int  # how many worker threads may use it at once (SQLite: 1)

    def transaction(self, work: Callable[[Tx], T]) -> T: ...
    def read(self, work: Callable[[Tx], T]) -> T: ...
    def commit_turns(self, turns: Sequence[Turn]) -> None: ...
    def load(self, conversation_id: str) -> ConversationState | None: ...
    def transcript(self, conversation_id: str) -> list[TranscriptLine]: ...
    def events(self) -> list[Event]: ...
    def purge_transcripts(self, older_than: datetime) -> int: ...
    def forget(self, conversation_id: str) -> None: ...
    def checkpoint(self) -> None: ...
    def close(self) -> None: ...


class SharedOperations:
    """Turns, reads, retention and erasure over `_in_transaction` / `_in_read` of a subclass."""

    def _in_transaction(self, work: Callable[[Sql], T]) -> T:
        raise NotImplementedError

    def _in_read(self, work: Callable[[Sql], T]) -> T:
        raise NotImplementedError

    def _after_delete(self) -> None:
        """Called after text was deleted (SQLite folds its WAL so the text is gone from disk)."""

    def transaction(self, work: Callable[[Tx], T]) -> T:
        """Run `work(tx)` in one write transaction (all or nothing), retried while busy.

        The handoff desk uses this to read, decide and write in one atomic step.
        """
        return self._in_transaction(lambda sql: work(SqlTx(sql)))

    def read(self, work: Callable[[Tx], T]) -> T:
        """Run `work(tx)` outside a write transaction, retried while busy."""
        return self._in_read(lambda sql: work(SqlTx(sql)))

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

        def work(sql: Sql) -> None:
            tx = SqlTx(sql)
            for state, lines, events, extra in turns:
                if extra is not None:  # first: it may hold the conversation or refuse the turn
                    extra(tx)
                write_turn(sql, state, lines, events)

        self._in_transaction(work)

    def load(self, conversation_id: str) -> ConversationState | None:
        """The stored state of a conversation, or None if there is none."""
        return self.read(lambda tx: tx.conversations.load(conversation_id))

    def transcript(self, conversation_id: str) -> list[TranscriptLine]:
        """All kept lines of a conversation, in the order they were stored."""
        return self.read(lambda tx: tx.transcripts.lines(conversation_id))

    def events(self) -> list[Event]:
        """All anonymous events, oldest first."""
        return self.read(lambda tx: tx.events.between(None, None))

    def purge_transcripts(self, older_than: datetime) -> int:
        """Delete message text from before `older_than` (retention); return how many rows."""
        require_aware("older_than", older_than)
        cutoff = to_text(older_than)
        deleted = self._in_transaction(lambda sql: purge_text(sql, cutoff))
        if deleted:
            self._after_delete()
        return deleted

    def forget(self, conversation_id: str) -> None:
        """Delete a conversation, its transcript, its handoffs and the link to the platform
        account (a parent's own request). A volunteer's pointer to a deleted handoff simply
        stops matching anything: ids are never reused."""
        self._in_transaction(lambda sql: forget(sql, conversation_id))
        self._after_delete()

    def checkpoint(self) -> None:
        """Make deleted text gone from disk too, where the backend needs a step for that."""
        self._after_delete()
