"""A realistic expected wait: places ahead, free volunteers and how long conversations take."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from handoff.model import Handoff, Volunteer

DEFAULT_HANDLING_MINUTES = 20.0
SOON_MINUTES = 5  # "binnen een paar minuten"
ROUND_TO = 5


@dataclass(frozen=True)
class WaitEstimate:
    """Place in the queue (1 = next) and the expected wait in minutes; None = nobody is there."""

    position: int
    minutes: int | None

    def differs_from(self, position: int | None, minutes: int | None) -> bool:
        """Worth telling the parent again: they are next now, or the wait moved 10+ minutes."""
        if position is None:
            return True
        if self.position == 1 and position != 1:
            return True
        if (self.minutes is None) != (minutes is None):
            return True
        if self.minutes is not None and minutes is not None:
            return abs(self.minutes - minutes) >= 10
        return False


def position_in(queue: Sequence[Handoff], handoff_id: int) -> int:
    """1-based place among everyone waiting (queue already in order)."""
    for place, waiting in enumerate(queue, 1):
        if waiting.id == handoff_id:
            return place
    return 0


def estimate(
    handoff: Handoff,
    queue: Sequence[Handoff],
    volunteers: Sequence[Volunteer],
    handling: Sequence[float],
) -> WaitEstimate:
    """Expected wait for `handoff`: the ones ahead that the same people serve, divided over
    the free places, in rounds of a typical conversation's length."""
    ahead = [h for h in queue if h.id != handoff.id and _ahead(h, handoff)]
    serving = [v for v in volunteers if v.serves(handoff.role)]
    position = position_in(queue, handoff.id) or len(ahead) + 1
    capacity = sum(v.max_active for v in serving)
    if capacity == 0:
        return WaitEstimate(position, None)
    free = sum(v.free for v in serving)
    competing = len(ahead) + 1
    if competing <= free:
        return WaitEstimate(position, SOON_MINUTES)
    typical = statistics.median(handling) if handling else DEFAULT_HANDLING_MINUTES
    rounds = math.ceil((competing - free) / capacity)
    minutes = max(SOON_MINUTES, rounds * typical)
    return WaitEstimate(position, int(math.ceil(minutes / ROUND_TO) * ROUND_TO))


def _ahead(other: Handoff, mine: Handoff) -> bool:
    """Whether `other` will be picked up before `mine` by the same kind of volunteer."""
    overlaps = other.role == mine.role or "either" in (other.role, mine.role)
    earlier = (-other.severity, other.requested_at, other.id) < (
        -mine.severity,
        mine.requested_at,
        mine.id,
    )
    return overlaps and earlier
