"""The handoff vocabulary: volunteers, handoffs in the queue and the messages relayed in them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

ROLES = ("advisor", "buddy", "coordinator")
Role = Literal["advisor", "buddy", "coordinator"]
# What a parent can ask for; "either" means whoever is free first.
REQUESTED_ROLES = ("advisor", "buddy", "either")
# Triage categories, most severe first; suicide and harm make a request urgent.
CATEGORIES = ("suicide", "harm", "distress")
URGENT_CATEGORIES = ("suicide", "harm")


def severity_of(category: str | None) -> int:
    """3 for suicide, 2 for harm, 1 for distress, 0 for the rest (the queue's first key)."""
    return len(CATEGORIES) - CATEGORIES.index(category) if category in CATEGORIES else 0


STATUSES = ("queued", "active", "closed")
# How a volunteer closes a conversation; the first ones are what a volunteer picks, the last
# ones are set by the system.
OUTCOMES = ("advice", "referred", "buddy_contact", "no_response", "other")
SYSTEM_OUTCOMES = ("parent_stopped", "parent_left_queue", "unreachable")
Sender = Literal["parent", "volunteer", "note", "system"]


class HandoffError(Exception):
    """A handoff or volunteer action that cannot be done; the message says why (English)."""


@dataclass(frozen=True)
class Volunteer:
    """A person behind the helpline; `address` is the linked account's pseudonym, if any."""

    id: int
    name: str
    role: Role
    topics: tuple[str, ...]
    max_active: int
    available: bool
    address: str | None = None
    channel: str | None = None
    current_handoff: int | None = None
    pending: dict[str, object] = field(default_factory=dict, hash=False)
    active: int = 0  # how many conversations this volunteer has open now

    @property
    def linked(self) -> bool:
        return self.address is not None

    @property
    def free(self) -> int:
        """Free places for more conversations (never negative)."""
        return max(0, self.max_active - self.active)

    def serves(self, role: str) -> bool:
        """Whether this volunteer takes handoffs that asked for `role`."""
        return role == "either" or self.role == role


@dataclass(frozen=True)
class Summary:
    """What the volunteer reads before saying hello, so the parent need not repeat the story."""

    tree_route: tuple[str, ...] = ()
    faq_titles: tuple[str, ...] = ()
    crisis: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "tree_route": list(self.tree_route),
            "faq_titles": list(self.faq_titles),
            "crisis": self.crisis,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Summary:
        route, titles = data.get("tree_route", []), data.get("faq_titles", [])
        return cls(
            tuple(str(x) for x in route) if isinstance(route, list) else (),
            tuple(str(x) for x in titles) if isinstance(titles, list) else (),
            bool(data.get("crisis", False)),
        )


@dataclass(frozen=True)
class Handoff:
    """One parent's request for a person, from the queue to closing (and maybe reopening)."""

    id: int
    code: str  # the parent's pseudonym towards volunteers: "Ouder #K7"
    conversation_id: str
    channel: str
    role: str
    topic: str | None
    urgent: bool  # suicide or harm: announced at once, advisors and coordinators first
    status: str
    volunteer_id: int | None
    preferred_volunteer: int | None
    summary: Summary
    first_requested_at: datetime
    requested_at: datetime
    queued_at: datetime | None = None  # when it last entered the queue (escalation clock)
    claimed_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: str | None = None
    feedback: str | None = None
    announced: bool = False
    escalated: bool = False
    told_position: int | None = None
    told_wait: int | None = None
    told_closed: bool = False  # the parent heard that the line is closed now
    category: str | None = None  # triage: suicide, harm, distress or None
    severity: int = 0  # 3 suicide, 2 harm, 1 distress, 0 the rest: the queue's first key
    open_to_buddies: bool = True  # an urgent request goes to buddies only after advisors
    announce_step: int = 0  # how often the circle of volunteers told was widened

    @property
    def is_open(self) -> bool:
        return self.status != "closed"


@dataclass(frozen=True)
class WaitingView:
    """A waiting handoff as the queue watch scans it: no summary (nothing to parse), only what
    ordering, wait estimates and escalation need. Fetch the Handoff for a notice."""

    id: int
    code: str
    conversation_id: str
    channel: str
    role: str
    topic: str | None
    urgent: bool
    severity: int
    open_to_buddies: bool
    preferred_volunteer: int | None
    requested_at: datetime
    queued_at: datetime | None
    announced: bool
    escalated: bool
    announce_step: int
    told_position: int | None
    told_wait: int | None
    told_closed: bool


@dataclass(frozen=True)
class RelayedMessage:
    """A message kept with a handoff so whoever picks it up can read the story so far."""

    id: int
    handoff_id: int
    at: datetime
    sender: Sender
    volunteer_id: int | None
    text: str
