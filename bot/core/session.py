"""A conversation during one turn: mutable state, the replies and the anonymous events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.messages import Button, Outbound
from bot.core.safety import CRISIS_CATEGORIES, severity
from bot.storage import ConversationState, Event


@dataclass
class Session:
    """Working copy of a conversation's state while the engine handles one inbound message."""

    conversation_id: str
    channel: str
    state: str
    path: list[str]
    crisis: bool
    data: dict[str, Any]
    created_at: datetime
    now: datetime
    is_new: bool = False
    replies: list[Outbound] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    # Work that needs the handoff queue (open, feedback, reopen), done in one transaction.
    action: dict[str, Any] | None = None
    # Read fresh each turn, never stored: whether an advisor or buddy is there right now.
    helpers_there: bool = True

    @classmethod
    def start(cls, conversation_id: str, channel: str, now: datetime) -> Session:
        """A conversation the engine has never seen (or that the parent asked us to forget)."""
        return cls(conversation_id, channel, "menu", [], False, {}, now, now, is_new=True)

    @classmethod
    def resume(cls, stored: ConversationState, now: datetime) -> Session:
        return cls(
            stored.conversation_id,
            stored.channel,
            stored.state,
            list(stored.path),
            stored.crisis,
            dict(stored.data),
            stored.created_at,
            now,
        )

    def reply(self, text: str, buttons: tuple[Button, ...] | list[Button] = ()) -> None:
        """Queue a message to the parent; the last buttons shown are what a parent can press."""
        self.replies.append(Outbound(self.conversation_id, text, tuple(buttons)))
        if buttons:
            self.data["shown"] = [[b.id, b.label] for b in buttons]

    def event(self, kind: str, topic: str | None = None, outcome: str | None = None) -> None:
        """Record an anonymous statistic: no text, no ids, only an hour bucket."""
        self.events.append(
            Event(kind=kind, topic=topic, outcome=outcome, hour=self.now.strftime("%Y-%m-%dT%H"))
        )

    @property
    def category(self) -> str | None:
        """The most severe triage category this conversation has shown (None: none)."""
        found = self.data.get("triage")
        return str(found) if found else ("suicide" if self.crisis else None)

    def note_triage(self, category: str | None) -> None:
        """Remember a triage outcome: the conversation keeps its most severe category, and
        suicide or harm marks it as a crisis (a later request for a person is urgent)."""
        if category is None:
            return
        if severity(category) > severity(self.data.get("triage")):
            self.data["triage"] = category
        if category in CRISIS_CATEGORIES:
            self.crisis = True

    @property
    def shown(self) -> list[Button]:
        """The buttons of the most recent message that had any."""
        return [Button(str(i), str(label)) for i, label in self.data.get("shown", [])]

    @property
    def node(self) -> str | None:
        return self.path[-1] if self.state == "tree" and self.path else None

    def to_state(self) -> ConversationState:
        return ConversationState(
            conversation_id=self.conversation_id,
            channel=self.channel,
            state=self.state,
            node=self.node,
            path=tuple(self.path),
            crisis=self.crisis,
            data=self.data,
            created_at=self.created_at,
            updated_at=self.now,
        )
