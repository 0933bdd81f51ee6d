"""Storing a turn: the conversation's state, transcript lines, events and (through the reply
route) the inbox mark and the outbox rows, all in one transaction; then the courier wakes."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TypeVar

from bot.core.messages import Outbound
from bot.core.reply_route import ReplyRoute
from bot.core.review_notes import ReviewWrite, Scrub
from bot.core.session import Session
from bot.core.texts import Texts
from bot.storage import AsyncStore, StorageBusy, TranscriptLine
from bot.storage.contract import Tx, write_turn

log = logging.getLogger(__name__)
T = TypeVar("T")


class TurnWriter:
    """Writes turns for the engine; `wake` tells the courier something is in the outbox."""

    def __init__(
        self, store: AsyncStore, texts: Texts, wake: Callable[[], None], scrub: Scrub
    ) -> None:
        self.store = store
        self.texts = texts
        self.wake = wake
        self.scrub = scrub  # personal data out of review questions before they are stored

    async def transaction(self, work: Callable[[Tx], T]) -> T:
        """Run `work` atomically on the storage thread, then wake the courier."""
        result = await self.store.transaction(work)
        self.wake()
        return result

    async def with_work(
        self,
        session: Session,
        inbound_text: str | None,
        work: Callable[[Tx], None],
        route: ReplyRoute,
    ) -> list[Outbound]:
        """Queue work and the parent's turn in ONE transaction: both happen or neither."""

        taken: list[ReviewWrite | None] = []  # once: a retried transaction writes the same
        said = (len(session.replies), len(session.events), len(session.review))

        def run(tx: Tx) -> list[Outbound]:
            claim(tx, session)
            # a retried attempt starts from the session as it was: work says things again
            del session.replies[said[0] :], session.events[said[1] :], session.review[said[2] :]
            work(tx)  # may add review notes (a parent's question during or after a handoff)
            if not taken:
                taken.append(ReviewWrite.of(session, self.scrub))
            review = taken[0]
            write_turn(tx, session.to_state(), lines(session, inbound_text), session.statistics())
            if review is not None:
                review(tx)
            route.write(tx, session.replies, session.now)
            return session.replies

        return await self.transaction(run)

    async def commit(
        self, session: Session, inbound_text: str | None, route: ReplyRoute
    ) -> list[Outbound]:
        """Store a turn without queue work (group commit: many parents, one transaction)."""
        replies = list(session.replies)
        review = ReviewWrite.of(session, self.scrub)
        deliver = functools.partial(route.write, replies=replies, now=session.now)

        def extra(tx: Tx) -> None:
            claim(tx, session)
            if review is not None:
                review(tx)
            deliver(tx)

        try:
            await self.store.commit_turn(
                session.to_state(), lines(session, inbound_text), session.statistics(), extra
            )
        except StorageBusy:
            if route.durable:
                raise
            log.warning("storage busy; turn not stored")
            return [Outbound(session.conversation_id, self.texts.say("busy"))]
        if route.durable:
            self.wake()
        return replies


def claim(tx: Tx, session: Session) -> None:
    """First in a turn's transaction: hold the conversation (a second instance waits), and
    refuse a turn computed from a state someone changed meanwhile (StaleTurn: redo it)."""
    tx.lock(f"conversation:{session.conversation_id}")
    tx.conversations.expect(session.conversation_id, session.read_version)


def lines(session: Session, inbound_text: str | None) -> list[TranscriptLine]:
    """The turn's transcript: what the parent wrote, then each reply."""
    cid, now = session.conversation_id, session.now
    found = [TranscriptLine(cid, now, "in", inbound_text)] if inbound_text else []
    return found + [TranscriptLine(cid, now, "out", r.text) for r in session.replies]
