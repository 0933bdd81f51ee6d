"""Build the coordinators' report from anonymous events: every table of the dashboard."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from bot.stats import handoff_tables, parent_tables
from bot.stats.labels import Labels, load_labels
from bot.stats.model import Grouping, Report
from bot.stats.periods import hour_range
from bot.stats.protect import protect
from bot.stats.scope import Names, Scope
from bot.storage import Event

BUILDERS = (
    parent_tables.contacts,
    parent_tables.heatmap,
    parent_tables.channels,
    parent_tables.resolved,
    parent_tables.faq_outcomes,
    parent_tables.faq_entries,
    parent_tables.tree,
    parent_tables.tree_left,
    parent_tables.tree_leaves,
    handoff_tables.handoffs,
    handoff_tables.handling,
    handoff_tables.outcomes,
    handoff_tables.helped,
    handoff_tables.urgent,
    handoff_tables.volunteers,
)
TABLE_IDS = tuple(b.__name__ for b in BUILDERS)


def build_report(
    events: Sequence[tuple[Event, int]],
    start: date,
    end: date,
    grouping: Grouping,
    zone: ZoneInfo,
    names: Names | None = None,
    labels: Labels | None = None,
) -> Report:
    """Every table for the local dates start..end from (event, how often) pairs; events
    outside the range are ignored."""
    first, last = hour_range(start, end, zone)
    by_kind: dict[str, list[tuple[Event, int]]] = defaultdict(list)
    for event, times in events:
        if first <= event.hour <= last:
            by_kind[event.kind].append((event, times))
    scope = Scope(by_kind, start, end, grouping, zone, labels or load_labels(), names or Names())
    return Report(start, end, grouping, tuple(protect(build(scope)) for build in BUILDERS))
