"""The periodic look at the queue: announce at opening, widen the circle of volunteers told
about a request nobody took, open urgent ones to buddies, and update waiting parents.

A tick reads one light snapshot (no summaries), plans outside any transaction in one pass
(`handoff.wait.estimates`), and writes only what changed, a few handoffs per transaction, so
parents' own turns never wait behind it. `Engine.tick` drives the three steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.handoff_notices import Notices
from bot.core.parent_desk import ParentDesk
from bot.storage import Event, hour_bucket
from bot.storage.contract import Tx
from handoff import routing
from handoff.model import Handoff, Volunteer, WaitingView
from handoff.settings import HandoffSettings
from handoff.wait import WaitEstimate, estimates

BATCH = 5  # handoffs written per transaction: a parent's turn waits for one batch at most


@dataclass(frozen=True)
class Snapshot:
    """What a tick plans from, read in one short read."""

    reachable: list[Volunteer]
    waiting: list[WaitingView]
    handling: list[float]


@dataclass(frozen=True)
class Care:
    """What one waiting parent needs this tick; each part is re-checked when it is written."""

    handoff_id: int
    announce: bool = False  # first announcement (the line opened, or urgent)
    buddies: bool = False  # urgent and no advisor took it in time
    widen: bool = False  # waited another escalation period: tell the next ones
    wait: WaitEstimate | None = None  # a new place or wait worth telling
    closed: bool = False  # the line just closed


class QueueWatch:
    """Keeps waiting parents informed and makes sure nobody waits unseen."""

    def __init__(self, notices: Notices, parents: ParentDesk, settings: HandoffSettings) -> None:
        self.notices = notices
        self.parents = parents
        self.settings = settings

    @staticmethod
    def snapshot(tx: Tx) -> Snapshot:
        """The tick's one read."""
        return Snapshot(
            tx.registry.reachable(), tx.queue.waiting_view(), tx.queue.handling_minutes()
        )

    def plan(self, seen: Snapshot, now: datetime) -> list[Care]:
        """Who needs what, in one pass over the queue; only parents with something to do."""
        is_open = self.settings.hours.is_open(now)
        waits = estimates(seen.waiting, seen.reachable, seen.handling) if is_open else {}
        steps = self.max_steps(seen.reachable)
        cares = []
        for h in seen.waiting:
            wait = waits.get(h.id)
            care = Care(
                h.id,
                announce=(is_open or h.urgent) and not h.announced,
                buddies=self._buddies_due(h, now),
                widen=h.announce_step < steps and self._widen_due(h, now),
                wait=wait if wait and wait.differs_from(h.told_position, h.told_wait) else None,
                closed=not is_open and not h.told_closed,
            )
            if care != Care(h.id):
                cares.append(care)
        return cares

    def apply(
        self, tx: Tx, cares: Sequence[Care], reachable: list[Volunteer], now: datetime
    ) -> None:
        """Write the planned care of a few handoffs; one taken or gone meanwhile is skipped."""
        events: list[Event] = []
        for care in cares:
            handoff = tx.queue.get(care.handoff_id, lock=True)  # a claim waits for this
            if handoff is None or handoff.status != "queued":
                continue
            if care.announce and not handoff.announced:
                self.notices.announce_waiting(tx, handoff, reachable, now)
            if care.buddies and not handoff.open_to_buddies:
                self.notices.open_to_buddies(tx, handoff, reachable, now)
            if care.widen:
                self._widen(tx, handoff, reachable, now)
                if not handoff.escalated:
                    self._alert_coordinators(tx, handoff, reachable, now)
                    hour = hour_bucket(now)
                    events.append(
                        Event("handoff", handoff.role, "escalated", hour, handoff.channel)
                    )
            if care.wait is not None:
                self._update_parent(tx, handoff, care.wait, now)
            if care.closed and not handoff.told_closed:
                self._tell_closed(tx, handoff, now)
        tx.events.record(events)

    def max_steps(self, reachable: Sequence[Volunteer]) -> int:
        """After this many widenings everyone who could be told has been."""
        return 1 + -(-len(reachable) // self.settings.announce_limit)

    def waited_minutes(self, handoff: Handoff | WaitingView, now: datetime) -> float:
        """Minutes waited since it last entered the queue (a pass-on restarts the clock),
        counting only while people were there (urgent: every minute counts)."""
        since = handoff.queued_at or handoff.requested_at
        if handoff.urgent:
            return (now - since).total_seconds() / 60
        return self.settings.hours.open_minutes_between(since, now)

    def _buddies_due(self, handoff: WaitingView, now: datetime) -> bool:
        """An urgent request no advisor took within `urgent_buddy_after_minutes`."""
        if not handoff.urgent or handoff.open_to_buddies:
            return False
        return self.waited_minutes(handoff, now) >= self.settings.urgent_buddy_after_minutes

    def _widen_due(self, handoff: WaitingView, now: datetime) -> bool:
        """Unclaimed for another `escalate_after_minutes` since the circle last widened."""
        due = self.settings.escalate_after_minutes * (handoff.announce_step + 1)
        return self.waited_minutes(handoff, now) >= due

    def _widen(self, tx: Tx, handoff: Handoff, reachable: list[Volunteer], now: datetime) -> None:
        """Tell the next `announce_limit` best matches who have not heard of it yet; the first
        time also remind those told before (they may have missed it): bounded either way."""
        step = handoff.announce_step + 1
        told = tx.queue.told(handoff.id)
        fresh = routing.announce_set(
            handoff, reachable, step=step, limit=self.settings.announce_limit, already=told
        )
        again = [v for v in reachable if v.id in told] if not handoff.escalated else []
        helpers = [v for v in again + fresh if v.role != "coordinator"]
        self.notices.announce(tx, handoff, helpers, now, key="escalated")
        tx.queue.set_fields(handoff.id, announce_step=step)

    def _alert_coordinators(
        self, tx: Tx, handoff: Handoff, reachable: list[Volunteer], now: datetime
    ) -> None:
        """The first escalation: every coordinator hears that a parent waits too long."""
        minutes = str(int(self.waited_minutes(handoff, now)))
        label = self.notices.label(handoff)
        for coordinator in routing.coordinators(reachable):
            self.notices.to_volunteer(
                tx,
                coordinator,
                self.notices.texts.tell(
                    "coordinator_alert",
                    label=label,
                    minutes=minutes,
                    header=self.notices.header(handoff, now),
                ),
                now,
                [self.notices.claim_button(handoff)],
                about=handoff,
            )
        tx.queue.set_fields(handoff.id, escalated=1)

    def _tell_closed(self, tx: Tx, handoff: Handoff, now: datetime) -> None:
        """The line just closed while this parent waits: their question stays, and when."""
        text, _ = self.parents.wait_text(tx, handoff, now)
        self.notices.to_parent(tx, handoff, text, now)
        # the first update after opening tells their place again ("we zijn er weer")
        tx.queue.set_fields(handoff.id, told_closed=1, told_position=None, told_wait=None)

    def _update_parent(self, tx: Tx, handoff: Handoff, wait: WaitEstimate, now: datetime) -> None:
        """Tell a waiting parent again when their place or wait changed meanwhile."""
        if not wait.differs_from(handoff.told_position, handoff.told_wait):
            return
        t = self.notices.texts
        place = (
            t.say("queue_next")
            if wait.position == 1
            else t.say("queue_moved", position=str(wait.position))
        )
        self.notices.to_parent(tx, handoff, place + " " + self.parents.wait_sentence(wait), now)
        queue_fields = {"told_position": wait.position, "told_wait": wait.minutes}
        tx.queue.set_fields(handoff.id, **queue_fields, told_closed=0)
