"""A conversation's stored state, typed: the step it is at and what the bot remembers.

Storage keeps `state` as text and `data` as a JSON object (`ConversationState`), so old rows
keep loading. The core reads them through `parse_state` and `ConversationData.from_json`,
which never raise: an unknown state is the menu, a missing or wrong-typed value its default
(a parent's conversation must never get stuck on a bad row). `to_json` writes the same keys
as before and leaves out values equal to their default, so a stored row stays small; keys
this version does not know (a newer instance's) are kept and written back unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Literal

from bot.core.buttons import REQUESTED_ROLES, RequestedRole, one_of
from bot.core.messages import Button

# The engine's steps: the main menu, waiting for a typed question, walking the decision
# tree, choosing a kind of person, and in a handoff (waiting or talking).
State = Literal["menu", "asking", "tree", "person", "handoff"]
STATES: tuple[State, ...] = ("menu", "asking", "tree", "person", "handoff")
TriageCategory = Literal["suicide", "harm", "distress"]
TRIAGE_CATEGORIES: tuple[TriageCategory, ...] = ("suicide", "harm", "distress")


def parse_state(value: object) -> State:
    """A stored state; anything unknown is the menu, where every parent can go on."""
    return one_of(value, STATES) or "menu"


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _texts(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _count(value: object) -> int | None:
    """A non-negative whole number (JSON has no bool/int distinction Python keeps)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _seconds(value: object) -> list[int]:
    """Whole-second times (flood control), oldest first; anything else is left out."""
    if not isinstance(value, list):
        return []
    return [t for t in value if isinstance(t, int) and not isinstance(t, bool) and t >= 0]


def _flag(value: object) -> bool:
    return value is True


def _buttons(value: object) -> tuple[Button, ...]:
    """Stored as [[id, label], ...]; a malformed pair is left out."""
    if not isinstance(value, list):
        return ()
    return tuple(
        Button(pair[0], pair[1])
        for pair in value
        if isinstance(pair, list)
        and len(pair) == 2
        and isinstance(pair[0], str)
        and isinstance(pair[1], str)
    )


def _moment(value: object) -> datetime | None:
    """An aware ISO time, else None."""
    if not isinstance(value, str):
        return None
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        return None
    return found if found.utcoffset() is not None else None


@dataclass
class ConversationData:
    """Everything the bot remembers about a conversation besides its step and tree path."""

    # The buttons of the most recent message that had any: what a typed "2" means.
    shown: tuple[Button, ...] = ()
    # The most severe triage category seen (a later request for a person is urgent).
    triage: TriageCategory | None = None
    # On the tree: whether the node shown last is a leaf (leaving it is finishing), and
    # whether leaving this step was already counted.
    tree_leaf: bool = False
    tree_left: bool = False
    # FAQ entries answered in this conversation (a volunteer sees their titles), the last
    # one (its 👍/👎 buttons are live), and the typed question behind an answer: when it was
    # asked, which entry answered it, and whether it got suggestions rather than an answer.
    faq_asked: list[str] = field(default_factory=list)
    last_faq: str | None = None
    question_at: str | None = None
    question_for: str | None = None
    suggested: bool = False
    # Asking for a person: the kind chosen, before the topic.
    person_role: RequestedRole | None = None
    # In a handoff: its row, when a waiting parent last heard "we have your message", and
    # which "<handoff>:<category>" crisis help was given in full already.
    handoff: int | None = None
    acked_at: datetime | None = None
    crisis_told: list[str] = field(default_factory=list)
    # Failed `/aanmelden` attempts (a few, then linking is refused).
    link_attempts: int = 0
    # Flood control: when (whole seconds) the parent's recent typed messages came, and whether
    # this flood was already answered with the one friendly message.
    recent: list[int] = field(default_factory=list)
    flood_told: bool = False
    # Blocked: when the parent last heard the neutral text, and whether a crisis since the
    # block lets them ask for a person (urgent) once.
    blocked_told: datetime | None = None
    block_crisis: bool = False
    # Keys this version does not know, written back as they were.
    other: dict[str, object] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> ConversationData:
        """The record in a stored JSON object; never raises, whatever the row holds."""
        if not isinstance(data, Mapping):
            return cls()
        get = data.get
        handoff = _count(get("handoff"))
        return cls(
            shown=_buttons(get("shown")),
            triage=one_of(get("triage"), TRIAGE_CATEGORIES),
            tree_leaf=_flag(get("tree_leaf")),
            tree_left=_flag(get("tree_left")),
            faq_asked=_texts(get("faq_asked")),
            last_faq=_text(get("last_faq")),
            question_at=_text(get("question_at")),
            question_for=_text(get("question_for")),
            suggested=_flag(get("suggested")),
            person_role=one_of(get("person_role"), REQUESTED_ROLES),
            handoff=handoff if handoff else None,
            acked_at=_moment(get("acked_at")),
            crisis_told=_texts(get("crisis_told")),
            link_attempts=_count(get("link_attempts")) or 0,
            recent=_seconds(get("recent")),
            flood_told=_flag(get("flood_told")),
            blocked_told=_moment(get("blocked_told")),
            block_crisis=_flag(get("block_crisis")),
            other={k: v for k, v in data.items() if isinstance(k, str) and k not in _KEYS},
        )

    def to_json(self) -> dict[str, object]:
        """The JSON object to store: the known keys that differ from their default."""
        found: dict[str, object] = dict(self.other)
        values: dict[str, object] = {
            "shown": [[b.id, b.label] for b in self.shown],
            "triage": self.triage,
            "tree_leaf": self.tree_leaf,
            "tree_left": self.tree_left,
            "faq_asked": list(self.faq_asked),
            "last_faq": self.last_faq,
            "question_at": self.question_at,
            "question_for": self.question_for,
            "suggested": self.suggested,
            "person_role": self.person_role,
            "handoff": self.handoff,
            "acked_at": self.acked_at.isoformat() if self.acked_at is not None else None,
            "crisis_told": list(self.crisis_told),
            "link_attempts": self.link_attempts,
            "recent": list(self.recent),
            "flood_told": self.flood_told,
            "blocked_told": self.blocked_told.isoformat() if self.blocked_told else None,
            "block_crisis": self.block_crisis,
        }
        found.update((k, v) for k, v in values.items() if not _is_default(v))
        return found


def _is_default(value: object) -> bool:
    """None, False, 0 or an empty list: what an absent key reads as."""
    return value is None or value is False or value == 0 or value == []


_KEYS = frozenset(f.name for f in fields(ConversationData)) - {"other"}
