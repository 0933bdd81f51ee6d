"""Kept for the existing tests: the fakes now ship in the package, `bot.testing.fakes`."""

from __future__ import annotations

from bot.testing.fakes import (
    NAMES,
    Account,
    FakeChannel,
    FakeClock,
    FakeParent,
    Helpline,
    build_engine,
    someone_there,
)

__all__ = [
    "NAMES",
    "Account",
    "FakeChannel",
    "FakeClock",
    "FakeParent",
    "Helpline",
    "build_engine",
    "someone_there",
]
