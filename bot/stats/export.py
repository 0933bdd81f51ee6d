"""A report for people and programs: CSV per table, JSON, and plain text for the terminal.
All three go through Table.exported_rows/text_rows, so a small count is "<5" everywhere."""

from __future__ import annotations

import csv
import io

from bot.stats.labels import Labels
from bot.stats.model import Report, Table


def table_csv(table: Table) -> str:
    """One table as CSV (header row, then the rows; suppressed figures as '<5')."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.exported_rows():
        writer.writerow([_safe_cell(c) for c in row])
    return out.getvalue()


def _safe_cell(cell: str | int | float) -> str | int | float:
    """Neutralise spreadsheet formulas in labels (a name starting with '=' or '+')."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r") and cell != "<5":
        return "'" + cell
    return cell


def report_text(report: Report, labels: Labels) -> str:
    """Every table as aligned plain text, for `ouderlijn stats`."""
    parts = [f"{report.start.isoformat()} – {report.end.isoformat()} ({report.grouping})"]
    for table in report.tables:
        parts.append(_table_text(table))
    parts.append(labels("small"))
    return "\n\n".join(parts) + "\n"


def _table_text(table: Table) -> str:
    rows = [list(table.columns), *table.text_rows()]
    if table.chart == "heatmap":  # 24 hour columns do not fit a terminal: hours become rows
        rows = [list(column) for column in zip(*rows, strict=True)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [table.title, "-" * len(table.title)]
    for row in rows:
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
