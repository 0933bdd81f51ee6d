"""The periodic look at the queue: announce at opening, escalate the unclaimed, update the wait.

The app calls `Engine.tick` every `watch_seconds`; one tick is one storage transaction.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.handoff_notices import Notices
from bot.core.parent_desk import ParentDesk
from bot.storage import Event, hour_bucket
from bot.storage.contract import Tx
from handoff import routing
from handoff.model import Handoff, Volunteer
from handoff.settings import HandoffSettings
from handoff.wait import WaitEstimate, estimate


class QueueWatch:
    """Keeps waiting parents informed and makes sure nobody waits unseen."""

    def __init__(self, notices: Notices, parents: ParentDesk, settings: HandoffSettings) -> None:
        self.notices = notices
        self.parents = parents
        self.settings = settings

    def tick(self, tx: Tx, now: datetime) -> None:
        """Check every waiting parent once."""
        reachable = tx.registry.reachable()
        is_open = self.settings.hours.is_open(now)
        events: list[Event] = []
        waiting = tx.queue.queued()
        handling = tx.queue.handling_minutes()  # one snapshot per tick, not one per parent
        for handoff in waiting:
            if (is_open or handoff.urgent) and not handoff.announced:  # now someone is here
                self.notices.announce_waiting(tx, handoff, reachable, now)
            if self._buddies_due(handoff, now):
                self.notices.open_to_buddies(tx, handoff, reachable, now)
            if not handoff.escalated and self._waited_too_long(handoff, now):
                self._escalate(tx, handoff, reachable, now)
                hour = hour_bucket(now)
                events.append(Event("handoff", handoff.role, "escalated", hour, handoff.channel))
            if is_open:
                wait = estimate(handoff, waiting, reachable, handling)
                self._update_parent(tx, handoff, wait, now)
            elif not handoff.told_closed:
                self._tell_closed(tx, handoff, now)
        tx.events.record(events)

    def waited_minutes(self, handoff: Handoff, now: datetime) -> float:
        """Minutes waited since it last entered the queue (a pass-on restarts the clock),
        counting only while people were there (urgent: every minute counts)."""
        since = handoff.queued_at or handoff.requested_at
        if handoff.urgent:
            return (now - since).total_seconds() / 60
        return self.settings.hours.open_minutes_between(since, now)

    def _buddies_due(self, handoff: Handoff, now: datetime) -> bool:
        """An urgent request no advisor took within `urgent_buddy_after_minutes`."""
        if not handoff.urgent or handoff.open_to_buddies:
            return False
        return self.waited_minutes(handoff, now) >= self.settings.urgent_buddy_after_minutes

    def _waited_too_long(self, handoff: Handoff, now: datetime) -> bool:
        return self.waited_minutes(handoff, now) >= self.settings.escalate_after_minutes

    def _escalate(
        self, tx: Tx, handoff: Handoff, reachable: list[Volunteer], now: datetime
    ) -> None:
        """Re-announce to everyone reachable and alert the coordinators."""
        helpers = routing.notify_targets(handoff, reachable, widen=True)
        coordinators = routing.coordinators(reachable)
        self.notices.announce(
            tx, handoff, [v for v in helpers if v not in coordinators], now, key="escalated"
        )
        minutes = str(int(self.waited_minutes(handoff, now)))
        label = self.notices.label(handoff)
        for coordinator in coordinators:
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
        """Tell a waiting parent again when their place or wait changed meaningfully."""
        if not wait.differs_from(handoff.told_position, handoff.told_wait):
            return
        t = self.notices.texts
        place = (
            t.say("queue_next")
            if wait.position == 1
            else t.say("queue_moved", position=str(wait.position))
        )
        self.notices.to_parent(tx, handoff, place + " " + self.parents.wait_sentence(wait), now)
        tx.queue.set_fields(
            handoff.id, told_position=wait.position, told_wait=wait.minutes, told_closed=0
        )
