"""Tables about parents and the bot: contacts, hours, channels, FAQ and the decision tree."""

from __future__ import annotations

from bot.stats.figures import tally, total, where
from bot.stats.model import Cell, Shares, Sum, Table, count, rate
from bot.stats.scope import Scope

CHANNELS = ("telegram", "web")
REQUESTED = ("queued", "urgent")


def contacts(s: Scope) -> Table:
    """Contacts per day, week or month, split by channel."""
    found = where(s.events, "contact")
    per = tally(found, s.period)
    per_channel = tally(found, lambda e: f"{s.period(e)}|{e.channel}")
    channels = _channels(s)
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (p, count(per[p]), *(count(per_channel[f"{p}|{c}"]) for c in channels)) for p in s.periods()
    )
    columns = (
        s.labels("period"),
        s.labels("contacts.total"),
        *(s.labels(f"channels.{c}") for c in channels),
    )
    checks = tuple(Sum(tuple((r, c) for c in range(1, len(columns)))) for r in range(len(rows)))
    return Table("contacts", s.labels("contacts.title"), columns, rows, checks=checks)


def heatmap(s: Scope) -> Table:
    """Contacts per weekday and hour of the day (local time), for rosters."""
    found = tally(where(s.events, "contact"), lambda e: f"{s.local(e).weekday()}|{s.local(e).hour}")
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (s.labels(f"weekdays.{day}"), *(count(found[f"{day}|{hour}"]) for hour in range(24)))
        for day in range(7)
    )
    hours = tuple(s.labels("heatmap.hour", hour=f"{h:02d}") for h in range(24))
    title = s.labels("heatmap.title")
    return Table("heatmap", title, ("", *hours), rows, "heatmap", s.labels("heatmap.note"))


def channels(s: Scope) -> Table:
    """The channel mix of contacts."""
    found = tally(where(s.events, "contact"), lambda e: e.channel or "")
    total = sum(found.values())
    rows = tuple(
        (s.labels(f"channels.{c}"), count(found[c]), rate(found[c], total)) for c in _channels(s)
    )
    columns = (s.labels("channels.channel"), s.labels("count"), s.labels("share"))
    shares = Shares(
        tuple((r, 1) for r in range(len(rows))), tuple((r, 2) for r in range(len(rows)))
    )
    return Table("channels", s.labels("channels.title"), columns, rows, checks=(shares,))


def resolved(s: Scope) -> Table:
    """What the bot resolved itself versus what went to a person."""
    faq = where(s.events, "faq", "answer", "chosen")
    helped = where(s.events, "feedback", "helped")
    leaves = where(s.events, "tree", "leaf")
    person = where(s.events, "handoff", *REQUESTED)
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (s.labels(f"resolved.{key}"), count(total(found)))
        for key, found in (
            ("faq_answered", faq),
            ("faq_helped", helped),
            ("tree_leaf", leaves),
            ("to_person", person),
        )
    )
    return Table(
        "resolved", s.labels("resolved.title"), (s.labels("figure"), s.labels("count")), rows
    )


def faq_outcomes(s: Scope) -> Table:
    """Answer, suggestions or no match, with their share of all questions."""
    found = tally(where(s.events, "faq"), lambda e: e.outcome)
    kinds = ("answer", "chosen", "suggestions", "no_match")
    asked = found["answer"] + found["suggestions"] + found["no_match"]
    rows = tuple(
        (s.labels(f"faq_outcomes.{k}"), count(found[k]), rate(found[k], asked)) for k in kinds
    )
    columns = (s.labels("outcomes.outcome"), s.labels("count"), s.labels("share"))
    shares = Shares(((0, 1), (2, 1), (3, 1)), tuple((r, 2) for r in range(len(rows))))
    return Table("faq_outcomes", s.labels("faq_outcomes.title"), columns, rows, checks=(shares,))


def faq_entries(s: Scope) -> Table:
    """The most-asked entries with their thumbs up and down."""
    asked = tally(where(s.events, "faq", "answer", "chosen"), lambda e: e.topic)
    up = tally(where(s.events, "feedback", "helped"), lambda e: e.topic)
    down = tally(where(s.events, "feedback", "not_helped"), lambda e: e.topic)
    ids = sorted(set(asked) | set(up) | set(down), key=lambda i: (-asked[i], i))
    rows = tuple(
        (s.names.entries.get(i, i), count(asked[i]), count(up[i]), count(down[i])) for i in ids
    )
    keys = ("entry", "asked", "helped", "not_helped")
    columns = tuple(s.labels(f"faq_entries.{k}") for k in keys)
    return Table("faq_entries", s.labels("faq_entries.title"), columns, rows)


def tree(s: Scope) -> Table:
    """How many walks through the tree started, reached a leaf, or stopped early."""
    found = tally(where(s.events, "tree"), lambda e: e.outcome)
    started = found["start"] + found["restart"]
    silent = max(0, started - found["leaf"] - found["left"])
    rows = tuple(
        (s.labels(f"tree.{key}"), count(n))
        for key, n in (
            ("started", started),
            ("leaf", found["leaf"]),
            ("left", found["left"]),
            ("silent", silent),
        )
    )
    columns = (s.labels("figure"), s.labels("count"))
    checks = (Sum(((0, 1), (1, 1), (2, 1), (3, 1))),)  # started = leaf + left + silent
    return Table("tree", s.labels("tree.title"), columns, rows, checks=checks)


def tree_left(s: Scope) -> Table:
    """The tree questions parents left from before reaching a leaf."""
    return _per_node(s, "left", "tree_left", ("node", "left"))


def tree_leaves(s: Scope) -> Table:
    """The leaves parents reached."""
    return _per_node(s, "leaf", "tree_leaves", ("node", "reached"))


def _per_node(s: Scope, outcome: str, table_id: str, keys: tuple[str, str]) -> Table:
    found = tally(where(s.events, "tree", outcome), lambda e: e.topic)
    ordered = sorted(found, key=lambda n: (-found[n], n))
    rows = tuple((s.names.nodes.get(n, n), count(found[n])) for n in ordered)
    columns = tuple(s.labels(f"{table_id}.{k}") for k in keys)
    return Table(table_id, s.labels(f"{table_id}.title"), columns, rows)


def _channels(s: Scope) -> list[str]:
    """The known channels, then any other channel the events mention."""
    seen = {e.channel for e, _ in where(s.events, "contact") if e.channel}
    return list(CHANNELS) + sorted(seen - set(CHANNELS))
