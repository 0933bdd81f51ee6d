"""Test doubles that make engine tests read like chat transcripts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.engine import Engine
from bot.core.messages import Button, Inbound, Outbound


class FakeClock:
    """A clock that only moves when a test says so (one second per message by default)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 27, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class FakeParent:
    """A parent on a fake channel: types text, presses buttons by label, reads the replies."""

    def __init__(self, engine: Engine, name: str = "ouder-1", channel: str = "fake") -> None:
        self.engine = engine
        self.name = name
        self.channel = channel
        self.received: list[Outbound] = []
        self.at = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)

    async def says(self, text: str) -> list[Outbound]:
        return await self._send(Inbound(self.name, self.channel, self.at, text=text))

    async def sends(self, kind: str) -> list[Outbound]:
        """A sticker, photo or voice note: no text the engine can read."""
        return await self._send(Inbound(self.name, self.channel, self.at, kind=kind))

    async def presses(self, label: str) -> list[Outbound]:
        """Press the button with this label (or starting with it) on the latest keyboard."""
        button = self.button(label)
        return await self._send(
            Inbound(self.name, self.channel, self.at, text=button.label, choice=button.id)
        )

    async def presses_id(self, button_id: str) -> list[Outbound]:
        """Press a button by id, e.g. one from an old message."""
        return await self._send(Inbound(self.name, self.channel, self.at, choice=button_id))

    async def opens(self) -> list[Outbound]:
        replies = await self.engine.greet(self.name, self.channel)
        self.received += replies
        return replies

    async def _send(self, inbound: Inbound) -> list[Outbound]:
        replies = await self.engine.handle(inbound)
        assert all(r.to == self.name for r in replies)
        self.received += replies
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
        return [b.label for b in self.keyboard]

    @property
    def last(self) -> str:
        return self.received[-1].text

    def button(self, label: str) -> Button:
        for b in self.keyboard:
            if b.label == label or b.label.startswith(label):
                return b
        raise AssertionError(f"no button {label!r} in {self.labels}")
