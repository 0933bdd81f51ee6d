"""Test doubles that make engine tests read like chat transcripts.

Shipped with the package so a helpline's own tests can use them (`bot.testing.plugin`); only
tests import this module, never the bot itself (tests/test_architecture.py)."""

from __future__ import annotations

import functools
import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.app import Content, Wiring
from bot.core.courier import Courier, Undeliverable
from bot.core.engine import Engine, EngineSettings, utc_now
from bot.core.inbox import Arrival, InboxReader
from bot.core.intents import Intents
from bot.core.messages import Attachment, Button, Inbound, Outbound
from bot.core.safety import CrisisCheck
from bot.core.texts import Texts
from bot.storage import AsyncStore, Tx
from bot.testing.expect import Expect, check
from faq.decision_tree import DecisionTree
from faq.knowledge import Knowledge


def build_engine(
    knowledge: Knowledge,
    tree: DecisionTree,
    safety: CrisisCheck,
    texts: Texts,
    store: AsyncStore,
    settings: EngineSettings | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Engine:
    """A test's engine, built by the composition root like the real one (bot.app.Wiring)."""
    content = Content(knowledge, tree, safety, texts, _intents())
    return Wiring(content=content, clock=clock or utc_now, engine_settings=settings).engine(store)


@functools.cache
def _intents() -> Intents:
    return Intents.load()


class FakeClock:
    """A clock that only moves when a test says so (one second per message by default)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # a Friday, line open

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock on by `timedelta(**delta)`, e.g. `advance(minutes=15)`."""
        self.now += timedelta(**delta)


@dataclass(frozen=True)
class Account:
    """What a chat platform knows about a person; none of it may reach the other side."""

    user_id: str
    full_name: str
    username: str

    @property
    def pseudonym(self) -> str:
        """What the channel gives the engine instead of the platform id."""
        return "fake:" + hashlib.sha256(b"test-secret" + self.user_id.encode()).hexdigest()[:12]

    @property
    def secrets(self) -> tuple[str, ...]:
        """Everything that identifies this account on the platform."""
        return (self.user_id, self.full_name, self.username, self.pseudonym)


class FakeChannel:
    """A chat platform in memory: the courier delivers to its participants' inboxes.

    Every message that reaches someone is checked: it must not carry the account details
    (id, name, username, pseudonym) of anyone else.
    """

    name = "fake"

    def __init__(self, engine: Engine, durable: bool = False) -> None:
        """`durable`: messages go through the inbox and every reply through the outbox, as on
        Telegram; otherwise replies come straight back from `engine.handle`."""
        self.engine = engine
        self.courier = Courier(engine.store, on_unreachable=engine.unreachable, hold_seconds=0)
        self.forgotten: list[str] = []  # accounts dropped after an erased parent's farewell
        self.courier.register(self.name, self.send, forget=self.forgotten.append)
        self.inbox = InboxReader(engine, retry_seconds=0.01) if durable else None
        if self.inbox is not None:
            self.inbox.serve(self.name)
        self._keys = itertools.count(1)
        self.participants: dict[str, FakeParent] = {}
        self.blocked: set[str] = set()
        self.failing: set[str] = set()
        self.crossed: list[Outbound] = []

    def join(self, participant: FakeParent) -> None:
        """Give a participant an inbox on this channel."""
        self.participants[participant.name] = participant

    async def send(self, message: Outbound) -> None:
        """The courier's delivery: fail like a platform would, else check privacy and store."""
        if message.to in self.blocked:
            raise Undeliverable(message.to)
        if message.to in self.failing:
            raise ConnectionError("network down")
        self.check_private(message)
        self.crossed.append(message)
        self.participants[message.to].received.append(message)

    def check_private(self, message: Outbound) -> None:
        """Fail the test if a message shows anyone else's account details."""
        visible = " ".join(
            [message.text, *(b.label for b in message.buttons), *(b.id for b in message.buttons)]
        )
        for other in self.participants.values():
            if other.name == message.to or other.account is None:
                continue
            for secret in other.account.secrets:
                assert secret not in visible, f"{secret!r} leaked to {message.to}"

    async def settle(self) -> None:
        """Deliver everything the engine put in the outbox, including what delivery itself
        causes (a blocked parent makes the engine write to the volunteer)."""
        quiet = 0
        for _ in range(10):
            quiet = quiet + 1 if await self.courier.deliver_pending() == 0 else 0
            if quiet == 2:
                return


class FakeParent:
    """A participant on a fake channel: types text, presses buttons by label, reads messages.

    Volunteers are participants too: the engine tells them apart by their linked account.
    """

    def __init__(
        self,
        engine: Engine,
        name: str = "ouder-1",
        channel: str | FakeChannel = "fake",
        account: Account | None = None,
    ) -> None:
        self.engine = engine
        self.account = account
        self.network = channel if isinstance(channel, FakeChannel) else None
        self.channel = channel.name if isinstance(channel, FakeChannel) else channel
        self.name = account.pseudonym if account else name
        self.received: list[Outbound] = []
        self._files = 0
        self.at = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
        if self.network is not None:
            self.network.join(self)

    async def says(self, text: str, expect: Expect = None) -> list[Outbound]:
        """Type a message. `expect`: a fragment (or list of fragments) one of the replies must
        contain, case-insensitive; the failure shows what the bot said instead."""
        replies = await self._send(Inbound(self.name, self.channel, self.at, text=text))
        check(replies, expect, f"says {text!r}")
        return replies

    async def sends(self, kind: str, expect: Expect = None) -> list[Outbound]:
        """A sticker, photo or voice note: no text the engine can read."""
        replies = await self._send(Inbound(self.name, self.channel, self.at, kind=kind))
        check(replies, expect, f"sends {kind}")
        return replies

    async def sends_file(
        self, kind: str = "photo", caption: str | None = None, expect: Expect = None
    ) -> list[Outbound]:
        """A photo or document the channel can copy; the engine sees only a reference."""
        self._files += 1
        attachment = Attachment(kind, self.channel, self.name, str(self._files))
        replies = await self._send(
            Inbound(
                self.name, self.channel, self.at, text=caption, kind=kind, attachment=attachment
            )
        )
        check(replies, expect, f"sends a {kind} file")
        return replies

    async def presses(self, label: str, expect: Expect = None) -> list[Outbound]:
        """Press the button with this label (or starting with it) on the latest keyboard."""
        button = self.button(label)
        replies = await self._send(
            Inbound(self.name, self.channel, self.at, text=button.label, choice=button.id)
        )
        check(replies, expect, f"presses [{button.label}]")
        return replies

    async def passes_on(self, target: str, note: str | None = None) -> None:
        """A volunteer's `/doorgeven`: choose the target, confirm, and write the note."""
        await self.says("/doorgeven")
        await self.presses(target)
        await self.presses("Ja, doorgeven")
        if note is not None:
            await self.says(note)

    async def presses_id(self, button_id: str, expect: Expect = None) -> list[Outbound]:
        """Press a button by id, e.g. one from an old message."""
        replies = await self._send(Inbound(self.name, self.channel, self.at, choice=button_id))
        check(replies, expect, f"presses the button {button_id!r}")
        return replies

    async def opens(self, expect: Expect = None) -> list[Outbound]:
        """Open the chat (as the web chat does): welcome, or where the parent was."""
        replies = await self.engine.greet(self.name, self.channel)
        self.received += replies
        check(replies, expect, "opens the chat")
        return replies

    async def _send(self, inbound: Inbound) -> list[Outbound]:
        inbox = self.network.inbox if self.network is not None else None
        if self.network is not None and inbox is not None:  # as on Telegram: stored first
            before = len(self.received)
            await inbox.accept([Arrival(str(next(self.network._keys)), inbound)])
            await inbox.drain()
            await self.network.settle()
            return self.received[before:]
        replies = await self.engine.handle(inbound)
        assert all(r.to == self.name for r in replies)
        for reply in replies:
            if self.network is not None:
                self.network.check_private(reply)
        self.received += replies
        if self.network is not None:
            await self.network.settle()
        return replies

    @property
    def keyboard(self) -> list[Button]:
        """The buttons of the latest message that had any."""
        for message in reversed(self.received):
            if message.buttons:
                return list(message.buttons)
        return []

    @property
    def labels(self) -> list[str]:
        """The labels of the latest keyboard."""
        return [b.label for b in self.keyboard]

    @property
    def last(self) -> str:
        """The text of the latest message received."""
        return self.received[-1].text

    def texts_since(self, count: int) -> str:
        """Everything received after the first `count` messages, as one string."""
        return "\n".join(m.text for m in self.received[count:])

    def button(self, label: str) -> Button:
        """The button on the latest keyboard with this label, or whose label starts with it."""
        for b in self.keyboard:
            if b.label == label or b.label.startswith(label):
                return b
        raise AssertionError(f"no button {label!r} in {self.labels}")


async def someone_there(engine: Engine, role: str = "buddy") -> None:
    """Link a volunteer without a chat of their own, so the bot asks its person questions."""

    now = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)

    def work(tx: Tx) -> None:
        _, code = tx.registry.add("Iemand", role, (), 3, now)
        tx.registry.link(code, f"fake:iemand-{role}", "elsewhere", now)

    await engine.store.transaction(work)


NAMES = ("Marieke de Vries", "Fatima El Amrani", "Johan Visser", "Petra Smit", "Yusuf Kaya")


class Helpline:
    """A whole helpline in a test: engine, fake channel, clock; volunteers join with a code."""

    def __init__(self, engine: Engine, channel: FakeChannel, clock: FakeClock) -> None:
        """A helpline around an engine whose clock is `clock` and whose channel is `channel`."""
        self.engine = engine
        self.channel = channel
        self.clock = clock
        self._accounts = 0

    def parent(self, full_name: str | None = None) -> FakeParent:
        """A parent with a realistic platform account (name, username, id) of their own."""
        name = full_name or NAMES[self._accounts % len(NAMES)] + f" {self._accounts}"
        return FakeParent(self.engine, channel=self.channel, account=self._account(name))

    async def volunteer(
        self,
        name: str,
        role: str = "buddy",
        topics: tuple[str, ...] = (),
        max_active: int = 2,
        full_name: str | None = None,
    ) -> FakeParent:
        """Register a volunteer (as `ouderlijn volunteer add` does) and link their account."""

        now = self.clock.now
        code = await self.engine.store.transaction(
            lambda tx: tx.registry.add(name, role, topics, max_active, now)[1]
        )
        person = FakeParent(
            self.engine,
            channel=self.channel,
            account=self._account(full_name or f"{name} Account-{self._accounts}"),
        )
        replies = await person.says(f"/aanmelden {code}")
        assert f"Welkom, {name}" in replies[0].text
        return person

    def _account(self, full_name: str) -> Account:
        """A new, unique platform account with this name."""
        self._accounts += 1
        user_id = str(48151623 + self._accounts * 1117)
        username = "@" + full_name.lower().replace(" ", "")[:10] + str(self._accounts)
        return Account(user_id, full_name, username)

    async def tick(self, **advance: float) -> None:
        """Let time pass and run the queue watch, then deliver."""
        self.clock.advance(**advance)
        await self.engine.tick()
        await self.channel.settle()
