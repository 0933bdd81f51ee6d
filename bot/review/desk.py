"""What a coordinator does with review items: see them grouped, add one as a phrasing (written
to the YAML content, checked, live at once, audited) or mark them handled."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.core.review_notes import shipped_scrub
from bot.review.grouping import ReviewGroup, group_items
from bot.storage import AsyncStore, StorageError
from bot.storage.contract import Tx
from bot.storage.records import AuditEntry
from faq.knowledge import Knowledge, KnowledgeSources, load_knowledge
from faq.matcher import MatcherSettings
from faq.model import ContentError
from faq.phrasing import PhrasingError, add_phrasing, clean_phrasing, content_lock

log = logging.getLogger(__name__)
MAX_OPEN = 2000  # the newest items a review page groups; older ones wait their turn


@dataclass(frozen=True)
class AddOutcome:
    """Whether a phrasing was added; otherwise the problems `faq check` (or we) found and
    their `reason`: entry, empty, long, personal, items, duplicate or content."""

    ok: bool
    problems: tuple[str, ...] = ()
    reason: str = ""


class ReviewDesk:
    """The review's actions; `on_reload` hands freshly loaded knowledge to the engine."""

    def __init__(
        self,
        store: AsyncStore,
        sources: KnowledgeSources,
        matcher: MatcherSettings,
        titles: Mapping[str, str],
        on_reload: Callable[[Knowledge], None],
        clock: Callable[[], datetime],
        scrub: Callable[[str], str] = shipped_scrub,
    ) -> None:
        self.store = store
        self.sources = sources
        self.matcher = matcher
        self.titles = dict(titles)
        self.on_reload = on_reload
        self.clock = clock
        self.scrub = scrub  # a coordinator's edit is checked again: content is kept for good
        self._writing = asyncio.Lock()  # one content change at a time

    async def groups(self) -> list[ReviewGroup]:
        """Open items grouped by similarity, biggest group first."""
        found = await self.store.read(lambda tx: tx.review.open_items())
        return await asyncio.to_thread(group_items, found[-MAX_OPEN:])  # 1-3 s at 2,000

    def entries(self) -> list[tuple[str, str]]:
        """(id, title) of every entry a phrasing can go to, by title."""
        return sorted(self.titles.items(), key=lambda pair: pair[1].casefold())

    async def add_phrasing(
        self,
        item_ids: Sequence[int],
        entry_id: str,
        phrasing: str,
        actor_id: int,
        actor_name: str,
    ) -> AddOutcome:
        """Write the phrasing into the entry's file if `faq check` still passes, reload the
        matcher so it counts at once, settle the items and record it in the audit log."""
        if entry_id not in self.titles:
            return AddOutcome(False, (f"unknown entry {entry_id!r}",), "entry")
        try:
            cleaned = clean_phrasing(phrasing)
        except PhrasingError as error:
            return AddOutcome(False, (str(error),), error.reason)
        if self.scrub(cleaned) != cleaned:
            return AddOutcome(False, ("the phrasing contains personal data",), "personal")
        async with self._writing:
            ids = list(item_ids)
            if ids and not await self.store.read(lambda tx: tx.review.any_open(ids=ids)):
                return AddOutcome(False, ("the questions are no longer open",), "items")
            try:
                problems, knowledge = await asyncio.to_thread(self._write, entry_id, cleaned)
            except PhrasingError as error:
                return AddOutcome(False, (str(error),), error.reason)
            if problems:
                duplicate = any("duplicate phrasing" in p for p in problems)
                return AddOutcome(False, tuple(problems), "duplicate" if duplicate else "content")
            assert knowledge is not None
            self.on_reload(knowledge)
            now = self.clock()

            def record(tx: Tx) -> None:
                tx.review.settle(ids, "added", now)
                tx.review.audit(now, actor_id, actor_name, "phrasing_added", entry_id, cleaned)

            try:
                await self.store.transaction(record)
            except StorageError:  # the content changed; say so loudly, never lose that fact
                log.error("phrasing added to the FAQ but the audit log could not be written")
                raise
        log.info("phrasing added to an FAQ entry by a coordinator")
        return AddOutcome(True)

    def _write(self, entry_id: str, phrasing: str) -> tuple[list[str], Knowledge | None]:
        """On a worker thread, holding the content lock: find the entry's file, add, check,
        and load the new knowledge."""
        try:
            with content_lock(self.sources.content_dir):
                knowledge = load_knowledge(self.sources, self.matcher)
                entry = knowledge.faq.by_id.get(entry_id)
                if entry is None:
                    raise PhrasingError(f"unknown entry {entry_id!r}")
                source = Path(entry.source_file)
                problems = add_phrasing(self.sources, entry_id, phrasing, source)
                if problems:
                    return [str(p) for p in problems], None
                return [], load_knowledge(self.sources, self.matcher)
        except ContentError as error:  # the live content is broken (an editor mid-save)
            return [str(p) for p in error.problems], None

    async def mark_handled(self, item_ids: Sequence[int], actor_id: int, actor_name: str) -> int:
        """Close items without learning anything from them; audited."""
        now = self.clock()
        ids = list(item_ids)

        def work(tx: Tx) -> int:
            changed = tx.review.settle(ids, "handled", now)
            if changed:
                tx.review.audit(
                    now, actor_id, actor_name, "marked_handled", None, f"{changed} item(s)"
                )
            return changed

        return await self.store.transaction(work)

    async def audit(self, limit: int = 20) -> list[AuditEntry]:
        """The latest audit entries, newest first."""
        return await self.store.read(lambda tx: tx.review.audit_log(limit=limit))
