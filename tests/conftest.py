"""Shared fixtures: the shipped knowledge is loaded once per test session (it is immutable)."""

from __future__ import annotations

from pathlib import Path

import pytest

from faq.knowledge import Knowledge, load_knowledge

# The transcript kit (bot/testing): `*.transcript` files and the `helpline` fixture, loaded the
# way a helpline's own project loads it.
pytest_plugins = ["bot.testing.plugin"]

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge()


BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path):
    """Where a test's data lives: a SQLite file, or a fresh PostgreSQL database (the whole
    suite runs on both; without a server the PostgreSQL half is skipped, see pg_url)."""
    if request.param == "sqlite":
        return tmp_path / "ouderlijn.db"
    return request.getfixturevalue("pg_url")


@pytest.fixture
async def store(database):
    from bot.storage import AsyncStore

    opened = await AsyncStore.open(database)
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
    from bot.testing.fakes import FakeClock, build_engine

    tree, safety, texts = content
    return build_engine(knowledge, tree, safety, texts, store, clock=FakeClock())


@pytest.fixture
def line(knowledge, content, store):
    """A helpline with the shipped content, open hours by default, on a fresh SQLite file."""
    from bot.testing.fakes import FakeChannel, FakeClock, Helpline, build_engine

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
async def web_world(tmp_path, full_content, database):
    """The web surfaces on a real aiohttp server at 127.0.0.1, on either backend."""
    from tests.web_world import WebWorld

    world = await WebWorld(tmp_path, full_content, database=database).start()
    yield world
    await world.stop()


# PostgreSQL (tests/pg_server.py): one server per session, started only when a test asks.
@pytest.fixture(scope="session")
def pg_test_server():
    """The session's TestServer and '' or None and the reason there is none."""
    from tests.pg_server import open_test_server

    server, reason = open_test_server()
    yield server, reason
    if server is not None:
        server.close()


@pytest.fixture(scope="session")
def pg_server(pg_test_server) -> str | None:
    """The base URL of the session's PostgreSQL server, or None when there is none."""
    server, _ = pg_test_server
    return server.url if server is not None else None


@pytest.fixture
def pg_url(pg_test_server):
    """A fresh, migrated database of its own for this test (a copy of the template).

    Skipped when no server can be had, failed instead under OUDERLIJN_REQUIRE_POSTGRES=1."""
    from tests.pg_server import usable

    server = usable(*pg_test_server)
    name = server.create_database()
    yield server.database_url(name)
    server.drop_database(name)


@pytest.fixture
def pg_empty_url(pg_test_server):
    """A fresh database with no tables at all (for migration tests); skipped like `pg_url`."""
    from tests.pg_server import usable

    server = usable(*pg_test_server)
    name = server.create_database(migrated=False)
    yield server.database_url(name)
    server.drop_database(name)


# Telegram: the fake Bot API over HTTP, and the real PTB Application talking to it.
@pytest.fixture
async def api():
    """A fake Bot API server on 127.0.0.1 for this test."""
    from tests.fake_telegram import FakeBotApi

    async with FakeBotApi() as fake:
        yield fake


@pytest.fixture
async def world(api, content, knowledge, database):
    """The Telegram bot (polling) on the fake Bot API, on either backend."""
    from tests.telegram_world import TelegramWorld

    bot = TelegramWorld(api, database, content, knowledge)
    await bot.start()
    yield bot
    await bot.stop()
