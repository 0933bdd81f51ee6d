"""A helpline on the fake Bot API: the real PTB Application, real SQLite, the engine, courier."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from bot.channels.telegram.accounts import TelegramAccounts
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.settings import TelegramSettings
from bot.channels.telegram.webhook import WebhookServer
from bot.core.courier import Courier
from bot.core.engine import EngineSettings
from bot.core.inbox import InboxReader
from bot.storage import AsyncStore
from bot.testing.fakes import build_engine
from handoff.hours import OpeningHours
from handoff.settings import HandoffSettings
from tests.fake_telegram import FakeBotApi, FakeUser, SentMessage

ALWAYS_OPEN = EngineSettings(handoff=HandoffSettings(hours=OpeningHours.always_open()))


class TelegramWorld:
    """Start, stop and restart the Telegram bot; act as parents and volunteers."""

    def __init__(
        self,
        api: FakeBotApi,
        db_path: Path | str,
        content: Any,
        knowledge: Any,
        webhook: bool = False,
    ) -> None:
        self.api = api
        self.db_path = db_path
        self.content = content
        self.knowledge = knowledge
        self.webhook = webhook
        self.settings = TelegramSettings(
            token=api.token,
            api_url=api.url,
            mode="webhook" if webhook else "polling",
            webhook_url="http://127.0.0.1/telegram" if webhook else None,
            webhook_secret="test-secret" if webhook else None,
            listen_port=0,
            poll_timeout=1,
        )
        self.server: WebhookServer | None = None
        self.watch_seconds = 30.0
        self._courier_task: asyncio.Task[None] | None = None
        self._inbox_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        tree, safety, texts = self.content
        self.store = await AsyncStore.open(self.db_path)
        self.engine = build_engine(self.knowledge, tree, safety, texts, self.store, ALWAYS_OPEN)
        self.courier = Courier(
            self.store,
            on_unreachable=self.engine.unreachable,
            retry_seconds=0.05,
            hold_seconds=self.settings.read_timeout,
        )
        self.engine.on_outbox = self.courier.wake
        self.inbox = InboxReader(self.engine, retry_seconds=0.05)
        accounts = await TelegramAccounts.open(self.store, "test-pseudonym-secret")
        self.channel = TelegramChannel(
            self.engine, self.courier, self.inbox, accounts, self.settings, webhook=self.webhook
        )
        self._courier_task = asyncio.create_task(self.courier.run())
        self._inbox_task = asyncio.create_task(self.inbox.run())
        await self.channel.start()
        self.channel.schedule_queue_watch(self.watch_seconds)
        if self.webhook:
            self.server = WebhookServer(self.channel)
            await self.server.start()

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()
        await self.channel.stop()
        for task in (self._inbox_task, self._courier_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.store.close()

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    # -- people ----------------------------------------------------------------------------

    async def says(self, user: FakeUser, text: str, expect: str = "") -> list[SentMessage]:
        """The user types `text`; wait until a message containing `expect` reaches them."""
        seen = len(self.api.messages_to(user.id))
        self.api.user_sends(user, text)
        return await self.replies(user, seen, expect)

    def sends(self, user: FakeUser, text: str) -> None:
        """The user types `text` and expects no reply (a volunteer talking to a parent)."""
        self.api.user_sends(user, text)

    async def presses(self, user: FakeUser, label: str, expect: str = "") -> list[SentMessage]:
        """Press a button on the latest message to this user that has it."""
        message = self.latest_with_button(user, label)
        seen = len(self.api.messages_to(user.id))
        self.api.user_presses(user, message, label)
        return await self.replies(user, seen, expect)

    def latest_with_button(self, user: FakeUser, label: str) -> SentMessage:
        for message in reversed(self.api.messages_to(user.id)):
            if any(text.startswith(label) for text, _ in message.buttons):
                return message
        raise AssertionError(f"no button {label!r} for user {user.id}")

    async def replies(self, user: FakeUser, seen: int, expect: str) -> list[SentMessage]:
        def arrived() -> bool:
            new = self.api.messages_to(user.id)[seen:]
            return any(expect in (m.text or "") for m in new) if expect else bool(new)

        await self.api.wait_until(arrived, timeout=10)
        return self.api.messages_to(user.id)[seen:]

    def texts_to(self, user: FakeUser) -> list[str]:
        return [m.text or "" for m in self.api.messages_to(user.id)]

    async def asks_person(
        self, parent: FakeUser, role: str = "Maakt niet uit", topic: str = "Iets anders"
    ) -> None:
        """Type a request for a person, choose a role and a topic, and get into the queue."""
        await self.says(parent, "ik wil iemand spreken", expect="Met wie wilt u praten?")
        await self.presses(parent, role, expect="Waar gaat uw vraag")
        await self.presses(parent, topic, expect="U staat in de rij")

    async def volunteer(
        self, user: FakeUser, name: str, role: str = "buddy", max_active: int = 2
    ) -> None:
        """Register a volunteer and link this Telegram account with the invite code."""
        from datetime import UTC, datetime

        now = datetime.now(UTC)
        code = await self.store.transaction(
            lambda tx: tx.registry.add(name, role, (), max_active, now)[1]
        )
        await self.says(user, f"/aanmelden {code}", expect=f"Welkom, {name}")
