"""The stress suites' two sizes (#15): a short form in every `pytest` run (CI), the full form
with OUDERLIJN_STRESS=full (README: "Stress suites in full")."""

from __future__ import annotations

import os

FULL = os.environ.get("OUDERLIJN_STRESS", "").strip().lower() == "full"


def size(short: int, full: int) -> int:
    """How many of something (kills, messages, seconds) this run does."""
    return full if FULL else short


def seconds(short: float, full: float) -> float:
    """How long a timed stress run lasts in this form."""
    return full if FULL else short
