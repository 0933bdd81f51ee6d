"""The core never imports a channel library (DESIGN.md: dependencies point inward)."""

from __future__ import annotations

import ast
import re
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


DATABASE_LIBRARIES = {"sqlite3", "sqlite_utils", "psycopg", "psycopg_pool"}
SQL_WORDS = re.compile(r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b")


def full_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "handoff").rglob("*.py")), ids=lambda p: p.name)
def test_handoff_holds_rules_only(path):
    """`handoff` knows no database and no engine: its rules are plain functions."""
    imported = full_imports(path)
    assert not {name.split(".")[0] for name in imported} & DATABASE_LIBRARIES
    assert not [name for name in imported if name == "bot" or name.startswith("bot.")]


@pytest.mark.parametrize(
    "path",
    [
        p
        for folder in ("bot", "faq", "handoff")
        for p in sorted((ROOT / folder).rglob("*.py"))
        if "storage" not in p.relative_to(ROOT).parts
    ],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_sql_lives_in_the_storage_package(path):
    """The core holds rules, the storage contract is its only way to the database: no SQL
    and no database library outside `bot/storage`."""
    assert not SQL_WORDS.search(path.read_text(encoding="utf-8")), path
    assert not {name.split(".")[0] for name in full_imports(path)} & DATABASE_LIBRARIES


@pytest.mark.parametrize(
    "path",
    [
        p
        for folder in ("bot", "faq", "handoff", "bench")
        for p in sorted((ROOT / folder).rglob("*.py"))
        if p.relative_to(ROOT).parts[:2] != ("bot", "testing")
    ],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_only_tests_import_the_testing_kit(path):
    """`bot.testing` (fakes, pytest plugin) is for tests: the bot itself never imports it."""
    assert not [n for n in full_imports(path) if n == "bot.testing" or n.startswith("bot.testing.")]
