"""The core never imports a channel library (DESIGN.md: dependencies point inward)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = [
    ROOT / "bot" / "core",
    ROOT / "bot" / "stats",
    ROOT / "bot" / "review",
    ROOT / "bot" / "privacy",
    ROOT / "faq",
    ROOT / "handoff",
]
FORBIDDEN = {"telegram", "aiohttp"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    "path",
    [p for d in CORE for p in sorted(d.rglob("*.py"))],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_core_module_imports_no_channel_library(path):
    assert not imported_modules(path) & FORBIDDEN


def test_no_module_is_huge():
    for folder in ("bot", "faq", "handoff", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            assert len(path.read_text(encoding="utf-8").splitlines()) < 400, path
