"""The handoff queue's SQL: create, claim (one atomic statement), release, pass on, close.

Queue order is severity first (suicide, harm, distress, the rest), then longest waiting; the
index `handoffs_queue` has exactly that order, so no query sorts. Every method runs inside the
caller's transaction.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from bot.storage.sql.executor import Sql
from bot.storage.sql.handoff_rows import WAITING_COLUMNS, handoff_of, waiting_of
from bot.storage.times import from_text, to_text
from handoff.codes import candidate_codes, normalise
from handoff.model import (
    URGENT_CATEGORIES,
    Handoff,
    HandoffError,
    RelayedMessage,
    Sender,
    Summary,
    WaitingView,
    severity_of,
)

QUEUE_ORDER = "severity DESC, requested_at, id"
REUSE_DAYS = 7
MAX_CODE_TRIES = 200


_CLAIM = (
    "UPDATE handoffs SET status = 'active', volunteer_id = :volunteer, claimed_at = :now, "
    "preferred_volunteer = NULL "
    "WHERE id = {target} AND status = 'queued' "
    "AND (SELECT count(*) FROM handoffs WHERE volunteer_id = :volunteer AND status = 'active') "
    "< (SELECT max_active FROM volunteers WHERE id = :volunteer) "
    "RETURNING id"
)
_SETTABLE = frozenset(
    {
        "announced",
        "escalated",
        "announce_step",
        "told_position",
        "told_wait",
        "told_closed",
        "open_to_buddies",
        "feedback",
    }
)


class SqlQueue:
    """The handoff queue in SQL; one instance per transaction."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def _code_taken(self, code: str, since: str) -> bool:
        """One indexed look-up: is `code` open, or closed since `since`?"""
        row = self.sql.execute(
            "SELECT 1 FROM handoffs WHERE code = ? AND (status != 'closed' OR closed_at >= ?) "
            "LIMIT 1",
            [code, since],
        ).fetchone()
        return row is not None

    def _free_code(self, now: datetime) -> str:
        """A pseudonym code no open handoff uses and none closed in the last REUSE_DAYS, so a
        volunteer never meets the same "Ouder #K7" as two different parents in one week;
        codes grow longer when short ones are taken, so the space never runs out."""
        since = to_text(now - timedelta(days=REUSE_DAYS))
        for tries, code in enumerate(candidate_codes(), 1):
            if not self._code_taken(code, since):
                return code
            if tries >= MAX_CODE_TRIES:  # pragma: no cover - codes grow a digit every few tries
                break
        raise HandoffError("no free pseudonym code")

    def get(self, handoff_id: int, *, lock: bool = False) -> Handoff | None:
        """The handoff with this id, open or closed; `lock` (in a write transaction) holds its
        row until commit, so no other instance claims or changes it meanwhile."""
        held = self.sql.dialect.lock_row if lock else ""
        rows = self.sql.rows(f"SELECT * FROM handoffs WHERE id = ?{held}", [handoff_id])
        return handoff_of(rows[0]) if rows else None

    def by_code(self, code: str) -> Handoff | None:
        """The open handoff with this pseudonym code ('K7', '#k7' and 'Ouder #K7' all work)."""
        rows = self.sql.rows(
            "SELECT * FROM handoffs WHERE code = ? AND status != 'closed'", [normalise(code)]
        )
        return handoff_of(rows[0]) if rows else None

    def latest_for(self, conversation_id: str) -> Handoff | None:
        """The most recent handoff of a parent's conversation, open or closed."""
        rows = self.sql.rows(
            "SELECT * FROM handoffs WHERE conversation_id = ? ORDER BY id DESC LIMIT 1",
            [conversation_id],
        )
        return handoff_of(rows[0]) if rows else None

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
        urgent = category in URGENT_CATEGORIES
        for _ in range(5):
            row = self.sql.execute(
                "INSERT INTO handoffs (code, conversation_id, channel, role, topic, urgent, "
                "category, severity, open_to_buddies, status, preferred_volunteer, summary, "
                "first_requested_at, requested_at, queued_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?) "
                "ON CONFLICT (code) WHERE status != 'closed' DO NOTHING RETURNING id",
                [
                    self._free_code(now),
                    conversation_id,
                    channel,
                    role,
                    topic,
                    int(urgent),
                    category,
                    severity_of(category),
                    int(not urgent),
                    preferred_volunteer,
                    json.dumps(summary.to_json(), ensure_ascii=False),
                    to_text(now),
                    to_text(now),
                    to_text(now),
                ],
            ).fetchone()
            if row is not None:
                found = self.get(int(row[0]))
                assert found is not None
                return found
        raise HandoffError("no free pseudonym code")  # pragma: no cover

    def _lock_volunteer(self, volunteer_id: int) -> None:
        """PostgreSQL: hold the volunteer's row, so two claims of one volunteer on two
        instances cannot both pass the capacity check."""
        if self.sql.dialect.lock_row:
            self.sql.execute(
                "SELECT id FROM volunteers WHERE id = ?" + self.sql.dialect.lock_row,
                [volunteer_id],
            )

    def claim(self, handoff_id: int, volunteer_id: int, now: datetime) -> Handoff | None:
        """Claim one handoff in ONE statement: only a queued handoff, only with free capacity.

        Two volunteers pressing *Oppakken* together: exactly one UPDATE matches, the other
        gets None.
        """
        self._lock_volunteer(volunteer_id)
        row = self.sql.execute(
            _CLAIM.format(target=":handoff"),
            {"volunteer": volunteer_id, "now": to_text(now), "handoff": handoff_id},
        ).fetchone()
        return self.get(row[0]) if row else None

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
        self._lock_volunteer(volunteer_id)
        marks = ", ".join(f":r{i}" for i in range(len(roles)))
        only_open = "AND open_to_buddies = 1 " if buddy else ""
        target = (
            f"(SELECT id FROM handoffs WHERE status = 'queued' AND role IN ({marks}) {only_open}"
            f"ORDER BY {QUEUE_ORDER} LIMIT 1{self.sql.dialect.skip_locked})"
        )
        params: dict[str, object] = {"volunteer": volunteer_id, "now": to_text(now)}
        params.update({f"r{i}": role for i, role in enumerate(roles)})
        row = self.sql.execute(_CLAIM.format(target=target), params).fetchone()
        return self.get(row[0]) if row else None

    def queued(self) -> list[Handoff]:
        """Everyone waiting, in queue order."""
        rows = self.sql.rows(
            f"SELECT * FROM handoffs WHERE status = 'queued' ORDER BY {QUEUE_ORDER}"
        )
        return [handoff_of(r) for r in rows]

    def waiting_view(self) -> list[WaitingView]:
        """Everyone waiting, in queue order, without summaries: what the queue watch needs."""
        rows = self.sql.execute(
            f"SELECT {WAITING_COLUMNS} FROM handoffs WHERE status = 'queued' ORDER BY {QUEUE_ORDER}"
        ).fetchall()
        return [waiting_of(tuple(r)) for r in rows]

    def head(self, limit: int) -> list[Handoff]:
        """The first `limit` waiting, in queue order (lists and consoles show no more)."""
        rows = self.sql.rows(
            f"SELECT * FROM handoffs WHERE status = 'queued' ORDER BY {QUEUE_ORDER} LIMIT ?",
            [limit],
        )
        return [handoff_of(r) for r in rows]

    def waiting_count(self) -> int:
        """How many wait (one index range count)."""
        row = self.sql.execute("SELECT count(*) FROM handoffs WHERE status = 'queued'").fetchone()
        return int(row[0])

    def ahead(self, handoff: Handoff) -> tuple[int, int]:
        """(place in the whole queue, how many ahead ask for a role this one's volunteers
        serve): what one parent's wait estimate needs, from two counts, not the queue."""
        earlier = (
            "status = 'queued' AND (severity > :s OR (severity = :s AND (requested_at < :r "
            "OR (requested_at = :r AND id < :i))))"
        )
        params = {"s": handoff.severity, "r": to_text(handoff.requested_at), "i": handoff.id}
        place = self.sql.execute(f"SELECT count(*) FROM handoffs WHERE {earlier}", params)
        position = int(place.fetchone()[0]) + 1
        if handoff.role == "either":
            return position, position - 1
        overlapping = self.sql.execute(
            f"SELECT count(*) FROM handoffs WHERE {earlier} AND role IN (:role, 'either')",
            {**params, "role": handoff.role},
        )
        return position, int(overlapping.fetchone()[0])

    def told(self, handoff_id: int) -> frozenset[int]:
        """The volunteers told of this request since it last entered the queue."""
        rows = self.sql.execute(
            "SELECT volunteer_id FROM handoff_told WHERE handoff_id = ?", [handoff_id]
        ).fetchall()
        return frozenset(int(r[0]) for r in rows)

    def mark_told(self, handoff_id: int, volunteer_ids: list[int]) -> None:
        """Remember who heard of this request, so widening never tells anyone twice."""
        self.sql.executemany(
            "INSERT INTO handoff_told (handoff_id, volunteer_id) VALUES (?, ?) "
            "ON CONFLICT (handoff_id, volunteer_id) DO NOTHING",
            [(handoff_id, v) for v in volunteer_ids],
        )

    def active_for(self, volunteer_id: int) -> list[Handoff]:
        """A volunteer's open conversations, oldest first."""
        rows = self.sql.rows(
            "SELECT * FROM handoffs WHERE volunteer_id = ? AND status = 'active' "
            "ORDER BY claimed_at",
            [volunteer_id],
        )
        return [handoff_of(r) for r in rows]

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
        before = self.get(handoff_id)
        if before is None:
            raise HandoffError(f"no handoff {handoff_id}")
        self.sql.execute("DELETE FROM handoff_told WHERE handoff_id = ?", [handoff_id])
        self.sql.execute(
            "UPDATE handoffs SET status = 'queued', role = ?, preferred_volunteer = ?, "
            "requested_at = ?, queued_at = ?, announced = 0, escalated = 0, announce_step = 0, "
            "told_position = NULL, told_wait = NULL, closed_at = NULL, outcome = NULL, "
            "claimed_at = NULL, feedback = NULL WHERE id = ?",
            [
                role or before.role,
                preferred_volunteer,
                to_text(before.requested_at if keep_place else now),
                to_text(now),
                handoff_id,
            ],
        )
        after = self.get(handoff_id)
        assert after is not None
        return after

    def close(self, handoff_id: int, outcome: str, now: datetime) -> None:
        """End a handoff with an outcome code; it can be reopened later."""
        self.sql.execute(
            "UPDATE handoffs SET status = 'closed', outcome = ?, closed_at = ? WHERE id = ?",
            [outcome, to_text(now), handoff_id],
        )

    def raise_category(self, handoff_id: int, category: str) -> Handoff | None:
        """Make a handoff at least as severe as `category` (a crisis while waiting or talking);
        the changed handoff, or None when it was already as severe."""
        before = self.get(handoff_id)
        if before is None or severity_of(category) <= before.severity:
            return None
        urgent = before.urgent or category in URGENT_CATEGORIES
        self.sql.execute(
            "UPDATE handoffs SET category = ?, severity = ?, urgent = ?, "
            "open_to_buddies = ? WHERE id = ?",
            [
                category,
                severity_of(category),
                int(urgent),
                int(before.open_to_buddies and category not in URGENT_CATEGORIES),
                handoff_id,
            ],
        )
        return self.get(handoff_id)

    def set_fields(self, handoff_id: int, **values: object) -> None:
        """Update bookkeeping columns (announced, escalated, told_*, open_to_buddies, feedback)."""
        if not values or set(values) - _SETTABLE:
            raise HandoffError(f"cannot set {', '.join(sorted(set(values) - _SETTABLE))}")
        assignments = ", ".join(f"{key} = ?" for key in values)
        self.sql.execute(
            f"UPDATE handoffs SET {assignments} WHERE id = ?", [*values.values(), handoff_id]
        )

    def add_message(
        self,
        handoff_id: int,
        sender: Sender,
        text: str,
        at: datetime,
        volunteer_id: int | None = None,
    ) -> None:
        """Keep a relayed message (or a private note) with the handoff."""
        self.sql.execute(
            "INSERT INTO handoff_messages (handoff_id, at, sender, volunteer_id, text) "
            "VALUES (?, ?, ?, ?, ?)",
            [handoff_id, to_text(at), sender, volunteer_id, text],
        )

    def copy_messages(self, source: int, target: int) -> None:
        """Carry a closed handoff's story over to the one that reopens it."""
        self.sql.execute(
            "INSERT INTO handoff_messages (handoff_id, at, sender, volunteer_id, text) "
            "SELECT ?, at, sender, volunteer_id, text FROM handoff_messages "
            "WHERE handoff_id = ? ORDER BY id",
            [target, source],
        )

    def messages(self, handoff_id: int) -> list[RelayedMessage]:
        """A handoff's relayed messages and notes, in the order they were kept."""
        rows = self.sql.rows(
            "SELECT * FROM handoff_messages WHERE handoff_id = ? ORDER BY id", [handoff_id]
        )
        return [
            RelayedMessage(
                r["id"],
                r["handoff_id"],
                from_text(r["at"]),
                r["sender"],
                r["volunteer_id"],
                r["text"],
            )
            for r in rows
        ]

    def handling_minutes(self, recent: int = 50) -> list[float]:
        """How long recent conversations took from claim to close, for the expected wait
        (the `handoffs_closed` index serves the newest closed ones first)."""
        rows = self.sql.execute(
            "SELECT claimed_at, closed_at FROM handoffs WHERE status = 'closed' "
            "AND claimed_at IS NOT NULL ORDER BY closed_at DESC LIMIT ?",
            [recent],
        ).fetchall()
        minutes = [
            (from_text(closed) - from_text(claimed)).total_seconds() / 60
            for claimed, closed in rows
        ]
        return [m for m in minutes if m > 0]
