"""Presence on the console: a volunteer whose last console closed (a closed laptop, a lost
connection) is set away after a grace period, so no parent hears "er is zo iemand voor u"
while nobody watches; when they come back, they are available again. Both changes go
through the inbox as the volunteer's own presses, so the engine's rules apply (urgent
requests reach a volunteer who becomes available) and the desk panel says what happened."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

from bot.app import Service
from bot.core.choices import VOLUNTEER
from bot.core.inbox import Arrival
from bot.core.messages import Inbound

log = logging.getLogger(__name__)
AWAY_AFTER_SECONDS = 120.0
CONSOLE = "console"


class Presence:
    """Sets console volunteers away when no console of theirs is open, and back."""

    def __init__(self, service: Service, away_after: float = AWAY_AFTER_SECONDS) -> None:
        self.service = service
        self.away_after = away_after
        self._timers: dict[int, asyncio.Task[None]] = {}
        self._set_away: set[int] = set()  # volunteers this process made away
        self._storing: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """After a restart nobody's console is open yet: everyone gets the grace period."""
        volunteers = await self.service.store.read(lambda tx: tx.registry.all_volunteers())
        for v in volunteers:
            if v.channel == CONSOLE and v.available:
                self.gone(v.id)

    def came(self, volunteer_id: int) -> None:
        """A console of this volunteer opened: no longer leaving; back if we set them away."""
        timer = self._timers.pop(volunteer_id, None)
        if timer is not None:
            timer.cancel()
        if volunteer_id in self._set_away:
            self._set_away.discard(volunteer_id)
            self._press(volunteer_id, "available")

    def gone(self, volunteer_id: int) -> None:
        """Their last console closed: away after the grace period, unless they come back."""
        if volunteer_id not in self._timers:
            self._timers[volunteer_id] = asyncio.create_task(self._away_later(volunteer_id))

    async def _away_later(self, volunteer_id: int) -> None:
        try:
            await asyncio.sleep(self.away_after)
            volunteer = await self.service.store.read(lambda tx: tx.registry.find(volunteer_id))
            if volunteer is not None and volunteer.channel == CONSOLE and volunteer.available:
                self._set_away.add(volunteer_id)
                self._press(volunteer_id, "away")
        finally:
            self._timers.pop(volunteer_id, None)

    def _press(self, volunteer_id: int, kind: str) -> None:
        """The volunteer's own availability press, stored in the inbox like any other."""
        address = f"{CONSOLE}:{volunteer_id}"
        inbound = Inbound(
            address, CONSOLE, self.service.engine.clock(), choice=f"{VOLUNTEER}{kind}"
        )
        task = asyncio.create_task(self._store(Arrival(f"presence:{uuid.uuid4().hex}", inbound)))
        self._storing.add(task)
        task.add_done_callback(self._storing.discard)

    async def _store(self, arrival: Arrival) -> None:
        try:
            await self.service.inbox.accept([arrival])
        except Exception as error:  # storage busy: the next open or close tries again
            log.warning("console: presence not stored (%s)", type(error).__name__)

    async def stop(self) -> None:
        for timer in list(self._timers.values()):
            timer.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*self._timers.values(), return_exceptions=True)
