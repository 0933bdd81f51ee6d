"""The conversation engine: one inbound message in, addressed outbound messages out.

A message from a linked volunteer goes to the volunteer desk; a parent's message goes through
the parent flow (crisis check first), or, during a handoff, to the parent desk. Replies to the
sender are returned; messages for anyone else go to the outbox in the same transaction and a
courier delivers them. The engine imports no channel library; state lives in the store.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import NamedTuple, TypeVar

from sqlite_utils import Database

from bot.core.choices import MENU, split_command
from bot.core.faq_flow import FaqFlow, Helpline
from bot.core.handoff_notices import Notices
from bot.core.intents import Intents
from bot.core.keyed_locks import KeyedLocks
from bot.core.messages import Button, Inbound, Outbound
from bot.core.parent_desk import ParentDesk
from bot.core.parent_flow import ParentFlow
from bot.core.parent_relay import ParentRelay
from bot.core.person_flow import PersonFlow
from bot.core.queue_watch import QueueWatch
from bot.core.safety import CRISIS_CATEGORIES, CrisisCheck
from bot.core.session import Session
from bot.core.text_input import normalise
from bot.core.texts import Texts
from bot.core.tree_flow import TreeFlow
from bot.core.volunteer_desk import VolunteerDesk
from bot.storage import (
    AsyncStore,
    ConversationState,
    StorageBusy,
    TranscriptLine,
    drop_conversation,
    load_state,
    write_turn,
)
from faq.decision_tree import DecisionTree
from faq.knowledge import Knowledge
from handoff import queue, registry
from handoff.model import Handoff, Volunteer
from handoff.settings import HandoffSettings

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_LINK_ATTEMPTS = 5
FORGET_YES = MENU + "forget:yes"
FORGET_NO = MENU + "forget:no"


@dataclass(frozen=True)
class EngineSettings:
    helpline: Helpline = field(default_factory=Helpline)
    handoff: HandoffSettings = field(default_factory=HandoffSettings)
    max_message_chars: int = 4_000


def utc_now() -> datetime:
    return datetime.now(UTC)


class Context(NamedTuple):
    """What the engine reads before handling a message from one address."""

    state: ConversationState | None
    volunteer: Volunteer | None
    handoff: Handoff | None  # the conversation's latest handoff, open or closed
    helpers_there: bool = True  # an advisor or buddy is linked and available


def load_context(db: Database, address: str) -> Context:
    return Context(
        load_state(db, address),
        registry.at_address(db, address),
        queue.latest_for(db, address),
        registry.helpers_there(db),
    )


class Engine:
    """Channel-agnostic heart of the bot; safe to call concurrently for many conversations."""

    def __init__(
        self,
        knowledge: Knowledge,
        tree: DecisionTree,
        safety: CrisisCheck,
        texts: Texts,
        store: AsyncStore,
        settings: EngineSettings | None = None,
        clock: Callable[[], datetime] = utc_now,
        intents: Intents | None = None,
    ) -> None:
        self.settings = settings or EngineSettings()
        self.safety = safety
        self.texts = texts
        self.store = store
        self.clock = clock
        self.on_outbox: Callable[[], None] = lambda: None  # the courier sets this to wake up
        # A channel that caches addresses (Telegram) drops one when its parent is forgotten.
        self.on_forgotten: Callable[[str], None] = lambda address: None
        entries = knowledge.faq.by_id
        handoff = self.settings.handoff
        self.faq = FaqFlow(texts, entries, self.settings.helpline)
        self.tree = TreeFlow(tree, texts, entries)
        self.notices = Notices(texts, handoff)
        intents = intents or Intents.load()
        self.desk = ParentDesk(
            texts, self.notices, handoff, self.tree, entries, intents, self.faq.facts
        )
        self.relay = ParentRelay(texts, self.notices, self.desk)
        self.volunteers = VolunteerDesk(texts, self.notices, self.desk.closing_buttons)
        self.watch = QueueWatch(self.notices, self.desk, handoff)
        self.parents = ParentFlow(
            texts,
            knowledge.matcher,
            self.faq,
            self.tree,
            PersonFlow(texts, handoff.hours, self.notices.back_at),
            intents,
            self.desk,
            self.settings.max_message_chars,
        )
        self._locks = KeyedLocks()  # messages of one conversation, strictly in order

    async def greet(self, conversation_id: str, channel: str) -> list[Outbound]:
        """Opening words when a channel starts a session: welcome, or resume where they were."""
        async with self._locks.hold(conversation_id):
            ctx = await self.store.read(functools.partial(load_context, address=conversation_id))
            if ctx.volunteer is not None:
                name = ctx.volunteer.name
                return [Outbound(conversation_id, self.texts.tell("welcome_back", name=name))]
            now = self.clock()
            if ctx.state is None:
                session = Session.start(conversation_id, channel, now)
                self.faq.welcome(session)
                self.faq.menu(session)
            else:
                session = Session.resume(ctx.state, now)
                session.reply(self.texts.say("welcome_back"))
                handoff = ctx.handoff
                if session.state == "handoff" and handoff is not None and handoff.is_open:
                    helper = await self.store.read(
                        functools.partial(self.relay.name_of, volunteer_id=handoff.volunteer_id)
                    )
                    self.relay.remind(session, handoff, helper)
                else:
                    if session.state == "handoff":  # it closed while they were away
                        session.state = "menu"
                        session.data.pop("handoff", None)
                    self.parents.show_current(session)
            return await self._commit(session, None)

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        """Handle one message and return the replies to its sender (already stored)."""
        inbound = replace(inbound, text=normalise(inbound.text))  # what a person reads
        address = inbound.conversation_id
        async with self._locks.hold(address):
            try:
                ctx = await self.store.read(functools.partial(load_context, address=address))
                if ctx.volunteer is not None:
                    return await self._volunteer_turn(inbound)
                return await self._parent_turn(inbound, ctx)
            except StorageBusy:
                log.warning("storage busy; message not handled")
                return [Outbound(address, self.texts.say("busy"))]

    async def tick(self) -> None:
        """Periodic queue care: announce, escalate, update waiting parents."""
        now = self.clock()
        await self._transaction(lambda db: self.watch.tick(db, now))

    async def unreachable(self, address: str) -> None:
        """A channel cannot deliver to `address` any more (blocked, deleted): end or hand back."""
        now = self.clock()
        await self._transaction(lambda db: self.relay.unreachable(db, address, now))
        log.info("an address became unreachable; its handoffs were updated")

    async def _transaction(self, work: Callable[[Database], T]) -> T:
        """Run `work` atomically on the storage thread, then wake the courier."""
        result = await self.store.transaction(work)
        self.on_outbox()
        return result

    # -- volunteers ---------------------------------------------------------------------------

    async def _volunteer_turn(self, inbound: Inbound) -> list[Outbound]:
        command = self._volunteer_command(inbound)
        now = self.clock()

        def work(db: Database) -> list[Outbound]:
            volunteer = registry.at_address(db, inbound.conversation_id)
            if volunteer is None:  # removed meanwhile
                return [Outbound(inbound.conversation_id, self.texts.say("unknown_command"))]
            return self.volunteers.handle(db, volunteer, inbound, command, now)

        return await self._transaction(work)

    def _volunteer_command(self, inbound: Inbound) -> tuple[str, str] | None:
        """(command name, argument) for a volunteer's command; name "?" when unknown."""
        parsed = split_command(inbound.text) if inbound.choice is None else None
        if parsed is None:
            return None
        return self.texts.volunteer_commands.get(parsed[0], "?"), parsed[1]

    # -- parents ------------------------------------------------------------------------------

    def command_of(self, text: str | None) -> str | None:
        """The parent command name for '/menu', '/hulp', '/start@botnaam'; '?' for an unknown
        one; None for text that is no command. Channels use it too (Telegram's menus)."""
        parsed = split_command(text)
        return None if parsed is None else self.texts.commands.get(parsed[0], "?")

    def _command(self, inbound: Inbound) -> str | None:
        """A typed command, or "menu", "stop" and "help" typed alone (no "/")."""
        if inbound.choice is not None:
            return None
        bare = (inbound.text or "").strip().rstrip("!.").lower()
        return self.command_of(inbound.text) or self.texts.bare_commands.get(bare)

    async def _parent_turn(self, inbound: Inbound, ctx: Context) -> list[Outbound]:
        """The safety gate first (commands, buttons, linking and relays included), then the
        rest: forgetting, linking, the handoff relay or the parent flow."""
        now = self.clock()
        cid = inbound.conversation_id
        if ctx.state is None:
            session = Session.start(cid, inbound.channel, now)
        else:
            session = Session.resume(ctx.state, now)
        # Captions and command arguments too; a pressed button's text is our own label.
        category = None if inbound.choice else self.safety.triage(inbound.text).category
        session.helpers_there = ctx.helpers_there
        in_handoff = session.state == "handoff"
        if category in CRISIS_CATEGORIES and not in_handoff:
            # The command waits: help comes first. A plain question may get its answer too.
            question = None if split_command(inbound.text) else inbound.text
            self.parents.crisis(session, str(category), question)
            return await self._commit(session, inbound.text)
        command = None if category in CRISIS_CATEGORIES else self._command(inbound)
        if command == "forget":
            return await self._ask_forget(session)
        forget = self._forget_choice(session, inbound)
        if forget is not None:
            return await (self._forget(session, ctx.handoff) if forget else self._keep(session))
        if command == "link":
            return await self._link(session, inbound)
        if in_handoff:
            return await self._turn_in_transaction(
                session,
                inbound.text,
                lambda db: self._handoff_turn(db, session, inbound, command, category),
            )
        self.parents.process(session, inbound, command, ctx.handoff, category)
        action = session.action
        if action is not None:
            return await self._turn_in_transaction(
                session, inbound.text, lambda db: self.desk.apply(db, session, action)
            )
        return await self._commit(session, inbound.text)

    def _handoff_turn(
        self,
        db: Database,
        session: Session,
        inbound: Inbound,
        command: str | None,
        category: str | None,
    ) -> None:
        """A parent who is (or was) in a handoff: relay, or back to the bot once it closed."""
        handoff = queue.get(db, int(session.data.get("handoff", 0)))
        if handoff is not None and handoff.is_open:
            self.relay.turn(db, session, handoff, inbound, command, category)
            return
        session.state = "menu"
        session.data.pop("handoff", None)
        if handoff is not None:  # so typing "1" or "👍" answers the closing question
            session.data["shown"] = [[b.id, b.label] for b in self.desk.closing_buttons(handoff)]
        if category in CRISIS_CATEGORIES:
            self.parents.crisis(session, str(category))
            return
        self.parents.process(session, inbound, command, handoff, category)
        if session.action is not None:
            self.desk.apply(db, session, session.action)

    async def _ask_forget(self, session: Session) -> list[Outbound]:
        """`/vergeet` asks first: erasing everything cannot be undone."""
        t = self.texts
        buttons = [
            Button(FORGET_YES, t.button("forget_yes")),
            Button(FORGET_NO, t.button("forget_no")),
        ]
        session.reply(t.say("forget_confirm"), buttons)
        return await self._commit(session, None)

    @staticmethod
    def _forget_choice(session: Session, inbound: Inbound) -> bool | None:
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

    async def _keep(self, session: Session) -> list[Outbound]:
        """The parent chose not to erase: say so, then where they were."""
        session.data.pop("shown", None)
        session.reply(self.texts.say("forget_kept"))
        if session.state != "handoff":
            self.parents.show_current(session)
        return await self._commit(session, None)

    async def _forget(self, session: Session, latest: Handoff | None) -> list[Outbound]:
        """Delete the parent's data; a volunteer in an open conversation is told first."""
        if latest is not None and latest.is_open:
            await self._transaction(lambda db: self.relay.leave(db, session, latest.id))
        await self.store.forget(session.conversation_id)
        self.on_forgotten(session.conversation_id)
        log.info("conversation forgotten on request")
        return [Outbound(session.conversation_id, self.texts.say("forgotten"))]

    async def _link(self, session: Session, inbound: Inbound) -> list[Outbound]:
        """`/aanmelden CODE`: link this account to a volunteer; the code is never stored."""
        code = (split_command(inbound.text) or ("", ""))[1]
        attempts = int(session.data.get("link_attempts", 0))

        def work(db: Database) -> list[Outbound]:
            volunteer = None
            if code and attempts < MAX_LINK_ATTEMPTS:
                volunteer = registry.link(
                    db, code, session.conversation_id, session.channel, session.now
                )
            if volunteer is None:
                session.data["link_attempts"] = attempts + 1
                session.event("volunteer", outcome="link_failed")
                session.reply(self.texts.say("link_failed"))
                write_turn(db, session.to_state(), [], session.events)
                return session.replies
            latest = queue.latest_for(db, session.conversation_id)
            if latest is not None and latest.is_open:  # a parent becoming a volunteer
                self.relay.leave(db, session, latest.id)
            drop_conversation(db, session.conversation_id)  # now a volunteer, not a parent
            self.notices.catch_up(db, volunteer, session.now)  # urgent requests at once
            return [
                Outbound(session.conversation_id, self.texts.tell("linked", name=volunteer.name))
            ]

        return await self._transaction(work)

    async def _turn_in_transaction(
        self, session: Session, inbound_text: str | None, work: Callable[[Database], None]
    ) -> list[Outbound]:
        """Queue work and the parent's turn in ONE transaction: both happen or neither."""

        def run(db: Database) -> list[Outbound]:
            work(db)
            write_turn(db, session.to_state(), self._lines(session, inbound_text), session.events)
            return session.replies

        return await self._transaction(run)

    @staticmethod
    def _lines(session: Session, inbound_text: str | None) -> list[TranscriptLine]:
        cid, now = session.conversation_id, session.now
        lines = [TranscriptLine(cid, now, "in", inbound_text)] if inbound_text else []
        return lines + [TranscriptLine(cid, now, "out", r.text) for r in session.replies]

    async def _commit(self, session: Session, inbound_text: str | None) -> list[Outbound]:
        try:
            await self.store.commit_turn(
                session.to_state(), self._lines(session, inbound_text), session.events
            )
        except StorageBusy:
            log.warning("storage busy; turn not stored")
            return [Outbound(session.conversation_id, self.texts.say("busy"))]
        return session.replies
