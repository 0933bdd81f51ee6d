"""The durable handoff queue: create, claim (one atomic statement), release, pass on, close.

Queue order is severity first (suicide, harm, distress, the rest), then longest waiting. Every
function runs inside the caller's transaction on the storage thread (see `Store.transaction`).
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from bot.storage import fetch_rows, from_text, to_text
from handoff.model import (
    URGENT_CATEGORIES,
    Handoff,
    HandoffError,
    RelayedMessage,
    Sender,
    Summary,
    severity_of,
)

QUEUE_ORDER = "severity DESC, requested_at, id"
REUSE_DAYS = 7
# Pseudonym codes like "K7": a letter and a digit, without look-alikes.
_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ"
_DIGITS = "23456789"


def _when(value: str | None) -> datetime | None:
    return from_text(value) if value else None


def _handoff(row: dict[str, Any]) -> Handoff:
    return Handoff(
        id=row["id"],
        code=row["code"],
        conversation_id=row["conversation_id"],
        channel=row["channel"],
        role=row["role"],
        topic=row["topic"],
        urgent=bool(row["urgent"]),
        status=row["status"],
        volunteer_id=row["volunteer_id"],
        preferred_volunteer=row["preferred_volunteer"],
        summary=Summary.from_json(json.loads(row["summary"])),
        first_requested_at=from_text(row["first_requested_at"]),
        requested_at=from_text(row["requested_at"]),
        queued_at=_when(row["queued_at"]),
        claimed_at=_when(row["claimed_at"]),
        closed_at=_when(row["closed_at"]),
        outcome=row["outcome"],
        feedback=row["feedback"],
        announced=bool(row["announced"]),
        escalated=bool(row["escalated"]),
        told_position=row["told_position"],
        told_wait=row["told_wait"],
        told_closed=bool(row["told_closed"]),
        category=row["category"],
        severity=row["severity"],
        open_to_buddies=bool(row["open_to_buddies"]),
    )


def _free_code(db: Database, now: datetime) -> str:
    """A pseudonym code no open handoff uses and none closed in the last REUSE_DAYS, so a
    volunteer never meets the same "Ouder #K7" as two different parents in one week."""
    since = to_text(now - timedelta(days=REUSE_DAYS))
    used = {
        r[0]
        for r in db.execute(
            "SELECT code FROM handoffs WHERE status != 'closed' OR closed_at >= ?", [since]
        )
    }
    for length in (2, 3, 4):
        for _ in range(40):
            code = secrets.choice(_LETTERS) + "".join(
                secrets.choice(_DIGITS) for _ in range(length)
            )
            if code not in used:
                return code
    raise HandoffError("no free pseudonym code")  # pragma: no cover - 23 * 8**4 codes


def get(db: Database, handoff_id: int) -> Handoff | None:
    rows = fetch_rows(db, "SELECT * FROM handoffs WHERE id = ?", [handoff_id])
    return _handoff(rows[0]) if rows else None


def by_code(db: Database, code: str) -> Handoff | None:
    """The open handoff with this pseudonym code ('K7', '#k7' and 'Ouder #K7' all work)."""
    wanted = code.strip().upper().removeprefix("OUDER").strip().lstrip("#")
    rows = fetch_rows(db, "SELECT * FROM handoffs WHERE code = ? AND status != 'closed'", [wanted])
    return _handoff(rows[0]) if rows else None


def latest_for(db: Database, conversation_id: str) -> Handoff | None:
    """The most recent handoff of a parent's conversation, open or closed."""
    rows = fetch_rows(
        db,
        "SELECT * FROM handoffs WHERE conversation_id = ? ORDER BY id DESC LIMIT 1",
        [conversation_id],
    )
    return _handoff(rows[0]) if rows else None


def create(
    db: Database,
    conversation_id: str,
    channel: str,
    role: str,
    topic: str | None,
    category: str | None,
    summary: Summary,
    now: datetime,
    preferred_volunteer: int | None = None,
) -> Handoff:
    """Put a parent in the queue; an urgent one (suicide, harm) is not yet open to buddies."""
    urgent = category in URGENT_CATEGORIES
    cursor = db.execute(
        "INSERT INTO handoffs (code, conversation_id, channel, role, topic, urgent, category, "
        "severity, open_to_buddies, status, preferred_volunteer, summary, first_requested_at, "
        "requested_at, queued_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)",
        [
            _free_code(db, now),
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
    )
    found = get(db, int(cursor.lastrowid or 0))
    assert found is not None
    return found


_CLAIM = (
    "UPDATE handoffs SET status = 'active', volunteer_id = :volunteer, claimed_at = :now, "
    "preferred_volunteer = NULL "
    "WHERE id = {target} AND status = 'queued' "
    "AND (SELECT count(*) FROM handoffs WHERE volunteer_id = :volunteer AND status = 'active') "
    "< (SELECT max_active FROM volunteers WHERE id = :volunteer) "
    "RETURNING id"
)


def claim(db: Database, handoff_id: int, volunteer_id: int, now: datetime) -> Handoff | None:
    """Claim one handoff in ONE statement: only a queued handoff, only with free capacity.

    Two volunteers pressing *Oppakken* together: exactly one UPDATE matches, the other gets None.
    """
    row = db.execute(
        _CLAIM.format(target=":handoff"),
        {"volunteer": volunteer_id, "now": to_text(now), "handoff": handoff_id},
    ).fetchone()
    return get(db, row[0]) if row else None


def claim_next(
    db: Database,
    volunteer_id: int,
    roles: tuple[str, ...],
    now: datetime,
    *,
    buddy: bool = False,
) -> Handoff | None:
    """Claim the first handoff in queue order that asked for one of `roles`, in ONE statement.
    A buddy skips urgent requests that are not open to buddies yet."""
    marks = ", ".join(f":r{i}" for i in range(len(roles)))
    only_open = "AND open_to_buddies = 1 " if buddy else ""
    target = (
        f"(SELECT id FROM handoffs WHERE status = 'queued' AND role IN ({marks}) {only_open}"
        f"ORDER BY {QUEUE_ORDER} LIMIT 1)"
    )
    params: dict[str, object] = {"volunteer": volunteer_id, "now": to_text(now)}
    params.update({f"r{i}": role for i, role in enumerate(roles)})
    row = db.execute(_CLAIM.format(target=target), params).fetchone()
    return get(db, row[0]) if row else None


def queued(db: Database) -> list[Handoff]:
    """Everyone waiting, in queue order."""
    rows = fetch_rows(
        db, f"SELECT * FROM handoffs WHERE status = 'queued' ORDER BY {QUEUE_ORDER}", []
    )
    return [_handoff(r) for r in rows]


def active_for(db: Database, volunteer_id: int) -> list[Handoff]:
    """A volunteer's open conversations, oldest first."""
    rows = fetch_rows(
        db,
        "SELECT * FROM handoffs WHERE volunteer_id = ? AND status = 'active' ORDER BY claimed_at",
        [volunteer_id],
    )
    return [_handoff(r) for r in rows]


def requeue(
    db: Database,
    handoff_id: int,
    now: datetime,
    *,
    role: str | None = None,
    preferred_volunteer: int | None = None,
    keep_place: bool = True,
) -> Handoff:
    """Back to the queue (release, pass on, reopen). A released parent keeps their place;
    pass-on notes are kept as handoff messages."""
    before = get(db, handoff_id)
    if before is None:
        raise HandoffError(f"no handoff {handoff_id}")
    db.execute(
        "UPDATE handoffs SET status = 'queued', role = ?, preferred_volunteer = ?, "
        "requested_at = ?, queued_at = ?, announced = 0, escalated = 0, "
        "told_position = NULL, told_wait = NULL, closed_at = NULL, outcome = NULL, "
        "claimed_at = NULL, "
        "feedback = NULL WHERE id = ?",
        [
            role or before.role,
            preferred_volunteer,
            to_text(before.requested_at if keep_place else now),
            to_text(now),
            handoff_id,
        ],
    )
    after = get(db, handoff_id)
    assert after is not None
    return after


def close(db: Database, handoff_id: int, outcome: str, now: datetime) -> None:
    """End a handoff with an outcome code; it can be reopened later."""
    db.execute(
        "UPDATE handoffs SET status = 'closed', outcome = ?, closed_at = ? WHERE id = ?",
        [outcome, to_text(now), handoff_id],
    )


def raise_category(db: Database, handoff_id: int, category: str) -> Handoff | None:
    """Make a handoff at least as severe as `category` (a crisis while waiting or talking);
    the changed handoff, or None when it was already as severe."""
    before = get(db, handoff_id)
    if before is None or severity_of(category) <= before.severity:
        return None
    urgent = before.urgent or category in URGENT_CATEGORIES
    db.execute(
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
    return get(db, handoff_id)


def set_fields(db: Database, handoff_id: int, **values: object) -> None:
    """Update bookkeeping columns (announced, escalated, told_*, open_to_buddies, feedback)."""
    allowed = {
        "announced",
        "escalated",
        "told_position",
        "told_wait",
        "told_closed",
        "open_to_buddies",
        "feedback",
    }
    if not values or set(values) - allowed:
        raise HandoffError(f"cannot set {', '.join(sorted(set(values) - allowed))}")
    assignments = ", ".join(f"{key} = ?" for key in values)
    db.execute(f"UPDATE handoffs SET {assignments} WHERE id = ?", [*values.values(), handoff_id])


def add_message(
    db: Database,
    handoff_id: int,
    sender: Sender,
    text: str,
    at: datetime,
    volunteer_id: int | None = None,
) -> None:
    """Keep a relayed message (or a private note) with the handoff."""
    db.execute(
        "INSERT INTO handoff_messages (handoff_id, at, sender, volunteer_id, text) "
        "VALUES (?, ?, ?, ?, ?)",
        [handoff_id, to_text(at), sender, volunteer_id, text],
    )


STORY_HOURS = 2  # what a parent typed this long before asking for a person goes along
STORY_LINES = 5
STORY_MIN_WORDS = 3  # skip typed button choices ("Autisme", "2", "Iets anders")


def recent_story(
    db: Database, conversation_id: str, now: datetime, labels: frozenset[str] = frozenset()
) -> list[tuple[datetime, str]]:
    """What the parent typed shortly before asking for a person, oldest first, so the
    volunteer reads it and the parent need not tell it twice. Commands and button labels
    (`labels`, lower case) are left out."""
    rows = db.execute(
        "SELECT at, text FROM transcript WHERE conversation_id = ? AND direction = 'in' "
        "AND at >= ? ORDER BY id DESC LIMIT 50",
        [conversation_id, to_text(now - timedelta(hours=STORY_HOURS))],
    ).fetchall()
    story = [
        (from_text(at), text)
        for at, text in rows
        if not text.startswith("/")
        and len(text.split()) >= STORY_MIN_WORDS
        and text.strip().lower() not in labels
    ]
    return list(reversed(story[:STORY_LINES]))


def copy_messages(db: Database, source: int, target: int) -> None:
    """Carry a closed handoff's story over to the one that reopens it."""
    db.execute(
        "INSERT INTO handoff_messages (handoff_id, at, sender, volunteer_id, text) "
        "SELECT ?, at, sender, volunteer_id, text FROM handoff_messages WHERE handoff_id = ? "
        "ORDER BY id",
        [target, source],
    )


def messages(db: Database, handoff_id: int) -> list[RelayedMessage]:
    rows = fetch_rows(
        db, "SELECT * FROM handoff_messages WHERE handoff_id = ? ORDER BY id", [handoff_id]
    )
    return [
        RelayedMessage(
            r["id"], r["handoff_id"], from_text(r["at"]), r["sender"], r["volunteer_id"], r["text"]
        )
        for r in rows
    ]


def handling_minutes(db: Database, recent: int = 50) -> list[float]:
    """How long recent conversations took from claim to close, for the expected wait."""
    rows = db.execute(
        "SELECT (julianday(closed_at) - julianday(claimed_at)) * 1440 FROM handoffs "
        "WHERE status = 'closed' AND claimed_at IS NOT NULL ORDER BY closed_at DESC LIMIT ?",
        [recent],
    ).fetchall()
    return [float(r[0]) for r in rows if r[0] is not None and r[0] > 0]
