"""Storing a turn's questions for the coordinators' review: scrubbed of personal data first,
inside the turn's transaction, so a review item exists exactly when its turn does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.session import ReviewNote, Session
from bot.storage.contract import Tx

Scrub = Callable[[str], str]


def shipped_scrub(text: str) -> str:
    """The Dutch PII scrubber (bot.privacy), imported and loaded on first use so commands
    that never store a review question start fast."""
    from bot.privacy import default_scrubber

    return default_scrubber().scrub(text)


@dataclass(frozen=True)
class ReviewWrite:
    """A turn's review work, taken from the session once: it may be written twice (a failed
    group commit is retried turn by turn), so it holds no state that writing changes."""

    conversation_id: str
    notes: tuple[ReviewNote, ...]
    took_suggestion: bool
    now: datetime
    scrub: Scrub

    @classmethod
    def of(cls, session: Session, scrub: Scrub) -> ReviewWrite | None:
        """The session's review work (None when there is none), leaving the session empty."""
        if not session.review and not session.took_suggestion:
            return None
        notes = tuple(  # scrubbed here, before anything is stored
            replace(n, text=scrub(n.text)) if n.text is not None else n for n in session.review
        )
        found = cls(
            session.conversation_id,
            notes,
            session.took_suggestion,
            session.now,
            scrub,
        )
        session.review.clear()
        session.took_suggestion = False
        return found

    def __call__(self, tx: Tx) -> None:
        """Withdraw a taken suggestion's item, then add each note scrubbed."""
        cid = self.conversation_id
        if self.took_suggestion:
            tx.review.withdraw_suggestion(cid)
        for note in self.notes:
            text = note.text
            if text is None and note.question_at is not None:
                text = tx.review.question_at(cid, note.question_at)
            if text and text.strip():
                scrubbed = text if note.text is not None else self.scrub(text)
                tx.review.add_item(cid, note.kind, scrubbed, note.entry, self.now)
