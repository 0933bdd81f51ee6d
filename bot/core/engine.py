"""The conversation engine: one inbound message in, addressed outbound messages out.

Order of work for every parent message: crisis check first, then commands, then buttons (or
typed text that names a shown button), then free text through the FAQ matcher. The engine
imports no channel library; state lives in the store and survives restarts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.core.choices import FAQ, FEEDBACK, MENU, TREE, typed_choice
from bot.core.faq_flow import FaqFlow, Helpline
from bot.core.messages import Button, Inbound, Outbound
from bot.core.safety import CrisisCheck
from bot.core.session import Session
from bot.core.texts import Texts
from bot.core.tree_flow import TreeFlow
from bot.storage import AsyncStore, StorageBusy, TranscriptLine
from faq.decision_tree import DecisionTree
from faq.knowledge import Knowledge

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineSettings:
    helpline: Helpline = field(default_factory=Helpline)
    max_message_chars: int = 4_000


def utc_now() -> datetime:
    return datetime.now(UTC)


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
    ) -> None:
        self.settings = settings or EngineSettings()
        self.matcher = knowledge.matcher
        self.safety = safety
        self.texts = texts
        self.store = store
        self.clock = clock
        entries = knowledge.faq.by_id
        self.faq = FaqFlow(texts, entries, self.settings.helpline)
        self.tree = TreeFlow(tree, texts, entries)
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def _conversation_lock(self, conversation_id: str) -> AsyncIterator[None]:
        """Messages of one conversation are handled strictly one after another."""
        lock, users = self._locks.get(conversation_id, (asyncio.Lock(), 0))
        self._locks[conversation_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[conversation_id]
            if users <= 1:
                del self._locks[conversation_id]
            else:
                self._locks[conversation_id] = (lock, users - 1)

    async def greet(self, conversation_id: str, channel: str) -> list[Outbound]:
        """Opening words when a channel starts a session: welcome, or resume where they were."""
        async with self._conversation_lock(conversation_id):
            stored = await self.store.load(conversation_id)
            now = self.clock()
            if stored is None:
                session = Session.start(conversation_id, channel, now)
                self.faq.welcome(session)
                self.faq.menu(session)
            else:
                session = Session.resume(stored, now)
                session.reply(self.texts.say("welcome_back"))
                self._show_current(session)
            return await self._commit(session, None)

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        """Handle one parent message and return the replies (already stored)."""
        async with self._conversation_lock(inbound.conversation_id):
            try:
                stored = await self.store.load(inbound.conversation_id)
            except StorageBusy:
                return [Outbound(inbound.conversation_id, self.texts.say("busy"))]
            now = self.clock()
            if stored is None:
                session = Session.start(inbound.conversation_id, inbound.channel, now)
            else:
                session = Session.resume(stored, now)
            if self._is_command(inbound, "forget"):
                await self.store.forget(inbound.conversation_id)
                log.info("conversation forgotten on request")
                return [Outbound(inbound.conversation_id, self.texts.say("forgotten"))]
            self._process(session, inbound)
            return await self._commit(session, inbound.text)

    async def _commit(self, session: Session, inbound_text: str | None) -> list[Outbound]:
        lines = (
            [TranscriptLine(session.conversation_id, session.now, "in", inbound_text)]
            if inbound_text
            else []
        )
        lines += [
            TranscriptLine(session.conversation_id, session.now, "out", r.text)
            for r in session.replies
        ]
        try:
            await self.store.commit_turn(session.to_state(), lines, session.events)
        except StorageBusy:
            log.warning("storage busy; turn not stored")
            return [Outbound(session.conversation_id, self.texts.say("busy"))]
        return session.replies

    def _command(self, text: str | None) -> str | None:
        """The command name for '/menu', '/hulp', '/start@botnaam'; '?' for an unknown one."""
        if not text or not text.startswith("/"):
            return None
        word = text[1:].split(maxsplit=1)[0].split("@")[0].lower() if len(text) > 1 else ""
        return self.texts.commands.get(word, "?")

    def _is_command(self, inbound: Inbound, name: str) -> bool:
        return inbound.choice is None and self._command(inbound.text) == name

    def _process(self, session: Session, inbound: Inbound) -> None:
        """Decide the replies for one message; pure work on the session, no I/O."""
        text = (inbound.text or "").strip()
        if inbound.kind != "text" or (not text and inbound.choice is None):
            if session.is_new:
                self.faq.welcome(session)
            self.faq.menu(session, self.texts.say("only_text"))
            return
        if text and self.safety.is_crisis(text):
            self._crisis(session)
            return
        if session.is_new:
            self.faq.welcome(session)
        command = self._command(text) if inbound.choice is None else None
        if command is not None:
            self._run_command(session, command)
            return
        button = self._pressed(session, inbound.choice, text)
        if button is not None:
            self._press(session, button)
            return
        if inbound.choice is not None:
            self._stale(session)
            return
        self._free_text(session, text)

    def _crisis(self, session: Session) -> None:
        t = self.texts
        session.crisis = True
        session.event("crisis")
        buttons = [Button(MENU + "person", t.button("person"))]
        if session.state == "tree":
            buttons.append(Button(TREE + "resume", t.button("resume")))
        buttons.append(Button(MENU + "menu", t.button("menu")))
        session.reply(t.say("crisis") + "\n\n" + t.say("crisis_person"), buttons)

    def _run_command(self, session: Session, command: str) -> None:
        if command == "start" or command == "menu":
            self.faq.menu(session)
        elif command == "stop":
            session.event("stop")
            session.state, session.path = "menu", []
            session.data.pop("shown", None)
            session.reply(self.texts.say("stopped"))
        elif command == "help":
            self.faq.menu(session, self.texts.say("help"))
        elif command == "privacy":
            self.faq.answer(session, self.faq.entries["privacy"])
        else:
            self.faq.menu(session, self.texts.say("unknown_command"))

    def _pressed(self, session: Session, choice: str | None, text: str) -> str | None:
        """The button id the parent chose, by press or by typing its number or label."""
        if choice is not None:
            return choice if self._is_live(session, choice) else None
        typed = typed_choice(text, session.shown)
        return typed.id if typed is not None and self._is_live(session, typed.id) else None

    def _is_live(self, session: Session, choice: str) -> bool:
        """Whether a button still means something now; old ones get 'deze keuze is verlopen'."""
        if choice.startswith(MENU):
            return choice[len(MENU) :] in {"ask", "tree", "person", "menu"}
        if choice.startswith(FAQ):
            return choice[len(FAQ) :] in self.faq.entries
        if choice.startswith(FEEDBACK):
            return choice[len(FEEDBACK) + 2 :] == session.data.get("last_faq")
        if choice == TREE + "resume":
            return True
        if choice.startswith(TREE):
            if session.state != "tree" or not self.tree.is_valid(session):
                return False
            target = choice[len(TREE) :]
            return target in {"back", "restart"} or self.tree.allows(session, target)
        return False

    def _press(self, session: Session, choice: str) -> None:
        if choice.startswith(MENU):
            action = choice[len(MENU) :]
            if action == "ask":
                session.state = "asking"
                session.reply(self.texts.say("ask_prompt"))
            elif action == "tree":
                self.tree.enter(session)
            elif action == "person":
                self.faq.person(session)
            else:
                self.faq.menu(session)
        elif choice.startswith(FAQ):
            entry = self.faq.entries[choice[len(FAQ) :]]
            session.event("faq", topic=entry.id, outcome="chosen")
            self.faq.answer(session, entry)
        elif choice.startswith(FEEDBACK):
            self.faq.feedback(session, choice[len(FEEDBACK)] == "y", choice[len(FEEDBACK) + 2 :])
        elif choice == TREE + "resume":
            self.tree.resume(session)
        elif choice == TREE + "back":
            self.tree.back(session)
        elif choice == TREE + "restart":
            self.tree.restart(session)
        else:
            self.tree.choose(session, choice[len(TREE) :])

    def _stale(self, session: Session) -> None:
        session.event("stale_button")
        session.reply(self.texts.say("stale_choice"))
        self._show_current(session)

    def _show_current(self, session: Session) -> None:
        if session.state == "tree" and self.tree.is_valid(session):
            self.tree.show(session)
        elif session.state == "tree":
            self.tree.reset_changed(session)
        else:
            self.faq.menu(session)

    def _free_text(self, session: Session, text: str) -> None:
        limit = self.settings.max_message_chars
        if len(text) > limit:
            session.reply(self.texts.say("too_long"))
        if session.state == "asking":
            session.state = "menu"
        self.faq.show_match(session, self.matcher.match(text[:limit]))
