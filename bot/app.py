"""Composition root: build the engine and everything it needs from the settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.config import Settings
from bot.core.engine import Engine, EngineSettings
from bot.core.faq_flow import Helpline
from bot.core.safety import CrisisCheck
from bot.core.texts import load_texts
from bot.storage import AsyncStore
from faq.decision_tree import load_tree
from faq.knowledge import load_knowledge


def helpline_from(settings: Settings) -> Helpline:
    """The facts the bot tells parents, from configuration."""
    h = settings.helpline
    return Helpline(
        openingstijden=h.opening_hours, contact=h.contact, bewaartermijn=f"{h.retention_days} dagen"
    )


@asynccontextmanager
async def open_engine(settings: Settings) -> AsyncIterator[Engine]:
    """Load and validate all content (refusing to start on any problem), open the store."""
    knowledge = load_knowledge(settings.knowledge, settings.matcher)
    tree = load_tree(faq_ids=set(knowledge.faq.by_id))
    safety = CrisisCheck.load()
    texts = load_texts(settings.language)
    store = await AsyncStore.open(settings.db_path)
    try:
        yield Engine(
            knowledge, tree, safety, texts, store, EngineSettings(helpline=helpline_from(settings))
        )
    finally:
        await store.close()
