"""The contract for the handoff queue and the volunteer registry."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from handoff.model import Handoff, RelayedMessage, Sender, Summary, Volunteer, WaitingView


class Queue(Protocol):
    """The handoff queue."""

    def get(self, handoff_id: int, *, lock: bool = False) -> Handoff | None:
        """The handoff with this id, open or closed; `lock` (in a write transaction) holds its
        row until commit, so no other instance claims or changes it meanwhile."""
        ...

    def by_code(self, code: str) -> Handoff | None:
        """The open handoff with this pseudonym code ('K7', '#k7' and 'Ouder #K7' all work)."""
        ...

    def latest_for(self, conversation_id: str) -> Handoff | None:
        """The most recent handoff of a parent's conversation, open or closed."""
        ...

    def create(
        self,
        conversation_id: str,
        channel: str,
        role: str,
        topic: str | None,
        category: str | None,
        summary: Summary,
        now: datetime,
        preferred_volunteer: int | None = None,
    ) -> Handoff:
        """Put a parent in the queue; an urgent one (suicide, harm) is not yet open to buddies.
        A code another instance took a moment ago (unique among open handoffs) is retried."""
        ...

    def claim(self, handoff_id: int, volunteer_id: int, now: datetime) -> Handoff | None:
        """Claim one handoff in ONE statement: only a queued handoff, only with free capacity.

        Two volunteers pressing *Oppakken* together: exactly one UPDATE matches, the other
        gets None.
        """
        ...

    def claim_next(
        self,
        volunteer_id: int,
        roles: tuple[str, ...],
        now: datetime,
        *,
        buddy: bool = False,
    ) -> Handoff | None:
        """Claim the first handoff in queue order that asked for one of `roles`, in ONE
        statement; on PostgreSQL a row another instance is claiming is skipped, not waited for.
        A buddy skips urgent requests that are not open to buddies yet."""
        ...

    def queued(self) -> list[Handoff]:
        """Everyone waiting, in queue order."""
        ...

    def waiting_view(self) -> list[WaitingView]:
        """Everyone waiting, in queue order, without summaries: what the queue watch needs."""
        ...

    def head(self, limit: int) -> list[Handoff]:
        """The first `limit` waiting, in queue order (lists and consoles show no more)."""
        ...

    def waiting_count(self) -> int:
        """How many wait (one index range count)."""
        ...

    def ahead(self, handoff: Handoff) -> tuple[int, int]:
        """(place in the whole queue, how many ahead ask for a role this one's volunteers
        serve): what one parent's wait estimate needs, from two counts, not the queue."""
        ...

    def told(self, handoff_id: int) -> frozenset[int]:
        """The volunteers told of this request since it last entered the queue."""
        ...

    def mark_told(self, handoff_id: int, volunteer_ids: list[int]) -> None:
        """Remember who heard of this request, so widening never tells anyone twice."""
        ...

    def active_for(self, volunteer_id: int) -> list[Handoff]:
        """A volunteer's open conversations, oldest first."""
        ...

    def requeue(
        self,
        handoff_id: int,
        now: datetime,
        *,
        role: str | None = None,
        preferred_volunteer: int | None = None,
        keep_place: bool = True,
    ) -> Handoff:
        """Back to the queue (release, pass on, reopen). A released parent keeps their place;
        pass-on notes are kept as handoff messages."""
        ...

    def close(self, handoff_id: int, outcome: str, now: datetime) -> None:
        """End a handoff with an outcome code; it can be reopened later."""
        ...

    def raise_category(self, handoff_id: int, category: str) -> Handoff | None:
        """Make a handoff at least as severe as `category` (a crisis while waiting or talking);
        the changed handoff, or None when it was already as severe."""
        ...

    def set_fields(self, handoff_id: int, **values: object) -> None:
        """Update bookkeeping columns (announced, escalated, told_*, open_to_buddies, feedback)."""
        ...

    def add_message(
        self,
        handoff_id: int,
        sender: Sender,
        text: str,
        at: datetime,
        volunteer_id: int | None = None,
    ) -> None:
        """Keep a relayed message (or a private note) with the handoff."""
        ...

    def copy_messages(self, source: int, target: int) -> None:
        """Carry a closed handoff's story over to the one that reopens it."""
        ...

    def messages(self, handoff_id: int) -> list[RelayedMessage]:
        """A handoff's relayed messages and notes, in the order they were kept."""
        ...

    def handling_minutes(self, recent: int = 50) -> list[float]:
        """How long recent conversations took from claim to close, for the expected wait
        (the `handoffs_closed` index serves the newest closed ones first)."""
        ...


class Registry(Protocol):
    """The volunteer registry."""

    def add(
        self,
        name: str,
        role: str,
        topics: Iterable[str],
        max_active: int,
        now: datetime,
        invite_days: int = 7,
    ) -> tuple[Volunteer, str]:
        """Register a volunteer (away until linked) and return them with a one-time invite code."""
        ...

    def get(self, volunteer_id: int) -> Volunteer:
        """The volunteer with this id; HandoffError if there is none (for the admin CLI)."""
        ...

    def find(self, volunteer_id: int | None) -> Volunteer | None:
        """The volunteer with this id, or None (none given, or removed since)."""
        ...

    def at_address(self, address: str) -> Volunteer | None:
        """The volunteer whose linked account has this pseudonym, if any."""
        ...

    def all_volunteers(self) -> list[Volunteer]:
        """See the SQL implementation."""
        ...

    def reachable(self) -> list[Volunteer]:
        """Linked volunteers who are available: the people a notification can go to."""
        ...

    def helpers_there(self) -> bool:
        """Whether any advisor or buddy is linked and available (one cheap query per turn)."""
        ...

    def update(self, volunteer_id: int, **changes: object) -> Volunteer:
        """Change name, role, topics, max_active or available; checks the result like `add`."""
        ...

    def set_pending(self, volunteer_id: int, pending: dict[str, object] | None) -> None:
        """Remember (or forget) a volunteer's half-finished action, such as a pass-on note."""
        ...

    def set_current(self, volunteer_id: int, handoff_id: int | None) -> None:
        """Which conversation the volunteer's typed messages go to."""
        ...

    def new_invite(self, volunteer_id: int, now: datetime, invite_days: int = 7) -> str:
        """A fresh one-time code (the old one stops working), e.g. for a new phone."""
        ...

    def link(self, code: str, address: str, channel: str, now: datetime) -> Volunteer | None:
        """Link the account behind `address` with the volunteer whose code this is; None if the
        code is unknown, used or expired. An account can belong to one volunteer only."""
        ...

    def attach(self, volunteer_id: int, address: str, channel: str) -> Volunteer:
        """Make `address` the volunteer's desk (the console after a login link); an account
        that was linked before (Telegram) stops being theirs until they link it again."""
        ...

    def remove(self, volunteer_id: int) -> None:
        """Delete a volunteer; the caller first hands their open conversations back to the queue."""
        ...
