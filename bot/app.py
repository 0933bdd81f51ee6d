"""Composition root: the one place that builds the engine and everything around it from the
settings. The command line, `ouderlijn run`, the tests and the benchmarks all go through
`Wiring`, so a setting (opening hours, invite days …) means the same everywhere."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.content_watch import keep_content_fresh
from bot.core.courier import Courier
from bot.core.engine import Engine, EngineSettings, utc_now
from bot.core.faq_flow import Helpline
from bot.core.handoff_notices import Notices
from bot.core.inbox import InboxReader
from bot.core.intents import Intents
from bot.core.safety import CrisisCheck
from bot.core.texts import Texts, load_texts
from bot.privacy import default_scrubber
from bot.review.desk import ReviewDesk
from bot.stats.labels import load_labels
from bot.stats.source import ReportSource
from bot.storage import AsyncStore
from bot.storage.leases import Lease, open_lease
from bot.storage.sql.executor import INBOX_NOTE, NOTES, OUTBOX_NOTE, WEB_NOTE
from faq.decision_tree import DecisionTree, load_tree
from faq.knowledge import Knowledge, KnowledgeSources, load_knowledge
from faq.matcher import MatcherSettings

if TYPE_CHECKING:
    from bot.storage.postgres.notify import Listener

INSTANCE_POLL_SECONDS = 5.0  # several instances: also look this often, should a note be lost
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Content:
    """Everything the engine reads from data files, loaded and checked once."""

    knowledge: Knowledge
    tree: DecisionTree
    safety: CrisisCheck
    texts: Texts
    intents: Intents

    def engine(
        self,
        store: AsyncStore,
        settings: EngineSettings | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> Engine:
        """An engine on `store`; content is shared, so many engines cost little."""
        parts = (self.knowledge, self.tree, self.safety, self.texts)
        return Engine(*parts, store, settings, clock=clock, intents=self.intents)


def load_content(settings: Settings | None = None) -> Content:
    """Load the FAQ, tree, crisis phrases, texts and intents; raises ContentError on any
    problem, so the bot refuses to start rather than misbehave. Without settings: shipped."""
    knowledge = load_knowledge(
        settings.knowledge if settings else None, settings.matcher if settings else None
    )
    return Content(
        knowledge,
        load_tree(faq_ids=set(knowledge.faq.by_id)),
        CrisisCheck.load(),
        load_texts(settings.language if settings else "nl"),
        Intents.load(),
    )


def short(text: str, limit: int = 70) -> str:
    """The first line of a text, cut at a word when longer than `limit` characters."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[:limit].rsplit(" ", 1)[0] + "…"


def helpline_from(settings: Settings) -> Helpline:
    """The facts the bot tells parents, from configuration."""
    h = settings.helpline
    return Helpline(
        opening_hours=h.opening_hours, contact=h.contact, retention_days=h.retention_days
    )


RETENTION_CHECK_SECONDS = 3600.0


async def purge_old_transcripts(store: AsyncStore, days: int, lease: Lease | None = None) -> None:
    """Delete transcript lines older than the retention period (where this process holds
    the retention lease: with several instances exactly one purges)."""
    if lease is not None and not await asyncio.to_thread(lease.try_hold):
        return
    removed = await store.purge_transcripts(datetime.now(UTC) - timedelta(days=days))
    if removed:
        log.info("retention: removed %d transcript lines", removed)


async def keep_retention(
    store: AsyncStore, days: int, every: float = RETENTION_CHECK_SECONDS, lease: Lease | None = None
) -> None:
    """Purge every hour while the bot runs (the first purge happens at start)."""
    while True:
        await asyncio.sleep(every)
        try:
            await purge_old_transcripts(store, days, lease)
        except Exception as error:  # e.g. storage busy: the next hour tries again
            log.warning("retention: purge failed (%s)", type(error).__name__)


async def keep_watch(engine: Engine, every: float) -> None:
    """Run the queue watch (announce, escalate, update waiting parents) every `every` seconds."""
    while True:
        await asyncio.sleep(every)
        try:
            await engine.tick()
        except Exception as error:  # e.g. storage busy: the next tick tries again
            log.warning("queue watch failed (%s)", type(error).__name__)


@dataclass
class Service:
    """A running helpline: the engine, the inbox channels store arrivals in, and the courier
    that channels register with to deliver the outbox."""

    engine: Engine
    courier: Courier
    inbox: InboxReader
    settings: Settings = field(default_factory=lambda: default_settings())
    stats: ReportSource | None = None  # the coordinators' figures
    review: ReviewDesk | None = None  # the coordinators' review of unanswered questions
    # called with an address when any instance stored a web log line for it (PostgreSQL)
    web_notes: list[Callable[[str], Coroutine[Any, Any, None]]] = field(default_factory=list)

    @property
    def store(self) -> AsyncStore:
        return self.engine.store


def instance_name(settings: Settings) -> str:
    """This instance among several on one database. `OUDERLIJN_INSTANCE` (one per unit) is
    stable across restarts, so a restarted instance takes its delivery leases back at once;
    without it the process id is part of the name, so two processes never share a lease."""
    web = settings.web
    default = f"{socket.gethostname()}:{web.host}:{web.port}:{os.getpid()}"
    return os.environ.get("OUDERLIJN_INSTANCE") or default


def default_settings() -> Settings:
    """The embedded defaults (no environment, no ouderlijn.toml)."""
    return Settings(Path("ouderlijn.db"), KnowledgeSources(), MatcherSettings())


class Wiring:
    """Builds the object graph from settings. Content is loaded (and checked) only when
    something needs it, so `ouderlijn volunteer …` starts fast; `content` and `clock` may be
    given by tests; `engine_settings` overrides what the settings say (tests' opening hours)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        content: Content | None = None,
        clock: Callable[[], datetime] = utc_now,
        engine_settings: EngineSettings | None = None,
    ) -> None:
        self.settings = settings or default_settings()
        self.clock = clock
        self._content = content
        self._engine_settings = engine_settings

    @cached_property
    def content(self) -> Content:
        return self._content or load_content(self.settings)

    @cached_property
    def texts(self) -> Texts:
        return self._content.texts if self._content else load_texts(self.settings.language)

    @property
    def engine_settings(self) -> EngineSettings:
        if self._engine_settings is not None:
            return self._engine_settings
        return EngineSettings(
            helpline=helpline_from(self.settings),
            handoff=self.settings.handoff,
            abuse=self.settings.abuse,
        )

    def report_source(self) -> ReportSource:
        """Statistics for coordinators, named with this content's entry titles and tree nodes."""
        content = self.content
        entries = {i: e.title for i, e in content.knowledge.faq.by_id.items()}
        nodes = {i: short(n.text) for i, n in content.tree.nodes.items()}
        zone = ZoneInfo(self.engine_settings.handoff.hours.timezone)
        return ReportSource(zone, entries, nodes, load_labels(self.settings.language))

    def notices(self) -> Notices:
        """Announcements to parents and volunteers with this helpline's hours and rules."""
        return Notices(self.texts, self.engine_settings.handoff)

    def engine(self, store: AsyncStore) -> Engine:
        return self.content.engine(store, self.engine_settings, clock=self.clock)

    def service(
        self,
        store: AsyncStore,
        courier_options: dict[str, float] | None = None,
        inbox_options: dict[str, float] | None = None,
    ) -> Service:
        """Engine, courier and inbox reader, wired together (nothing started yet)."""
        engine = self.engine(store)
        courier = Courier(
            store,
            on_unreachable=engine.unreachable,
            owner=instance_name(self.settings) if self.settings.database_url else None,
            **(courier_options or {}),
        )
        engine.on_outbox = courier.wake
        inbox = InboxReader(engine, **(inbox_options or {}))  # type: ignore[arg-type]
        stats = self.report_source()
        review = ReviewDesk(
            store,
            self.settings.knowledge,
            self.settings.matcher,
            stats.entries,
            engine.use_knowledge,
            self.clock,
        )
        return Service(engine, courier, inbox, self.settings, stats, review)


@asynccontextmanager
async def open_service(
    settings: Settings, poll_seconds: float | None = None, watch: bool = True
) -> AsyncIterator[Service]:
    """Load and validate all content (refusing to start on any problem), open the store, and
    run the background work: retention, the inbox (resuming what a previous run stored but
    did not handle), outbox delivery and (unless a channel schedules it itself, as Telegram
    does with PTB's JobQueue) the queue watch."""
    wiring = Wiring(settings)
    wiring.content  # noqa: B018 - load and check before the store opens: refuse to start early
    store = await AsyncStore.open(settings.database)
    retention = open_lease(settings.database, "retention")
    watching = open_lease(settings.database, "queue-watch")
    days = settings.helpline.retention_days
    await purge_old_transcripts(store, days, retention)
    service = wiring.service(store)
    engine, courier, inbox = service.engine, service.courier, service.inbox
    engine.watch_lease = watching.try_hold
    if await asyncio.to_thread(watching.try_hold):  # from the start, not the first tick
        log.info("this instance runs the queue watch")
    listener = await listen_to_instances(service) if settings.database_url else None
    if listener is not None:  # notes name each address: no look at the whole outbox
        courier.scan_on_wake = False
        poll_seconds = poll_seconds or INSTANCE_POLL_SECONDS
    tasks = [
        asyncio.create_task(keep_retention(store, days, lease=retention)),
        asyncio.create_task(inbox.run()),
        asyncio.create_task(courier.run(poll_seconds)),
    ]
    if watch:
        tasks.append(asyncio.create_task(keep_watch(engine, settings.handoff.watch_seconds)))
    fresh = keep_content_fresh(engine, settings.knowledge, settings.matcher)
    tasks.append(asyncio.create_task(fresh))
    await asyncio.to_thread(default_scrubber)  # load the name lists now, not on a question
    try:
        yield service
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)  # none may mask the exit reason
        if listener is not None:
            await listener.stop()
        for lease in (retention, watching):
            with contextlib.suppress(Exception):
                lease.release()
        await store.close()


async def listen_to_instances(service: Service) -> Listener:
    """PostgreSQL: hear what other instances stored (messages in, messages out, web log
    lines), so couriers, inbox readers and open sockets on every instance act at once."""
    from bot.storage.postgres.notify import Listener

    def on_note(channel: str, payload: str) -> None:
        if channel == OUTBOX_NOTE:
            service.courier.noted(payload)
        elif channel == INBOX_NOTE:
            service.inbox.noted(payload)
        elif channel == WEB_NOTE:
            for hook in service.web_notes:
                asyncio.get_running_loop().create_task(hook(payload))

    listener = Listener()
    assert service.settings.database_url is not None
    await listener.start(service.settings.database_url, list(NOTES), on_note)
    return listener
