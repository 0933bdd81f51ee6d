"""Secondary suppression: no "<5" (1 to 4) may be worked out from what the report shows.

The report's relations are linear: a `Sum` (a total and its parts, also across tables, also
with values no table shows, such as the closing question's "no"), a `Ratio` (a percentage of
two counts) and `Shares` (percentages of one whole). A reader who knows the shown figures can
solve them; `disclosed` does the same and finds every small count that would come out, also
when several small parts are pinned down together (8 = 4 + 4). For each, the smallest shown
count in one of its relations is hidden ("x"), until nothing small follows. Zero is not
protected: it names nobody."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from bot.stats.model import Cell, Cell3, Check, Figure, Ratio, Shares, Slot, Sum, Table

Key = tuple[str, int, int]
Var = Key | tuple[str, int]  # a cell, or a value no table shows ("#", its number)


@dataclass(frozen=True)
class Relation:
    """`total` = sum of `parts`, or (ratio) `rate` = part / whole."""

    kind: str  # "sum" or "ratio"
    items: tuple[Var, ...]


def protect(tables: Iterable[Table], cross: Iterable[Check] = ()) -> tuple[Table, ...]:
    """The tables with every figure hidden that would give a small count away."""
    tables = tuple(tables)
    cells: dict[Key, Figure] = {
        (t.id, r, c): cell
        for t in tables
        for r, row in enumerate(t.rows)
        for c, cell in enumerate(row)
        if isinstance(cell, Figure)
    }
    hidden_values: dict[Var, float] = {}
    relations: list[Relation] = []
    for check in [_global(t.id, c) for t in tables for c in t.checks] + list(cross):
        relations.extend(_relations(check, hidden_values))
    for _ in range(len(cells)):  # each round hides one more figure; this bounds the loop
        found = disclosed(cells, hidden_values, relations)
        if not found or not _hide_one(found, cells, relations):
            break
    return tuple(_rebuild(t, cells) for t in tables)


def disclosed(
    cells: dict[Key, Figure], hidden_values: dict[Var, float], relations: list[Relation]
) -> list[Var]:
    """The small counts (1 to 4) a reader could work out, or narrow to 0-4 together."""
    known: set[Var] = {k for k, f in cells.items() if not f.suppressed}
    changed = True
    while changed:
        changed = False
        for rel in relations:
            missing = [v for v in rel.items if v not in known]
            if len(missing) == 1 and (rel.kind == "sum" or len(rel.items) == 3):
                known.add(missing[0])
                changed = True

    def value(v: Var) -> float:
        return cells[v].value if v in cells else hidden_values.get(v, 0.0)

    def small(v: Var) -> bool:
        if v in cells:
            return cells[v].small and cells[v].basis < 5
        return 0 < hidden_values.get(v, 0) < 5

    found = [v for v in known if small(v) and (v not in cells or cells[v].suppressed)]
    for rel in relations:  # several small parts pinned by a known total: 8 = 4 + 4
        total, parts = rel.items[0], rel.items[1:]
        missing = [v for v in parts if v not in known]
        if rel.kind != "sum" or total not in known or len(missing) < 2:
            continue
        if not all(_bounded(v, cells, hidden_values) for v in missing):
            continue
        rest = value(total) - sum(value(v) for v in parts if v in known)
        if rest > 4 * (len(missing) - 1):  # then every missing part is at least 1
            found.extend(v for v in missing if small(v))
    return sorted(set(found), key=str)


def _bounded(v: Var, cells: dict[Key, Figure], hidden_values: dict[Var, float]) -> bool:
    """A reader knows it lies in 0..4: a "<5" count, or a value no table shows below 5."""
    if v in cells:
        figure = cells[v]
        return figure.unit == "count" and figure.suppressed and not figure.hidden
    return hidden_values.get(v, 5) < 5


def _hide_one(found: list[Var], cells: dict[Key, Figure], relations: list[Relation]) -> bool:
    """Hide the smallest shown figure in a relation of the first disclosed count."""
    for target in found:
        for rel in relations:
            if target not in rel.items:
                continue
            shown = [v for v in rel.items if v in cells and not cells[v].suppressed]
            if shown:
                chosen = min(shown, key=lambda v: (cells[v].unit != "count", cells[v].value))
                cells[chosen] = replace(cells[chosen], hidden=True)
                return True
    return False


def _relations(check: Check, hidden_values: dict[Var, float]) -> list[Relation]:
    """The linear relations behind one check; values no table shows get a variable."""

    def var(slot: Slot) -> Var:
        if isinstance(slot, int):
            name = ("#", len(hidden_values))
            hidden_values[name] = slot
            return name
        return _key(slot)

    if isinstance(check, Sum):
        return [Relation("sum", tuple(var(s) for s in check.slots))]
    if isinstance(check, Ratio):
        return [Relation("ratio", (_key(check.rate), _key(check.part), _key(check.whole)))]
    whole = ("#", len(hidden_values))
    hidden_values[whole] = 10**9  # unknown to the reader and never small
    counts = [_key(s) for s in check.counts]
    found = [Relation("sum", (whole, *counts))]
    found += [
        Relation("ratio", (_key(share), count, whole))
        for share, count in zip(check.shares, counts, strict=False)
    ]
    return found


def _key(slot: Slot) -> Key:
    assert not isinstance(slot, int) and len(slot) == 3
    return slot


def _global(table_id: str, check: Check) -> Check:
    """A table's own check with its cells named by table id."""

    def name(slot: Slot) -> Slot:
        return (table_id, *slot) if not isinstance(slot, int) and len(slot) == 2 else slot

    def cell(slot: tuple[int, int] | Cell3) -> Cell3:
        return (table_id, *slot) if len(slot) == 2 else slot

    if isinstance(check, Sum):
        return Sum(tuple(name(s) for s in check.slots))
    if isinstance(check, Shares):
        return Shares(tuple(map(cell, check.counts)), tuple(map(cell, check.shares)))
    return Ratio(cell(check.rate), cell(check.part), cell(check.whole))


def _rebuild(table: Table, cells: dict[Key, Figure]) -> Table:
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        tuple(cells.get((table.id, r, c), cell) for c, cell in enumerate(row))
        for r, row in enumerate(table.rows)
    )
    return replace(table, rows=rows)
