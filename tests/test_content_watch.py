"""A phrasing written into the FAQ files by another process is answered without a restart;
a broken file keeps the running knowledge."""

from __future__ import annotations

import asyncio
import logging
import shutil
from dataclasses import replace

from bot.app import Wiring, default_settings
from bot.content_watch import keep_content_fresh
from faq.knowledge import KnowledgeSources
from faq.loader import DEFAULT_CONTENT_DIR
from faq.matcher import Outcome
from faq.phrasing import insert_phrasing

QUESTION = "mag mijn kind een hulphond meenemen naar de klas"


async def until(check, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "content was not reloaded"
        await asyncio.sleep(0.05)


async def test_an_edited_file_is_reloaded_and_a_broken_one_is_not(tmp_path, store, caplog):
    content = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, content)
    sources = replace(KnowledgeSources(), content_dir=content)
    settings = replace(default_settings(), knowledge=sources)
    engine = Wiring(settings).engine(store)
    watch = asyncio.create_task(keep_content_fresh(engine, sources, settings.matcher, 0.05))
    try:
        await asyncio.sleep(0.2)
        assert engine.parents.matcher.match(QUESTION).outcome is Outcome.NOTHING
        file = content / "rechten-en-ondersteuning.yaml"
        file.write_text(
            insert_phrasing(file.read_text(), "extra-ondersteuning", QUESTION), encoding="utf-8"
        )
        await until(lambda: engine.parents.matcher.match(QUESTION).outcome is Outcome.ANSWER)

        caplog.set_level(logging.WARNING)
        working = engine.parents.matcher
        file.write_text(file.read_text() + "\n- id: [broken\n", encoding="utf-8")
        await until(lambda: "does not pass the checks" in caplog.text)
        assert engine.parents.matcher is working
        assert QUESTION not in caplog.text
    finally:
        watch.cancel()
