"""A realistic expected wait: places ahead, free volunteers and how long conversations take."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from handoff.model import Handoff, Volunteer, WaitingView

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
    free = sum(v.free for v in serving)
    return _wait(position, len(ahead) + 1, capacity, free, lambda: _typical(handling))


def estimate_from_counts(
    role: str,
    position: int,
    ahead: int,
    volunteers: Sequence[Volunteer],
    handling: Sequence[float],
) -> WaitEstimate:
    """`estimate` for one parent from counts the database gives cheaply: their place and how
    many ahead ask for a role that the same volunteers serve."""
    serving = [v for v in volunteers if v.serves(role)]
    capacity = sum(v.max_active for v in serving)
    free = sum(v.free for v in serving)
    return _wait(position, ahead + 1, capacity, free, lambda: _typical(handling))


def estimates(
    queue: Sequence[Handoff | WaitingView],
    volunteers: Sequence[Volunteer],
    handling: Sequence[float],
) -> dict[int, WaitEstimate]:
    """`estimate` for every handoff in `queue` at once, in O(n log n + volunteers + handling):
    running counts per requested role replace the scan of the queue per parent."""
    capacity: Counter[str] = Counter()
    free: Counter[str] = Counter()
    for v in volunteers:  # who serves a role: that role's volunteers; "either": everyone
        capacity[v.role] += v.max_active
        free[v.role] += v.free
    all_capacity, all_free = sum(capacity.values()), sum(free.values())
    typical = _typical(handling)
    places: dict[int, int] = {}
    for place, waiting in enumerate(queue, 1):
        places.setdefault(waiting.id, place)
    # in queue order (already sorted: Timsort makes this O(n)), so "ahead" = earlier and
    # overlapping: the same role, or either side asked for "either"
    ordered = sorted(queue, key=lambda h: (-h.severity, h.requested_at, h.id))
    earlier: Counter[str] = Counter()
    result: dict[int, WaitEstimate] = {}
    for count, handoff in enumerate(ordered):
        role = handoff.role
        if role == "either":
            ahead, cap, room = count, all_capacity, all_free
        else:
            ahead, cap, room = earlier[role] + earlier["either"], capacity[role], free[role]
        earlier[role] += 1
        result.setdefault(
            handoff.id, _wait(places[handoff.id], ahead + 1, cap, room, lambda: typical)
        )
    return result


def _typical(handling: Sequence[float]) -> float:
    """How long a conversation usually takes: the median, or a default before there is any."""
    return statistics.median(handling) if handling else DEFAULT_HANDLING_MINUTES


def _wait(
    position: int, competing: int, capacity: int, free: int, typical: Callable[[], float]
) -> WaitEstimate:
    """The ones competing (ahead + this one) over the free places, then in rounds of a
    typical conversation over the whole capacity; rounded up to ROUND_TO minutes."""
    if capacity == 0:
        return WaitEstimate(position, None)
    if competing <= free:
        return WaitEstimate(position, SOON_MINUTES)
    rounds = math.ceil((competing - free) / capacity)
    minutes = max(SOON_MINUTES, rounds * typical())
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
