"""Secondary suppression: a "<5" must not be recoverable by subtraction. When a total and its
parts are shown and only one of them is unknown and that one is a count of 1 to 4, the
smallest other shown figure is hidden ("x") too; percentages of a whole go when any of its
counts is small or hidden. Zero is not protected: it names nobody."""

from __future__ import annotations

from dataclasses import replace

from bot.stats.model import Cell, Figure, Shares, Slot, Sum, Table


def protect(table: Table) -> Table:
    """The table with every figure hidden that would give a small count away."""
    if not table.checks:
        return table
    cells = [list(row) for row in table.rows]

    def figure(slot: Slot) -> Figure | None:
        if isinstance(slot, int):
            return None
        cell = cells[slot[0]][slot[1]]
        return cell if isinstance(cell, Figure) else None

    def unknown(slot: Slot) -> bool:
        found = figure(slot)
        return found is None or found.suppressed

    def small(slot: Slot) -> bool:
        found = figure(slot)
        return 0 < slot < 5 if isinstance(slot, int) else found is not None and found.small

    def hide(slot: tuple[int, int]) -> None:
        found = figure(slot)
        assert found is not None
        cells[slot[0]][slot[1]] = replace(found, hidden=True)

    sums = [c for c in table.checks if isinstance(c, Sum)]
    changed = True
    while changed:
        changed = False
        for check in sums:
            missing = [s for s in check.slots if unknown(s)]
            if len(missing) != 1 or not small(missing[0]):
                continue
            shown = [s for s in check.slots if isinstance(s, tuple) and not unknown(s)]
            if shown:
                hide(min(shown, key=lambda s: _value(figure(s))))
                changed = True
    for group in (c for c in table.checks if isinstance(c, Shares)):
        if any(small(s) or _hidden(figure(s)) for s in group.counts):
            for s in group.shares:
                if not unknown(s):
                    hide(s)
    rows: tuple[tuple[Cell, ...], ...] = tuple(tuple(row) for row in cells)
    return replace(table, rows=rows)


def _value(found: Figure | None) -> float:
    return found.value if found is not None else 0.0


def _hidden(found: Figure | None) -> bool:
    return found is not None and found.hidden
