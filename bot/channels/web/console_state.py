"""What a volunteer's console shows, read in one go from the store: the queue (urgent first,
with waiting time, role, topic and whether they may claim), their open conversations with the
summary and every relayed message and note. Never a parent's account or platform id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.handoff_notices import Notices
from bot.core.texts import Texts
from bot.storage.contract import Tx
from handoff import routing
from handoff.model import Handoff, Volunteer

MAX_QUEUE_SHOWN = 50
MAX_MESSAGES_SHOWN = 300


def _when(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _handoff(h: Handoff, texts: Texts, notices: Notices) -> dict[str, Any]:
    return {
        "id": h.id,
        "code": h.code,
        "label": notices.label(h),
        "role_label": texts.word("role_names", h.role),
        "topic_label": texts.topics.get(h.topic or "") if h.topic else None,
        "urgent": h.urgent,
        "category_label": notices.marker(h),
        "channel": h.channel,
    }


def snapshot(
    tx: Tx, volunteer: Volunteer, texts: Texts, notices: Notices, now: datetime
) -> dict[str, Any]:
    """The `state` frame's body for one volunteer."""
    items = []
    for h in tx.queue.head(MAX_QUEUE_SHOWN):
        item = _handoff(h, texts, notices)
        since = h.requested_at  # since they asked: after a release the wait goes on
        item["waiting_minutes"] = max(0, int((now - since).total_seconds() // 60))
        item["may_claim"] = routing.may_claim(volunteer, h)
        items.append(item)
    conversations = []
    names: dict[int | None, str] = {}
    for h in tx.queue.active_for(volunteer.id):
        item = _handoff(h, texts, notices)
        item["current"] = volunteer.current_handoff == h.id
        item["summary"] = h.summary.to_json()
        messages = []
        for m in tx.queue.messages(h.id)[-MAX_MESSAGES_SHOWN:]:
            if m.sender == "parent":
                name = notices.label(h)
            else:
                if m.volunteer_id not in names:
                    found = tx.registry.find(m.volunteer_id)
                    names[m.volunteer_id] = found.name if found else ""
                name = names[m.volunteer_id]
            messages.append(
                {"id": m.id, "from": m.sender, "name": name, "text": m.text, "at": _when(m.at)}
            )
        item["messages"] = messages
        conversations.append(item)
    return {
        "type": "state",
        "me": {
            "id": volunteer.id,
            "name": volunteer.name,
            "role": volunteer.role,
            "role_label": texts.word("role_names", volunteer.role),
            "available": volunteer.available,
        },
        "queue": items,
        "conversations": conversations,
    }
