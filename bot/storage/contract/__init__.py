"""The storage contract: what the core may ask of a database, as typed Protocols.

The core (`bot/core`, `bot/review`, `bot/stats`, channels) receives a `Tx`, one unit of work =
one transaction, and reaches every table through its repositories (`tx.queue.claim(...)`).
Two backends implement it with the same SQL (`bot/storage/sql/`): SQLite (`bot/storage/sqlite/`,
the embedded default) and PostgreSQL (`bot/storage/postgres/`, for several instances). Nothing
outside `bot/storage` writes SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from bot.storage.contract.blocks import Block, Blocks
from bot.storage.contract.conversations import Conversations, Events, Meta, Review, Transcripts
from bot.storage.contract.delivery import Accounts, Inbox, Outbox, WebLog
from bot.storage.contract.handoffs import Queue, Registry
from bot.storage.model import ConversationState, Event, TranscriptLine

T = TypeVar("T")

__all__ = [
    "Accounts",
    "Block",
    "Blocks",
    "Conversations",
    "Events",
    "Inbox",
    "Meta",
    "Outbox",
    "Queue",
    "Registry",
    "Review",
    "Transcripts",
    "Tx",
    "WebLog",
    "Work",
    "write_turn",
]


class Tx(Protocol):
    """One unit of work: every repository over ONE transaction, all committed or none."""

    @property
    def conversations(self) -> Conversations: ...
    @property
    def transcripts(self) -> Transcripts: ...
    @property
    def events(self) -> Events: ...
    @property
    def queue(self) -> Queue: ...
    @property
    def registry(self) -> Registry: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def inbox(self) -> Inbox: ...
    @property
    def accounts(self) -> Accounts: ...
    @property
    def web(self) -> WebLog: ...
    @property
    def review(self) -> Review: ...
    @property
    def meta(self) -> Meta: ...
    @property
    def blocks(self) -> Blocks: ...

    def lock(self, key: str) -> None:
        """Hold an exclusive lock named `key` until the transaction ends: one conversation's
        turns never run side by side on two instances (a no-op on SQLite's single writer)."""
        ...


Work = Callable[[Tx], T]


def write_turn(
    tx: Tx,
    state: ConversationState,
    lines: Sequence[TranscriptLine],
    events: Sequence[Event],
) -> None:
    """Store one turn inside the caller's transaction: state, transcript lines, events."""
    tx.conversations.save(state)
    tx.transcripts.append(lines)
    tx.events.record(events)
