"""The terminal channel: try the bot right after install (`ouderlijn chat`), or feed it a
script on stdin for tests (`ouderlijn chat < gesprek.txt`). Buttons print as numbers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

from bot.core.engine import Engine
from bot.core.messages import Button, Inbound, Outbound
from bot.core.text_input import ascii_number

CHANNEL = "terminal"


def render(message: Outbound) -> str:
    """A bot message as terminal text, with its buttons as a numbered list."""
    lines = [message.text]
    lines += [f"  [{i}] {b.label}" for i, b in enumerate(message.buttons, 1)]
    return "\n".join(lines)


class TerminalChat:
    """One parent at a keyboard; numbers choose the buttons of the latest message."""

    def __init__(
        self,
        engine: Engine,
        out: TextIO,
        conversation_id: str = "terminal:local",
        echo: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.out = out
        self.conversation_id = conversation_id
        self.echo = echo
        self.clock = clock
        self.buttons: list[Button] = []

    def show(self, replies: list[Outbound]) -> None:
        for reply in replies:
            self.out.write("\n" + render(reply) + "\n")
            if reply.buttons:
                self.buttons = list(reply.buttons)
        self.out.flush()

    async def deliver(self, message: Outbound) -> None:
        """A message from someone else (a volunteer, a notification), printed as it comes."""
        self.show([message])

    def to_inbound(self, line: str) -> Inbound:
        """A typed line: a button number becomes a press, anything else is text."""
        stripped = line.strip()
        number = ascii_number(stripped)
        if number is not None and 1 <= number <= len(self.buttons):
            button = self.buttons[number - 1]
            return Inbound(
                self.conversation_id, CHANNEL, self.clock(), text=button.label, choice=button.id
            )
        return Inbound(self.conversation_id, CHANNEL, self.clock(), text=line.rstrip("\n"))

    async def run(self, lines: TextIO) -> None:
        """Greet, then handle every line until end of input."""
        self.show(await self.engine.greet(self.conversation_id, CHANNEL))
        loop = asyncio.get_running_loop()
        while True:
            if not self.echo:
                self.out.write("> ")
                self.out.flush()
            line = await loop.run_in_executor(None, lines.readline)
            if not line:
                break
            if self.echo:
                self.out.write(f"\n> {line.rstrip()}\n")
            if not line.strip():
                continue
            self.show(await self.engine.handle(self.to_inbound(line)))
