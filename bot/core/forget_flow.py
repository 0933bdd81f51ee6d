"""`/vergeet`: the parent is asked first, then everything about them is erased in one
transaction: state, transcript, handoffs, inbox keys and every waiting message to them or
carrying their words. A volunteer in an open conversation hears only that it ended."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.core.buttons import Forget
from bot.core.messages import Button, Inbound, Outbound
from bot.core.parent_flow import ParentFlow
from bot.core.parent_relay import ParentRelay
from bot.core.reply_route import ReplyRoute
from bot.core.session import Session
from bot.core.texts import Texts
from bot.core.turn_writer import TurnWriter
from bot.storage.contract import Tx
from handoff.model import Handoff

log = logging.getLogger(__name__)
FORGET_YES = Forget(yes=True).id
FORGET_NO = Forget(yes=False).id


class ForgetFlow:
    """Asks, keeps or erases; the engine decides when (after the safety gate)."""

    def __init__(
        self, texts: Texts, relay: ParentRelay, parents: ParentFlow, writer: TurnWriter
    ) -> None:
        self.texts = texts
        self.relay = relay
        self.parents = parents
        self.writer = writer

    async def ask(self, session: Session, route: ReplyRoute) -> list[Outbound]:
        """`/vergeet` asks first: erasing everything cannot be undone."""
        t = self.texts
        buttons = [
            Button(FORGET_YES, t.button("forget_yes")),
            Button(FORGET_NO, t.button("forget_no")),
        ]
        session.reply(t.say("forget_confirm"), buttons)
        return await self.writer.commit(session, None, route)

    @staticmethod
    def choice(session: Session, inbound: Inbound) -> bool | None:
        """True or False when the parent answers the forget question (a press, or its label
        typed in full; never a bare number), None otherwise."""
        shown = {b.id: b.label for b in session.shown}
        if FORGET_YES not in shown:
            return None
        choice = inbound.choice
        if choice is None:
            typed = (inbound.text or "").strip().lower()
            choice = next((i for i, label in shown.items() if label.lower() == typed), None)
        if choice not in (FORGET_YES, FORGET_NO):
            return None
        return choice == FORGET_YES

    async def keep(self, session: Session, route: ReplyRoute) -> list[Outbound]:
        """The parent chose not to erase: say so, then where they were."""
        session.data.shown = ()
        session.reply(self.texts.say("forget_kept"))
        if session.state != "handoff":
            self.parents.show_current(session)
        return await self.writer.commit(session, None, route)

    async def forget(
        self,
        session: Session,
        latest: Handoff | None,
        route: ReplyRoute,
        on_forgotten: Callable[[str], None],
    ) -> list[Outbound]:
        """Erase the parent in one transaction. Through the outbox the farewell is the last
        message, and the channel forgets the account once it is out; a caller that delivers
        replies itself gets the account dropped now (and `on_forgotten`)."""
        cid = session.conversation_id
        farewell = Outbound(cid, self.texts.say("forgotten"), farewell=route.durable)

        def work(tx: Tx) -> None:
            if latest is not None and latest.is_open:
                self.relay.leave(tx, session, latest.id)  # the volunteer hears it ended
            tx.outbox.drop_about(cid)  # to the parent, or carrying their words to anyone
            tx.conversations.erase(cid)
            if not route.durable:
                tx.accounts.drop(cid)
            route.write(tx, [farewell], session.now)
            tx.inbox.forget_keys(cid)  # this very message's key too, now it is handled

        await self.writer.transaction(work)
        await self.writer.store.checkpoint()
        if not route.durable:
            on_forgotten(cid)
        log.info("conversation forgotten on request")
        return [farewell]
