"""Collect the transcripts here even before tests/conftest.py loads `bot.testing.plugin`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.testing import plugin


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    """The plugin's collector, unless the plugin itself is loaded (then it collects)."""
    if parent.config.pluginmanager.has_plugin("bot.testing.plugin"):
        return None
    return plugin.pytest_collect_file(parent, file_path)
