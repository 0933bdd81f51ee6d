"""Machine-readable results for the benchmarks (#15): every benchmark takes `--json PATH` and
writes its figures there as well as printing them; `python -m bench.report` collects them."""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def add_option(parser: argparse.ArgumentParser) -> None:
    """The `--json PATH` option every benchmark shares."""
    parser.add_argument(
        "--json", type=Path, metavar="PATH", help="also write the figures there as JSON"
    )


def write(path: Path | None, figures: dict[str, Any]) -> None:
    """Write `figures` to `path` (nothing when no path was asked for)."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2, sort_keys=False) + "\n")


def nearest(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile, as the benchmarks print them; 0.0 for no values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


def latency_ms(samples: Sequence[float]) -> dict[str, float]:
    """p50 (median), p99 in milliseconds and n of latency samples given in seconds."""
    if not samples:
        return {"p50_ms": 0.0, "p99_ms": 0.0, "n": 0}
    return {
        "p50_ms": statistics.median(samples) * 1000,
        "p99_ms": nearest(samples, 0.99) * 1000,
        "n": len(samples),
    }
