"""How the handoff desk behaves: opening hours, escalation, reopening and invite codes."""

from __future__ import annotations

from dataclasses import dataclass, field

from handoff.hours import OpeningHours


@dataclass(frozen=True)
class HandoffSettings:
    """From `[handoff]` and `[helpline.hours]` in ouderlijn.toml; defaults suit a small line."""

    hours: OpeningHours = field(default_factory=OpeningHours.default)
    escalate_after_minutes: float = 10.0  # unclaimed this long (while open): tell everyone
    urgent_buddy_after_minutes: float = 5.0  # an urgent request goes to buddies after this
    reopen_days: int = 7  # a parent can reopen a closed conversation this long
    invite_days: int = 7  # how long a volunteer's invite code works
    watch_seconds: float = 30.0  # how often the queue is checked for escalation and updates
    history_lines: int = 20  # relayed messages shown to whoever picks a conversation up
    # a request is announced to this many best-matching advisors or buddies at first; each
    # escalation (every escalate_after_minutes unclaimed) tells this many more
    announce_limit: int = 10
