"""A volunteer blocks a parent: the case closes, the parent hears a neutral text (no blame,
where to go in an emergency), and no new handoff is possible until the block ends or a
coordinator lifts it. The crisis check still runs first on every message (engine): a blocked
parent in crisis gets the help, and may then ask for a person once (urgent routing).
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.flood import AbuseSettings
from bot.core.handoff_notices import Notices
from bot.core.safety import CRISIS_CATEGORIES
from bot.core.session import Session
from bot.core.texts import Texts
from bot.core.volunteer_reply import Reply
from bot.storage.contract import Block, Tx
from handoff import routing
from handoff.model import Handoff, Volunteer

MAX_REASON = 300  # characters of a volunteer's reason that are kept
OUTCOME = "blocked"  # the closed handoff's outcome


class ParentBlocks:
    """Placing a block (volunteer side) and what a blocked parent hears (parent side)."""

    def __init__(self, texts: Texts, notices: Notices, settings: AbuseSettings) -> None:
        self.texts = texts
        self.notices = notices
        self.settings = settings

    def block(self, tx: Tx, v: Volunteer, handoff: Handoff, reason: str, out: Reply) -> None:
        """Block the parent of the volunteer's own live `handoff` with a reason: close it,
        tell the parent neutrally, tell the volunteer and the coordinators."""
        t, now = self.texts, out.now
        reason = " ".join(reason.split())[:MAX_REASON]
        if not reason:
            out.say(t.tell("block_reason_missing"))
            return
        until = now + timedelta(days=self.settings.block_days)
        placed = tx.blocks.place(handoff.conversation_id, reason, v.id, now, until)
        tx.queue.close(handoff.id, OUTCOME, now)
        out.event("abuse", outcome="blocked", about=handoff, volunteer=v.id)
        closed = tx.queue.get(handoff.id)
        assert closed is not None
        self.notices.to_parent(tx, closed, t.say("blocked_parent"), now)
        days = str(self.settings.block_days)
        label = self.notices.label(handoff)  # `block`: the label coordinators see, for both
        out.say(t.tell("blocked", label=label, block=placed.label, days=days))
        text = t.tell("blocked_coordinator", name=v.name, block=placed.label, reason=reason)
        for coordinator in routing.coordinators(tx.registry.reachable()):
            if coordinator.id != v.id:
                self.notices.to_volunteer(tx, coordinator, text, now)

    def holds(
        self,
        block: Block | None,
        latest: Handoff | None,
        session: Session,
        category: str | None,
    ) -> Block | None:
        """The block if it is in force for this turn, else None (an expired one does nothing).
        A blocked parent's closed case is left; a crisis lets them ask for a person once (an
        unused allowance ends with the block, so it never opens a later one)."""
        if block is None or not block.in_force(session.now):
            session.data.block_crisis = False
            return None
        if not (latest is not None and latest.is_open):
            session.state = "menu" if session.state == "handoff" else session.state
            session.data.handoff = None
        if category in CRISIS_CATEGORIES:
            session.data.block_crisis = True
        return block

    def tell(self, session: Session, block: Block, category: str | None) -> None:
        """The neutral text, at most once per `blocked_notice_hours` (placing the block told
        them first); otherwise the message is only stored. Distress always gets warm words
        and 113 (suicide and harm got their full help before the block was looked at)."""
        if category == "distress":
            session.note_triage(category)
            session.event("distress")
            session.reply(self.texts.say("blocked_distress"))
        told = session.data.blocked_told
        last = max(told, block.created_at) if told is not None else block.created_at
        if session.now - last >= timedelta(hours=self.settings.blocked_notice_hours):
            session.data.blocked_told = session.now
            session.reply(self.texts.say("blocked_parent"))

    def after_request(self, tx: Tx, session: Session, block: Block) -> None:
        """A blocked parent in crisis asked for a person: the request is open (urgent), with
        a note for whoever takes it; a next request needs a new crisis message."""
        session.data.block_crisis = False
        if session.data.handoff is None:
            return
        note = self.texts.tell("block_note", reason=block.reason)
        tx.queue.add_message(session.data.handoff, "note", note, session.now, block.volunteer_id)
