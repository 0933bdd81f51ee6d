"""Shared fixtures: the shipped knowledge is loaded once per test session (it is immutable)."""

from __future__ import annotations

from pathlib import Path

import pytest

from faq.knowledge import Knowledge, load_knowledge

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge()


@pytest.fixture
async def store(tmp_path):
    from bot.storage import AsyncStore

    opened = await AsyncStore.open(tmp_path / "ouderlijn.db")
    yield opened
    await opened.close()


@pytest.fixture(scope="session")
def content():
    """Tree, crisis check and texts: immutable, loaded once."""
    from bot.core.safety import CrisisCheck
    from bot.core.texts import load_texts
    from faq.decision_tree import load_tree

    return load_tree(), CrisisCheck.load(), load_texts("nl")


@pytest.fixture
def engine(knowledge, content, store):
    from tests.fakes import FakeClock, build_engine

    tree, safety, texts = content
    return build_engine(knowledge, tree, safety, texts, store, clock=FakeClock())


@pytest.fixture
def line(knowledge, content, store):
    """A helpline with the shipped content, open hours by default, on a fresh SQLite file."""
    from tests.fakes import FakeChannel, FakeClock, Helpline, build_engine

    tree, safety, texts = content
    clock = FakeClock()
    engine = build_engine(knowledge, tree, safety, texts, store, clock=clock)
    return Helpline(engine, FakeChannel(engine), clock)


@pytest.fixture(scope="session")
def full_content():
    """Everything `ouderlijn run` loads (FAQ, tree, crisis check, texts, intents), once."""
    from bot.app import load_content

    return load_content()


@pytest.fixture
async def web_world(tmp_path, full_content):
    """The web surfaces on a real aiohttp server at 127.0.0.1 with a real SQLite file."""
    from tests.web_world import WebWorld

    world = await WebWorld(tmp_path, full_content).start()
    yield world
    await world.stop()
