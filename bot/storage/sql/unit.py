"""`SqlTx`: the unit of work both SQL backends hand to the core, one per transaction."""

from __future__ import annotations

from functools import cached_property

from bot.storage.sql.accounts import SqlAccounts
from bot.storage.sql.blocks import SqlBlocks
from bot.storage.sql.conversations import SqlConversations, SqlTranscripts
from bot.storage.sql.events import SqlEvents
from bot.storage.sql.executor import Sql
from bot.storage.sql.inbox import SqlInbox
from bot.storage.sql.meta import SqlMeta
from bot.storage.sql.outbox import SqlOutbox
from bot.storage.sql.queue import SqlQueue
from bot.storage.sql.registry import SqlRegistry
from bot.storage.sql.review import SqlReview
from bot.storage.sql.web import SqlWeb


class SqlTx:
    """One open transaction with every repository over it; repositories are made on first use
    (a turn touches three or four of them)."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def lock(self, key: str) -> None:
        """Hold a lock named `key` until this transaction ends (see `Sql.lock`)."""
        self.sql.lock(key)

    @cached_property
    def conversations(self) -> SqlConversations:
        return SqlConversations(self.sql)

    @cached_property
    def transcripts(self) -> SqlTranscripts:
        return SqlTranscripts(self.sql)

    @cached_property
    def events(self) -> SqlEvents:
        return SqlEvents(self.sql)

    @cached_property
    def queue(self) -> SqlQueue:
        return SqlQueue(self.sql)

    @cached_property
    def registry(self) -> SqlRegistry:
        return SqlRegistry(self.sql)

    @cached_property
    def outbox(self) -> SqlOutbox:
        return SqlOutbox(self.sql)

    @cached_property
    def inbox(self) -> SqlInbox:
        return SqlInbox(self.sql)

    @cached_property
    def accounts(self) -> SqlAccounts:
        return SqlAccounts(self.sql)

    @cached_property
    def web(self) -> SqlWeb:
        return SqlWeb(self.sql)

    @cached_property
    def review(self) -> SqlReview:
        return SqlReview(self.sql)

    @cached_property
    def meta(self) -> SqlMeta:
        return SqlMeta(self.sql)

    @cached_property
    def blocks(self) -> SqlBlocks:
        return SqlBlocks(self.sql)
