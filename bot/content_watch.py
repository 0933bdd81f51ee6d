"""Content changed on disk (a coordinator added a phrasing in another process, or an editor
saved a file): reload the FAQ knowledge and hand it to the engine, without a restart. A file
that no longer passes the checks is reported once and the running knowledge stays."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from bot.core.engine import Engine
from faq.knowledge import KnowledgeSources, load_knowledge
from faq.matcher import MatcherSettings
from faq.model import ContentError

log = logging.getLogger(__name__)
CONTENT_CHECK_SECONDS = 10.0

Signature = tuple[tuple[str, int, int], ...]


def signature(sources: KnowledgeSources) -> Signature:
    """Name, modification time and size of every FAQ and lexicon file."""
    found = []
    for folder in (sources.content_dir, sources.lexicon_dir):
        for path in sorted(Path(folder).glob("*.yaml")):
            try:
                stat = path.stat()
            except OSError:
                continue  # replaced right now (atomic rename): the next look sees it
            found.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(found)


async def keep_content_fresh(
    engine: Engine,
    sources: KnowledgeSources,
    matcher: MatcherSettings,
    every: float = CONTENT_CHECK_SECONDS,
) -> None:
    """Look at the files every `every` seconds; reload when their signature changed."""
    seen = await asyncio.to_thread(signature, sources)
    while True:
        await asyncio.sleep(every)
        now = await asyncio.to_thread(signature, sources)
        if now == seen:
            continue
        seen = now
        try:
            knowledge = await asyncio.to_thread(load_knowledge, sources, matcher)
        except ContentError as error:
            log.warning(
                "content changed but does not pass the checks (%d problems); "
                "still answering from the previous version",
                len(error.problems),
            )
            continue
        engine.use_knowledge(knowledge)
        log.info("content changed on disk: reloaded %d FAQ entries", len(knowledge.faq.entries))
