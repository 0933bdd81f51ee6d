"""A report as tables of figures; every figure knows how many conversations it rests on, so
one rule suppresses small counts the same way on the page, in the API, the CSV and the terminal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

SMALL = 5  # a figure resting on fewer conversations than this is shown as "<5"
SUPPRESSED = "<5"
HIDDEN = "x"  # a larger figure hidden because a "<5" could be worked out from it

Chart = Literal["bars", "heatmap", "none"]
Grouping = Literal["day", "week", "month"]
GROUPINGS: tuple[Grouping, ...] = ("day", "week", "month")


@dataclass(frozen=True)
class Figure:
    """A number and its basis: how many conversations (or events) it was computed from."""

    value: float
    basis: int
    unit: Literal["count", "percent", "minutes", "hours"] = "count"
    hidden: bool = False  # secondary suppression (bot/stats/protect.py)

    @property
    def suppressed(self) -> bool:
        return self.hidden or self.basis < SMALL

    @property
    def small(self) -> bool:
        """A count of 1 to 4: the figures that must never be worked out (0 names nobody)."""
        return self.unit == "count" and 0 < self.value < SMALL

    def exported(self) -> int | float | str:
        """The figure as every surface shows it: '<5' for a small basis, never the number;
        'x' when it was hidden so that a small one cannot be worked out from it."""
        if self.hidden:
            return HIDDEN
        if self.basis < SMALL:
            return SUPPRESSED
        if self.unit == "hours":
            return round(self.value, 1)
        return round(self.value)

    def text(self) -> str:
        """The exported figure as text ('12', '<5', '38%', '7.5')."""
        shown = self.exported()
        return f"{shown}%" if self.unit == "percent" and isinstance(shown, int) else str(shown)


def count(n: int) -> Figure:
    """A count of conversations or events; it is its own basis."""
    return Figure(n, n)


def rate(part: int, whole: int) -> Figure:
    """A percentage; suppressed when the part or the whole counts fewer than SMALL, or when
    the rest (whole minus part) is 1 to 4, because the whole is shown elsewhere."""
    value = 100.0 * part / whole if whole else 0.0
    rest = whole - part
    basis = min(part, whole) if rest == 0 or rest >= SMALL else rest
    return Figure(value, basis, "percent")


Cell = str | Figure
Cell2 = tuple[int, int]  # (row, column) in the table that holds the check
Cell3 = tuple[str, int, int]  # (table id, row, column) anywhere in the report
Slot = Cell2 | Cell3 | int  # a cell, or a value no table shows


@dataclass(frozen=True)
class Sum:
    """The first slot is the sum of the others: any one of them follows from the rest."""

    slots: tuple[Slot, ...]


@dataclass(frozen=True)
class Shares:
    """Percentages of one whole: shown only while none of its counts is small or hidden."""

    counts: tuple[Cell2 | Cell3, ...]
    shares: tuple[Cell2 | Cell3, ...]


@dataclass(frozen=True)
class Ratio:
    """A percentage of two shown counts: it goes when either of them is hidden."""

    rate: Cell2 | Cell3
    part: Cell2 | Cell3
    whole: Cell2 | Cell3


Check = Sum | Shares | Ratio


@dataclass(frozen=True)
class Table:
    """One table of the dashboard: `rows` start with a label; `chart` says how to draw it."""

    id: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    chart: Chart = "bars"
    note: str = ""
    checks: tuple[Check, ...] = ()  # relations between cells that protect.py keeps safe

    def exported_rows(self) -> list[list[str | int | float]]:
        """Rows as the API and the CSV give them (labels as text, figures suppressed)."""
        return [[c.exported() if isinstance(c, Figure) else c for c in row] for row in self.rows]

    def text_rows(self) -> list[list[str]]:
        """Rows as text, for the page and the terminal."""
        return [[c.text() if isinstance(c, Figure) else c for c in row] for row in self.rows]


@dataclass(frozen=True)
class Report:
    """Every table for one date range (inclusive, the helpline's local dates) and grouping."""

    start: date
    end: date
    grouping: Grouping
    tables: tuple[Table, ...]

    def table(self, table_id: str) -> Table | None:
        return next((t for t in self.tables if t.id == table_id), None)

    def as_json(self) -> dict[str, object]:
        """The API's shape: range, grouping and each table with suppressed figures."""
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "grouping": self.grouping,
            "small_count": SMALL,
            "tables": [
                {
                    "id": t.id,
                    "title": t.title,
                    "columns": list(t.columns),
                    "rows": t.exported_rows(),
                    "note": t.note,
                }
                for t in self.tables
            ],
        }
