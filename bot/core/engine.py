"""The conversation engine: one inbound message in, addressed outbound messages out.

A message from a linked volunteer goes to the volunteer desk; a parent's message goes through
the parent flow (crisis check first), or, during a handoff, to the parent desk. Messages for
anyone else go to the outbox in the same transaction and a courier delivers them; so do the
sender's replies when the message came through the durable inbox (`handle(..., receipt)`),
otherwise they are returned. The engine imports no channel library; state lives in the store.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import NamedTuple, TypeVar

from bot.core.blocks import ParentBlocks
from bot.core.choices import split_command
from bot.core.faq_flow import FaqFlow, Helpline
from bot.core.flood import AbuseSettings, FloodGate
from bot.core.forget_flow import ForgetFlow
from bot.core.handoff_notices import Notices
from bot.core.intents import Intents
from bot.core.keyed_locks import KeyedLocks
from bot.core.messages import Inbound, Outbound
from bot.core.parent_desk import ParentDesk
from bot.core.parent_flow import ParentFlow
from bot.core.parent_relay import ParentRelay
from bot.core.person_flow import PersonFlow
from bot.core.queue_watch import BATCH as WATCH_BATCH
from bot.core.queue_watch import QueueWatch
from bot.core.reply_route import ReplyRoute
from bot.core.review_notes import Scrub, shipped_scrub
from bot.core.safety import CRISIS_CATEGORIES, CrisisCheck
from bot.core.session import Session
from bot.core.text_input import normalise
from bot.core.texts import Texts
from bot.core.tree_flow import TreeFlow
from bot.core.turn_writer import TurnWriter
from bot.core.volunteer_desk import VolunteerDesk
from bot.storage import AsyncStore, ConversationState, StorageBusy
from bot.storage.contract import Block, Tx, write_turn
from bot.storage.records import StaleTurn
from faq.decision_tree import DecisionTree
from faq.knowledge import Knowledge
from handoff.model import Handoff, Volunteer
from handoff.settings import HandoffSettings

STALE_RETRIES = 5  # a turn redone this often at most when the conversation keeps changing
log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_LINK_ATTEMPTS = 5


@dataclass(frozen=True)
class EngineSettings:
    helpline: Helpline = field(default_factory=Helpline)
    handoff: HandoffSettings = field(default_factory=HandoffSettings)
    max_message_chars: int = 4_000
    abuse: AbuseSettings = field(default_factory=AbuseSettings)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Context(NamedTuple):
    """What the engine reads before handling a message from one address."""

    state: ConversationState | None
    volunteer: Volunteer | None
    handoff: Handoff | None  # the conversation's latest handoff, open or closed
    helpers_there: bool = True  # an advisor or buddy is linked and available
    block: Block | None = None  # a volunteer's block of this parent (maybe expired)


def load_context(tx: Tx, address: str) -> Context:
    volunteer = tx.registry.at_address(address)
    return Context(
        tx.conversations.load(address),
        volunteer,
        tx.queue.latest_for(address),
        tx.registry.helpers_there(),
        tx.blocks.find(address) if volunteer is None else None,
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
        scrub: Scrub | None = None,
    ) -> None:
        self.settings = settings or EngineSettings()
        self.safety = safety
        self.texts = texts
        self.store = store
        self.clock = clock
        self.on_outbox: Callable[[], None] = lambda: None  # the courier sets this to wake up
        # A channel that caches addresses drops one when its parent is forgotten (direct replies;
        # through the outbox, the courier does it once the farewell is out).
        self.on_forgotten: Callable[[str], None] = lambda address: None
        # A channel may show a freshly linked volunteer their commands (Telegram's menu).
        self.on_linked: Callable[[str, str], Awaitable[None]] | None = None
        entries = dict(knowledge.faq.by_id)  # the engine's own: a reload swaps it in place
        handoff = self.settings.handoff
        self.faq = FaqFlow(texts, entries, self.settings.helpline)
        self.tree = TreeFlow(tree, texts, entries)
        self.notices = Notices(texts, handoff)
        intents = intents or Intents.load()
        self.desk = ParentDesk(
            texts, self.notices, handoff, self.tree, entries, intents, self.faq.facts
        )
        self.relay = ParentRelay(texts, self.notices, self.desk)
        self.blocks = ParentBlocks(texts, self.notices, self.settings.abuse)
        self.flood = FloodGate(texts, self.settings.abuse)
        self.volunteers = VolunteerDesk(texts, self.notices, self.desk.closing_buttons, self.blocks)
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
        self.writer = TurnWriter(store, texts, lambda: self.on_outbox(), scrub or shipped_scrub)
        self.forgetting = ForgetFlow(texts, self.relay, self.parents, self.writer)
        self._locks = KeyedLocks()  # messages of one conversation, strictly in order
        # With several instances: True only where this process runs the queue watch.
        self.watch_lease: Callable[[], bool] | None = None

    def use_knowledge(self, knowledge: Knowledge) -> None:
        """Answer from freshly loaded knowledge (a coordinator added a phrasing): the next
        question is matched against it, without a restart."""
        self.parents.matcher = knowledge.matcher
        entries = self.faq.entries  # one dict, shared by the FAQ, tree and desk flows
        entries.clear()
        entries.update(knowledge.faq.by_id)

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
                session.event("contact")
                self.faq.welcome(session)
                self.faq.menu(session)
            else:
                session = Session.resume(ctx.state, now)
                if session.opens_contact:
                    session.event("contact")
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
                        session.data.handoff = None
                    self.parents.show_current(session)
            return await self.writer.commit(session, None, ReplyRoute(channel))

    async def handle(self, inbound: Inbound, receipt: int | None = None) -> list[Outbound]:
        """Handle one message and return the replies to its sender (already stored).

        With `receipt` (its inbox row) the replies go to the outbox and the row is marked
        handled, both in the turn's transaction; a busy database then raises StorageBusy, so
        the inbox tries again later instead of losing the message."""
        inbound = replace(inbound, text=normalise(inbound.text))  # what a person reads
        address = inbound.conversation_id
        route = ReplyRoute(inbound.channel, receipt)
        async with self._locks.hold(address):
            try:
                for _ in range(STALE_RETRIES):
                    try:
                        return await self._turn(inbound, route)
                    except StaleTurn:  # changed meanwhile (another instance): read it again
                        log.info("a turn read a conversation that changed; doing it again")
                return await self._turn(inbound, route)
            except StorageBusy:
                if route.durable:
                    raise
                log.warning("storage busy; message not handled")
                return [Outbound(address, self.texts.say("busy"))]

    async def _turn(self, inbound: Inbound, route: ReplyRoute) -> list[Outbound]:
        """Read the conversation, then the volunteer's or the parent's turn."""
        ctx = await self.store.read(
            functools.partial(load_context, address=inbound.conversation_id)
        )
        if ctx.volunteer is not None:
            return await self._volunteer_turn(inbound, route)
        return await self._parent_turn(inbound, ctx, route)

    async def tick(self) -> None:
        """Periodic queue care: announce, escalate, update waiting parents."""
        if self.watch_lease is not None and not await asyncio.to_thread(self.watch_lease):
            return  # another instance runs the queue watch
        now = self.clock()
        seen = await self.store.read(QueueWatch.snapshot)
        cares = await asyncio.to_thread(self.watch.plan, seen, now)  # the loop stays free
        for start in range(0, len(cares), WATCH_BATCH):
            batch = cares[start : start + WATCH_BATCH]
            await self._transaction(
                functools.partial(self.watch.apply, cares=batch, reachable=seen.reachable, now=now)
            )

    async def unreachable(self, address: str) -> None:
        """A channel cannot deliver to `address` any more (blocked, deleted): end or hand back."""
        now = self.clock()
        await self._transaction(lambda tx: self.relay.unreachable(tx, address, now))
        log.info("an address became unreachable; its handoffs were updated")

    async def _transaction(self, work: Callable[[Tx], T]) -> T:
        """Run `work` atomically on the storage thread, then wake the courier."""
        return await self.writer.transaction(work)

    # -- volunteers ---------------------------------------------------------------------------

    async def _volunteer_turn(self, inbound: Inbound, route: ReplyRoute) -> list[Outbound]:
        command = self._volunteer_command(inbound)
        now = self.clock()

        def work(tx: Tx) -> list[Outbound]:
            tx.lock(f"conversation:{inbound.conversation_id}")
            volunteer = tx.registry.at_address(inbound.conversation_id)
            if volunteer is None:  # removed meanwhile
                replies = [Outbound(inbound.conversation_id, self.texts.say("unknown_command"))]
            else:
                replies = self.volunteers.handle(tx, volunteer, inbound, command, now)
            route.write(tx, replies, now)
            return replies

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

    async def _parent_turn(
        self, inbound: Inbound, ctx: Context, route: ReplyRoute
    ) -> list[Outbound]:
        """The safety gate first (commands, buttons, linking and relays included), then the
        rest: forgetting, linking, the handoff relay or the parent flow."""
        now = self.clock()
        cid = inbound.conversation_id
        if ctx.state is None:
            session = Session.start(cid, inbound.channel, now)
        else:
            session = Session.resume(ctx.state, now)
        if session.opens_contact:
            session.event("contact")
        # Captions and command arguments too; a pressed button's text is our own label.
        category = None if inbound.choice else self.safety.triage(inbound.text).category
        session.helpers_there = ctx.helpers_there
        block = self.blocks.holds(ctx.block, ctx.handoff, session, category)
        command = None if category in CRISIS_CATEGORIES else self._command(inbound)
        hush, mark = self.flood.count(session, inbound, category, command)  # every one counts
        in_handoff = session.state == "handoff"
        if category in CRISIS_CATEGORIES and not in_handoff:
            # The command waits: help comes first. A plain question may get its answer too.
            question = None if split_command(inbound.text) else inbound.text
            self.parents.crisis(session, str(category), question)
            return await self.writer.commit(session, inbound.text, route)
        if command == "forget":
            return await self.forgetting.ask(session, route)
        forget = self.forgetting.choice(session, inbound)
        if forget is not None:
            if forget:
                return await self.forgetting.forget(session, ctx.handoff, route, self.on_forgotten)
            return await self.forgetting.keep(session, route)
        if command == "link":
            return await self._link(session, inbound, route)
        if block is not None and not in_handoff and not session.data.block_crisis:
            self.blocks.tell(session, block, category)  # a neutral text once a day at most
            return await self.writer.commit(session, inbound.text, route)
        if in_handoff:

            def relay(tx: Tx) -> None:
                self._handoff_turn(tx, session, inbound, command, category)
                if hush:  # relayed and stored; only the bot's own replies wait
                    self.flood.hush(session, mark, ctx.handoff)

            return await self.writer.with_work(session, inbound.text, relay, route)
        if hush:
            self.flood.hush(session, mark)
            return await self.writer.commit(session, inbound.text, route)
        self.parents.process(session, inbound, command, ctx.handoff, category)
        action = session.action
        if action is not None:

            def apply(tx: Tx) -> None:
                self.desk.apply(tx, session, action)
                if block is not None:  # allowed once after a crisis: urgent, with a note
                    self.blocks.after_request(tx, session, block)

            return await self.writer.with_work(session, inbound.text, apply, route)
        return await self.writer.commit(session, inbound.text, route)

    def _handoff_turn(
        self,
        tx: Tx,
        session: Session,
        inbound: Inbound,
        command: str | None,
        category: str | None,
    ) -> None:
        """A parent who is (or was) in a handoff: relay, or back to the bot once it closed."""
        # locked: a claim on another instance waits, so the line is relayed or in its summary
        handoff = tx.queue.get(session.data.handoff or 0, lock=True)
        if handoff is not None and handoff.is_open:
            self.relay.turn(tx, session, handoff, inbound, command, category)
            return
        session.state = "menu"
        session.data.handoff = None
        if handoff is not None:  # so typing "1" or "👍" answers the closing question
            session.data.shown = tuple(self.desk.closing_buttons(handoff))
        if category in CRISIS_CATEGORIES:
            self.parents.crisis(session, str(category))
            return
        self.parents.process(session, inbound, command, handoff, category)
        if session.action is not None:
            self.desk.apply(tx, session, session.action)

    async def _link(self, session: Session, inbound: Inbound, route: ReplyRoute) -> list[Outbound]:
        """`/aanmelden CODE`: link this account to a volunteer; the code is never stored."""
        code = (split_command(inbound.text) or ("", ""))[1]
        attempts = session.data.link_attempts

        def work(tx: Tx) -> list[Outbound]:
            volunteer = None
            if code and attempts < MAX_LINK_ATTEMPTS:
                volunteer = tx.registry.link(
                    code, session.conversation_id, session.channel, session.now
                )
            if volunteer is None:
                session.data.link_attempts = attempts + 1
                session.event("volunteer", outcome="link_failed")
                session.reply(self.texts.say("link_failed"))
                write_turn(tx, session.to_state(), [], session.events)
                route.write(tx, session.replies, session.now)
                return session.replies
            latest = tx.queue.latest_for(session.conversation_id)
            if latest is not None and latest.is_open:  # a parent becoming a volunteer
                self.relay.leave(tx, session, latest.id)
            tx.conversations.drop(session.conversation_id)  # now a volunteer, not a parent
            linked = Outbound(
                session.conversation_id, self.texts.tell("linked", name=volunteer.name)
            )
            route.write(tx, [linked], session.now)  # before the catch-up: it reads first
            self.notices.catch_up(tx, volunteer, session.now)  # urgent requests at once
            return [linked]

        replies = await self._transaction(work)
        linked = session.data.link_attempts == attempts
        if self.on_linked is not None and linked:
            await self.on_linked(session.conversation_id, session.channel)
        return replies
