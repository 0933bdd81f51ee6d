"""Small helpers the tables share: counting events and robust summaries of durations."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

from bot.stats.model import Figure
from bot.storage import Event

Counted = tuple[Event, int]  # an event and how many times it happened


def tally(events: Iterable[Counted], key: Callable[[Event], str | None]) -> Counter[str]:
    """How many events fall under each key (events whose key is None are skipped)."""
    found: Counter[str] = Counter()
    for event, times in events:
        k = key(event)
        if k is not None:
            found[k] += times
    return found


def total(events: Iterable[Counted]) -> int:
    """How many events these are."""
    return sum(times for _, times in events)


def where(by_kind: Mapping[str, Sequence[Counted]], kind: str, *outcomes: str) -> list[Counted]:
    """The events of one kind (and, when given, one of these outcomes)."""
    return [c for c in by_kind.get(kind, ()) if not outcomes or c[0].outcome in outcomes]


def percentile(values: Sequence[int], share: float) -> float:
    """Nearest-rank percentile (p50 is the median's lower middle for an even count)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return float(ordered[rank - 1])


def median(values: Sequence[int]) -> Figure:
    """The median of durations, shown only when at least SMALL conversations lie behind it."""
    if not values:
        return Figure(0, 0, "minutes")
    ordered = sorted(values)
    middle = len(ordered) // 2
    value = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return Figure(value, len(values), "minutes")


def p90(values: Sequence[int]) -> Figure:
    """The 90th percentile of durations, suppressed like the median."""
    return Figure(percentile(values, 0.9) if values else 0, len(values), "minutes")


def minutes_of(events: Iterable[Counted]) -> list[int]:
    """The durations carried by these events, one per time it happened."""
    return [e.minutes for e, times in events if e.minutes is not None for _ in range(times)]
