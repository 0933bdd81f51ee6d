"""The stress suites' two sizes (#15): a short form in every `pytest` run (CI), the full form
with OUDERLIJN_STRESS=full (README: "Stress suites in full")."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

FULL = os.environ.get("OUDERLIJN_STRESS", "").strip().lower() == "full"


def size(short: int, full: int) -> int:
    """How many of something (kills, messages, seconds) this run does."""
    return full if FULL else short


def seconds(short: float, full: float) -> float:
    """How long a timed stress run lasts in this form."""
    return full if FULL else short


RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"


def record(name: str, figures: dict[str, Any]) -> None:
    """Keep a stress run's figures (kills, faults, inputs, lost, duplicated) for the benchmark
    report (`python -m bench.report` puts them in bench/README.md); only the full form writes."""
    if not FULL and not os.environ.get("OUDERLIJN_STRESS_RECORD"):
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    figures = {"suite": name, "form": "full" if FULL else "short", **figures}
    (RESULTS / f"stress-{name}.json").write_text(json.dumps(figures, indent=2) + "\n")
