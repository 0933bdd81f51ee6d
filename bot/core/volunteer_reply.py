"""What every volunteer action writes to: the replies, the events, and small shared checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.core.messages import Button, Outbound
from bot.core.text_input import ascii_number
from bot.storage import Event, hour_bucket
from handoff.model import Handoff, Volunteer


@dataclass
class Reply:
    """The replies to the volunteer who sent the message, and the events to record."""

    to: str
    now: datetime
    messages: list[Outbound] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def say(
        self, text: str, buttons: list[Button] | None = None, about: Handoff | None = None
    ) -> None:
        """A reply; `about` when it carries a parent's words (erased with that parent)."""
        parent = about.conversation_id if about is not None else None
        self.messages.append(Outbound(self.to, text, tuple(buttons or ()), about=parent))

    def event(
        self,
        kind: str,
        topic: str | None = None,
        outcome: str | None = None,
        *,
        about: Handoff | None = None,
        since: datetime | None = None,
        volunteer: int | None = None,
    ) -> None:
        """Record an anonymous statistic; `since` makes it carry the minutes up to now."""
        minutes = minutes_between(since, self.now) if since is not None else None
        channel = about.channel if about is not None else None
        self.events.append(
            Event(kind, topic, outcome, hour_bucket(self.now), channel, None, minutes, volunteer)
        )

    def case(
        self, outcome: str, handoff: Handoff, volunteer: Volunteer, since: datetime | None
    ) -> None:
        """A step in a volunteer's work on a case: its role, who, and the minutes since `since`
        (the request for a claim: waiting; the claim for an end: handling)."""
        self.event(
            "handoff", handoff.role, outcome, about=handoff, since=since, volunteer=volunteer.id
        )


def minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes from start to end (never negative): waiting and handling times."""
    return max(0, int((end - start).total_seconds() // 60))


def mine(v: Volunteer, handoff: Handoff | None) -> bool:
    """Whether this is one of the volunteer's own open conversations."""
    return handoff is not None and handoff.status == "active" and handoff.volunteer_id == v.id


def number(text: str) -> int | None:
    """A row id from a button or command, or None for anything else (no huge numbers)."""
    return ascii_number(text)
