"""Handoff rows as Handoff records, and the light view the queue watch scans."""

from __future__ import annotations

import json
from typing import Any

from bot.storage.times import from_text, maybe_time
from handoff.model import Handoff, Summary, WaitingView


def handoff_of(row: dict[str, Any]) -> Handoff:
    """A handoffs row as a Handoff."""
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
        queued_at=maybe_time(row["queued_at"]),
        claimed_at=maybe_time(row["claimed_at"]),
        closed_at=maybe_time(row["closed_at"]),
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
        announce_step=row["announce_step"],
    )


WAITING_COLUMNS = (
    "id, code, conversation_id, channel, role, topic, urgent, severity, open_to_buddies, "
    "preferred_volunteer, requested_at, queued_at, announced, escalated, announce_step, "
    "told_position, told_wait, told_closed"
)


def waiting_of(row: tuple[Any, ...]) -> WaitingView:
    """A row of WAITING_COLUMNS as the queue watch's light view."""
    return WaitingView(
        id=row[0],
        code=row[1],
        conversation_id=row[2],
        channel=row[3],
        role=row[4],
        topic=row[5],
        urgent=bool(row[6]),
        severity=row[7],
        open_to_buddies=bool(row[8]),
        preferred_volunteer=row[9],
        requested_at=from_text(row[10]),
        queued_at=maybe_time(row[11]),
        announced=bool(row[12]),
        escalated=bool(row[13]),
        announce_step=row[14],
        told_position=row[15],
        told_wait=row[16],
        told_closed=bool(row[17]),
    )
