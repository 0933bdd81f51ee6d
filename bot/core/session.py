"""A conversation during one turn: mutable state, the replies and the anonymous events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.buttons import HandoffFeedback, Reopen, RequestedRole, one_of
from bot.core.messages import Button, Outbound
from bot.core.safety import CRISIS_CATEGORIES, severity
from bot.core.state import TRIAGE_CATEGORIES, ConversationData, State, parse_state
from bot.storage import ConversationState, Event, hour_bucket

# A parent who writes again after this long starts a new contact in the statistics.
CONTACT_GAP = timedelta(hours=6)
TYPED = ("answer", "suggestions", "no_match")  # FAQ outcomes of a question the parent typed


@dataclass(frozen=True)
class ReviewNote:
    """A question for the coordinators' review, scrubbed before it is stored. `text` None:
    the parent's question at `question_at` in the transcript (a 👎 on an earlier answer)."""

    kind: str  # no_match, suggestions or not_helped
    text: str | None
    entry: str | None
    question_at: str | None = None


@dataclass(frozen=True)
class OpenHandoff:
    """Join the queue for a person of `role`, about `topic` (None: no topic chosen)."""

    role: RequestedRole
    topic: str | None


# Work a pure step leaves for the engine to do against the handoff queue in one transaction:
# open a handoff, record a parent's feedback on one, or reopen one.
Action = OpenHandoff | HandoffFeedback | Reopen


@dataclass
class Session:
    """Working copy of a conversation's state while the engine handles one inbound message."""

    conversation_id: str
    channel: str
    state: State
    path: list[str]
    crisis: bool
    data: ConversationData
    created_at: datetime
    now: datetime
    is_new: bool = False
    replies: list[Outbound] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    # Work that needs the handoff queue (open, feedback, reopen), done in one transaction.
    action: Action | None = None
    # Read fresh each turn, never stored: whether an advisor or buddy is there right now.
    helpers_there: bool = True
    # Whether this turn starts a contact (statistics), and the tree node it began at.
    opens_contact: bool = False
    entered_node: str | None = None
    # Questions for review, and whether the parent took one of the suggestions after all.
    review: list[ReviewNote] = field(default_factory=list)
    took_suggestion: bool = False
    # The stored version this turn read (0: a new conversation); the turn's write checks it.
    read_version: int = 0

    @classmethod
    def start(cls, conversation_id: str, channel: str, now: datetime) -> Session:
        """A conversation the engine has never seen (or that the parent asked us to forget)."""
        return cls(
            conversation_id,
            channel,
            "menu",
            [],
            False,
            ConversationData(),
            now,
            now,
            is_new=True,
            opens_contact=True,
        )

    @classmethod
    def resume(cls, stored: ConversationState, now: datetime) -> Session:
        return cls(
            stored.conversation_id,
            stored.channel,
            parse_state(stored.state),
            list(stored.path),
            stored.crisis,
            ConversationData.from_json(stored.data),
            stored.created_at,
            now,
            opens_contact=now - stored.updated_at >= CONTACT_GAP,
            entered_node=stored.node if stored.state == "tree" else None,
            read_version=stored.version,
        )

    def reply(self, text: str, buttons: tuple[Button, ...] | list[Button] = ()) -> None:
        """Queue a message to the parent; the last buttons shown are what a parent can press."""
        self.replies.append(Outbound(self.conversation_id, text, tuple(buttons)))
        if buttons:
            self.data.shown = tuple(buttons)

    def event(
        self,
        kind: str,
        topic: str | None = None,
        outcome: str | None = None,
        *,
        category: str | None = None,
        minutes: int | None = None,
        volunteer: int | None = None,
    ) -> None:
        """Record an anonymous statistic: no text, no ids, only an hour bucket and channel."""
        hour = hour_bucket(self.now)
        self.events.append(
            Event(kind, topic, outcome, hour, self.channel, category, minutes, volunteer)
        )

    def statistics(self) -> list[Event]:
        """The turn's events, plus where a parent stepped off the tree before a leaf: they
        went elsewhere, or typed a question of their own at that step (once per step)."""
        left = self.entered_node
        asked = any(e.kind == "faq" and e.outcome in TYPED for e in self.events)
        stepped_off = not self.data.tree_left and (self.state != "tree" or asked)
        if left is not None and stepped_off and not self.data.tree_leaf:
            self.event("tree", topic=left, outcome="left")
            self.data.tree_left = True
            self.entered_node = None
        if self.state != "tree":  # off the tree: its step is accounted for (idempotent)
            self.data.tree_leaf = False
            self.data.tree_left = False
            self.entered_node = None
        return self.events

    @property
    def category(self) -> str | None:
        """The most severe triage category this conversation has shown (None: none)."""
        found = self.data.triage
        return found if found else ("suicide" if self.crisis else None)

    def note_triage(self, category: str | None) -> None:
        """Remember a triage outcome: the conversation keeps its most severe category, and
        suicide or harm marks it as a crisis (a later request for a person is urgent)."""
        if category is None:
            return
        known = one_of(category, TRIAGE_CATEGORIES)
        if known is not None and severity(known) > severity(self.data.triage):
            self.data.triage = known
        if category in CRISIS_CATEGORIES:
            self.crisis = True

    @property
    def shown(self) -> list[Button]:
        """The buttons of the most recent message that had any."""
        return list(self.data.shown)

    @property
    def node(self) -> str | None:
        return self.path[-1] if self.state == "tree" and self.path else None

    def to_state(self) -> ConversationState:
        """What to store. The turn's statistics are settled first (idempotent), because they
        change the data they remember (`tree_left`): the stored row is a copy, so whatever
        order a caller asks for the state and the statistics in, both see the same turn."""
        self.statistics()
        return ConversationState(
            conversation_id=self.conversation_id,
            channel=self.channel,
            state=self.state,
            node=self.node,
            path=tuple(self.path),
            crisis=self.crisis,
            data=self.data.to_json(),
            created_at=self.created_at,
            updated_at=self.now,
        )
