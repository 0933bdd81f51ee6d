"""Collect the transcripts here even before tests/conftest.py loads `bot.testing.plugin`
(with `pytest_plugins = ["bot.testing.plugin"]` there, this file does nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest

PLUGIN = "bot.testing.plugin"


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    """Load the plugin on the first transcript (it then collects the rest itself)."""
    manager = parent.config.pluginmanager
    if manager.has_plugin(PLUGIN) or file_path.suffix != ".transcript":
        return None
    manager.import_plugin(PLUGIN)
    plugin = manager.get_plugin(PLUGIN)
    assert plugin is not None
    collected: pytest.Collector | None = plugin.pytest_collect_file(
        parent=parent, file_path=file_path
    )
    return collected
