"""Flood control per parent: too many typed messages in a short time get ONE friendly reply,
then the bot stays quiet until the window has passed. Nothing is lost: every message is still
stored and relayed, and the crisis check runs on each one before this gate (engine).

The counts live in the conversation's state (`ConversationData.recent`), which every turn
writes, so the limit holds per pseudonym on every channel and across instances. Volunteers
are never limited (the engine only asks for parents' turns); pressed buttons do not count
(a parent walking the tree quickly is no flood). Typing "stop" is always answered: it is the
parent's way out of a chat.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.messages import Button, Inbound
from bot.core.session import Session
from bot.core.texts import Texts
from handoff.model import Handoff

# Where a turn's replies stood (count, buttons shown) and whether it announces the flood.
Mark = tuple[int, tuple[Button, ...], bool]


@dataclass(frozen=True)
class AbuseSettings:
    """`[abuse]` in ouderlijn.toml: flood limits and how long a volunteer's block lasts."""

    # More than one typed message a second for ten seconds is pasting or a script, not a
    # person typing: a parent in distress sending short lines quickly stays well below it.
    burst_messages: int = 10  # more than this many typed messages ...
    burst_seconds: int = 10  # ... within this many seconds is a flood
    window_messages: int = 40  # so is more than this many ...
    window_seconds: int = 300  # ... within five minutes
    block_days: int = 30  # a block ends by itself after this many days
    blocked_notice_hours: int = 24  # a blocked parent hears the neutral text this often at most


class FloodGate:
    """Counts a parent's typed messages and says when they flood."""

    def __init__(self, texts: Texts, settings: AbuseSettings) -> None:
        self.texts = texts
        self.settings = settings

    def count(
        self, session: Session, inbound: Inbound, category: str | None, command: str | None
    ) -> tuple[bool, Mark]:
        """Count this message (a press does not count). Whether to hush the bot's replies
        (over a limit, triage found nothing: distress still gets its words, and not the stop
        `command`: a parent can always leave), and where the replies stand now. Only the last
        `window_messages + 1` times are kept."""
        s, data = self.settings, session.data
        now = int(session.now.timestamp())
        recent = [t for t in data.recent if 0 <= now - t < s.window_seconds]
        if inbound.choice is None:
            recent.append(now)
        data.recent = recent[-(s.window_messages + 1) :]
        burst = sum(1 for t in data.recent if now - t < s.burst_seconds)
        over = burst > s.burst_messages or len(data.recent) > s.window_messages
        if not over:
            data.flood_told = False  # the flood is over: a next one is answered again
        hush = over and inbound.choice is None and category is None and command != "stop"
        announce = hush and not data.flood_told
        if announce:  # decided here, once per turn: a retried transaction says it once too
            data.flood_told = True
            session.event("abuse", outcome="flood")
        return hush, (len(session.replies), data.shown, announce)

    def hush(self, session: Session, mark: Mark, handoff: Handoff | None = None) -> None:
        """Drop the bot's replies since `mark` (the work is done: stored, relayed; buttons
        never seen mean nothing); the first time in a flood, one friendly message instead,
        unless a person is talking with the parent (their story must not be told to wait)."""
        before, shown, announce = mark
        del session.replies[before:]
        session.data.shown = shown
        talking = handoff is not None and handoff.status == "active"
        if announce and not talking:
            session.reply(self.texts.say("flood"))
