"""Shared fixtures: the shipped knowledge is loaded once per test session (it is immutable)."""

from __future__ import annotations

from pathlib import Path

import pytest

from faq.knowledge import Knowledge, load_knowledge

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge()
