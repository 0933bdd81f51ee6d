"""The pytest plugin: a `helpline` fixture and `*.transcript` files collected as tests.

A helpline that installs ouderlijn writes one line in its conftest.py::

    pytest_plugins = ["bot.testing.plugin"]

Its content is the shipped one, or the one an `ouderlijn.toml` names: set the ini option
`ouderlijn_config = path/to/ouderlijn.toml` (relative to the rootdir) in pytest's settings.
"""

from __future__ import annotations

import asyncio
import functools
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from _pytest._code.code import TerminalRepr, TracebackEntry, TracebackStyle

from bot.app import Content, Wiring, default_settings, load_content
from bot.config import Settings, load_settings
from bot.storage import AsyncStore
from bot.testing.fakes import FakeChannel, FakeClock, Helpline
from bot.testing.runner import TranscriptError, run_scenario
from bot.testing.transcript import Scenario, TranscriptSyntaxError, parse_file, slug
from faq.knowledge import KnowledgeSources
from faq.matcher import MatcherSettings

SUFFIX = ".transcript"


@dataclass(frozen=True)
class Kit:
    """What every test helpline is built from: settings and content, loaded once a session."""

    settings: Settings
    content: Content


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ini option that points the kit at a helpline's own ouderlijn.toml."""
    parser.addini(
        "ouderlijn_config",
        "ouderlijn.toml whose content and settings test helplines use (default: shipped)",
        default="",
    )


def kit(config: pytest.Config) -> Kit:
    """The session's Kit: the configured (or shipped) settings and content."""
    try:
        name = str(config.getini("ouderlijn_config") or "")
    except ValueError:  # collected through a conftest hook, the plugin not loaded
        name = ""
    path = (
        "" if not name else str(Path(name) if Path(name).is_absolute() else config.rootpath / name)
    )
    return _load(path)


def _load(config_path: str) -> Kit:
    """Settings (read every session) and content (loaded once per process for the same
    sources: it is immutable, and pytester's in-process runs share it)."""
    if config_path:
        settings = load_settings({"OUDERLIJN_CONFIG": config_path}, cwd=Path(config_path).parent)
    else:
        settings = default_settings()
    return Kit(settings, _content(settings.knowledge, settings.matcher, settings.language))


@functools.cache
def _content(sources: KnowledgeSources, matcher: MatcherSettings, language: str) -> Content:
    """The content these sources give (`load_content` reads nothing else of the settings)."""
    return load_content(
        replace(default_settings(), knowledge=sources, matcher=matcher, language=language)
    )


async def open_line(database: Path, parts: Kit) -> tuple[Helpline, AsyncStore]:
    """A whole helpline on a fresh SQLite file: engine, fake channel, fake clock (line open)."""
    store = await AsyncStore.open(database)
    clock = FakeClock()
    engine = Wiring(parts.settings, content=parts.content, clock=clock).engine(store)
    return Helpline(engine, FakeChannel(engine), clock), store


@pytest.fixture(scope="session")
def helpline_kit(request: pytest.FixtureRequest) -> Kit:
    """Settings and content for the `helpline` fixture (override it to use other content)."""
    return kit(request.config)


@pytest_asyncio.fixture
async def helpline(helpline_kit: Kit, tmp_path: Path) -> AsyncIterator[Helpline]:
    """A whole helpline for one test: `helpline.parent()`, `await helpline.volunteer(...)`,
    `await helpline.tick(minutes=15)`; a fresh SQLite file in tmp_path."""
    line, store = await open_line(tmp_path / "ouderlijn.db", helpline_kit)
    yield line
    await store.close()


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    """Every `*.transcript` file under the test paths is collected as tests."""
    if file_path.suffix == SUFFIX:
        return TranscriptFile.from_parent(parent, path=file_path)
    return None


class TranscriptFile(pytest.File):
    """A transcript file: one test per `##` scenario (or one for the whole file)."""

    def collect(self) -> Iterator[pytest.Item]:
        """The file's scenarios as items; a file that does not parse is one failing item."""
        try:
            scenarios = parse_file(self.path)
        except TranscriptSyntaxError as error:
            yield BrokenTranscript.from_parent(self, name=self.path.stem, error=error)
            return
        seen: set[str] = set()
        for scenario in scenarios:
            name = slug(scenario.name)
            name = f"{name}-{scenario.line}" if name in seen else name
            seen.add(name)
            yield TranscriptItem.from_parent(self, name=name, scenario=scenario)


class TranscriptItem(pytest.Item):
    """One scenario, run on a fresh helpline with its own event loop."""

    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:  # noqa: ANN401 (pytest's from_parent)
        super().__init__(**kwargs)
        self.scenario = scenario

    def runtest(self) -> None:
        """Run the scenario on a helpline of its own (a temporary SQLite file)."""
        parts = kit(self.config)
        with tempfile.TemporaryDirectory(prefix="ouderlijn-transcript-") as folder:
            asyncio.run(self._run(Path(folder) / "ouderlijn.db", parts))

    async def _run(self, database: Path, parts: Kit) -> None:
        """Open the helpline, play the scenario, close the store whatever happened."""
        line, store = await open_line(database, parts)
        try:
            await run_scenario(self.scenario, line)
        finally:
            await store.close()

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: TracebackStyle | None = None
    ) -> str | TerminalRepr:
        """A transcript failure reads as file:line, the line, and the conversation so far."""
        if isinstance(excinfo.value, TranscriptError):
            return str(excinfo.value)
        excinfo.traceback = excinfo.traceback.filter(_ours)  # a crash: the bot's frames only
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        """Where the scenario starts, for pytest's report."""
        return self.path, self.scenario.line - 1, f"transcript: {self.scenario.name}"


def _ours(entry: TracebackEntry) -> bool:
    """Whether a traceback entry is outside pytest's and pluggy's own machinery."""
    return not any(part in str(entry.path) for part in ("_pytest", "pluggy"))


class BrokenTranscript(pytest.Item):
    """A transcript file with a line that is not a step: fails, naming file and line."""

    def __init__(self, *, error: TranscriptSyntaxError, **kwargs: Any) -> None:  # noqa: ANN401 (pytest's from_parent)
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        """Fail with the syntax error."""
        raise self.error

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: TracebackStyle | None = None
    ) -> str | TerminalRepr:
        """Just the problem: file:line and what is wrong."""
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, int, str]:
        """The bad line, for pytest's report."""
        return self.path, self.error.line - 1, "transcript (does not parse)"
