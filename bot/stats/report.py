"""Build the coordinators' report from anonymous events: every table of the dashboard."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from bot.stats import handoff_tables, parent_tables
from bot.stats.labels import Labels, load_labels
from bot.stats.model import Check, Grouping, Report, Slot, Sum, Table
from bot.stats.periods import hour_range
from bot.stats.protect import protect
from bot.stats.scope import Names, Scope
from bot.storage import Event
from handoff.model import CATEGORIES, OUTCOMES

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
    tables = tuple(build(scope) for build in BUILDERS)
    return Report(start, end, grouping, protect(tables, cross_checks(tables)))


def cross_checks(tables: tuple[Table, ...]) -> tuple[Check, ...]:
    """Figures that add up across tables, so a "<5" in one cannot be had from the others.
    Row positions are the builders' (parent_tables.py, handoff_tables.py)."""
    by_id = {t.id: t for t in tables}

    def column(table_id: str, col: int, rows: range | None = None) -> tuple[Slot, ...]:
        table = by_id[table_id]
        return tuple((table_id, r, col) for r in rows or range(len(table.rows)))

    channel_rows = {label: r for r, (label, *_) in enumerate(by_id["channels"].rows)}
    contacts = by_id["contacts"]
    per_channel = tuple(
        Sum((("channels", channel_rows[name], 1), *column("contacts", c)))
        for c, name in enumerate(contacts.columns[2:], start=2)
        if name in channel_rows
    )
    return (
        *per_channel,
        Sum((("resolved", 0, 1), ("faq_outcomes", 0, 1), ("faq_outcomes", 1, 1))),
        Sum((("resolved", 0, 1), *column("faq_entries", 1))),
        Sum((("resolved", 1, 1), *column("faq_entries", 2))),
        Sum((("tree", 1, 1), *column("tree_leaves", 1))),
        Sum((("tree", 2, 1), *column("tree_left", 1))),
        Sum((("handoffs", 3, 1), *column("volunteers", 1))),
        Sum((("helped", 0, 1), *column("outcomes", 1, range(len(OUTCOMES))))),
        Sum((("handoffs", 1, 1), *column("urgent", len(CATEGORIES) + 1))),
    )
