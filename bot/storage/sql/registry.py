"""The volunteer registry's SQL: add, change, remove, invite codes and linking an account.

Every method runs inside the caller's transaction, so the admin CLI and a running bot can share
one database. The rules (fields, topics, invite codes) are `handoff.registry`'s.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from bot.storage.sql.executor import Sql
from bot.storage.times import from_text, to_text
from handoff.model import HandoffError, Role, Volunteer
from handoff.registry import check_fields, clean_topics, invite_hash, new_code

_ACTIVE_COUNT = (
    "(SELECT count(*) FROM handoffs h WHERE h.volunteer_id = v.id AND h.status = 'active')"
)
_SELECT = f"SELECT v.*, {_ACTIVE_COUNT} AS active FROM volunteers v"


def _volunteer(row: dict[str, Any]) -> Volunteer:
    return Volunteer(
        id=row["id"],
        name=row["name"],
        role=cast(Role, row["role"]),
        topics=tuple(json.loads(row["topics"])),
        max_active=row["max_active"],
        available=bool(row["available"]),
        address=row["address"],
        channel=row["channel"],
        current_handoff=row["current_handoff"],
        pending=json.loads(row["pending"]) if row["pending"] else {},
        active=row["active"],
    )


class SqlRegistry:
    """The volunteer registry in SQL; one instance per transaction."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

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
        check_fields(role, name, max_active)
        code = new_code()
        cursor = self.sql.execute(
            "INSERT INTO volunteers (name, role, topics, max_active, available, invite_hash, "
            "invite_expires, created_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?) RETURNING id",
            [
                name.strip(),
                role,
                json.dumps(clean_topics(topics)),
                max_active,
                invite_hash(code),
                to_text(now + timedelta(days=invite_days)),
                to_text(now),
            ],
        )
        return self.get(int(cursor.fetchone()[0])), code

    def get(self, volunteer_id: int) -> Volunteer:
        """The volunteer with this id; HandoffError if there is none (for the admin CLI)."""
        found = self.find(volunteer_id)
        if found is None:
            raise HandoffError(f"no volunteer with id {volunteer_id}")
        return found

    def find(self, volunteer_id: int | None) -> Volunteer | None:
        """The volunteer with this id, or None (none given, or removed since)."""
        if volunteer_id is None:
            return None
        rows = self.sql.rows(_SELECT + " WHERE v.id = ?", [volunteer_id])
        return _volunteer(rows[0]) if rows else None

    def at_address(self, address: str) -> Volunteer | None:
        """The volunteer whose linked account has this pseudonym, if any."""
        rows = self.sql.rows(_SELECT + " WHERE v.address = ?", [address])
        return _volunteer(rows[0]) if rows else None

    def all_volunteers(self) -> list[Volunteer]:
        return [_volunteer(r) for r in self.sql.rows(_SELECT + " ORDER BY v.id")]

    def reachable(self) -> list[Volunteer]:
        """Linked volunteers who are available: the people a notification can go to."""
        rows = self.sql.rows(
            _SELECT + " WHERE v.address IS NOT NULL AND v.available = 1 ORDER BY v.id"
        )
        return [_volunteer(r) for r in rows]

    def helpers_there(self) -> bool:
        """Whether any advisor or buddy is linked and available (one cheap query per turn)."""
        row = self.sql.execute(
            "SELECT 1 FROM volunteers WHERE address IS NOT NULL AND available = 1 "
            "AND role != 'coordinator' LIMIT 1"
        ).fetchone()
        return row is not None

    def update(self, volunteer_id: int, **changes: object) -> Volunteer:
        """Change name, role, topics, max_active or available; checks the result like `add`."""
        before = self.get(volunteer_id)
        allowed = {"name", "role", "topics", "max_active", "available"}
        unknown = set(changes) - allowed
        if unknown:
            raise HandoffError(f"cannot change {', '.join(sorted(unknown))}")
        name = str(changes.get("name", before.name))
        role = str(changes.get("role", before.role))
        max_active = int(cast(int, changes.get("max_active", before.max_active)))
        check_fields(role, name, max_active)
        topics = changes.get("topics", before.topics)
        self.sql.execute(
            "UPDATE volunteers SET name = ?, role = ?, topics = ?, max_active = ?, available = ? "
            "WHERE id = ?",
            [
                name.strip(),
                role,
                json.dumps(clean_topics(cast(Iterable[str], topics))),
                max_active,
                int(bool(changes.get("available", before.available))),
                volunteer_id,
            ],
        )
        return self.get(volunteer_id)

    def set_pending(self, volunteer_id: int, pending: dict[str, object] | None) -> None:
        """Remember (or forget) a volunteer's half-finished action, such as a pass-on note."""
        value = json.dumps(pending) if pending else None
        self.sql.execute("UPDATE volunteers SET pending = ? WHERE id = ?", [value, volunteer_id])

    def set_current(self, volunteer_id: int, handoff_id: int | None) -> None:
        """Which conversation the volunteer's typed messages go to."""
        self.sql.execute(
            "UPDATE volunteers SET current_handoff = ? WHERE id = ?", [handoff_id, volunteer_id]
        )

    def new_invite(self, volunteer_id: int, now: datetime, invite_days: int = 7) -> str:
        """A fresh one-time code (the old one stops working), e.g. for a new phone."""
        self.get(volunteer_id)
        code = new_code()
        self.sql.execute(
            "UPDATE volunteers SET invite_hash = ?, invite_expires = ? WHERE id = ?",
            [invite_hash(code), to_text(now + timedelta(days=invite_days)), volunteer_id],
        )
        return code

    def link(self, code: str, address: str, channel: str, now: datetime) -> Volunteer | None:
        """Link the account behind `address` with the volunteer whose code this is; None if the
        code is unknown, used or expired. An account can belong to one volunteer only."""
        rows = self.sql.rows(_SELECT + " WHERE v.invite_hash = ?", [invite_hash(code)])
        if not rows or rows[0]["invite_expires"] is None:
            return None
        if from_text(rows[0]["invite_expires"]) < now:
            return None
        volunteer_id = rows[0]["id"]
        self.sql.execute(
            "UPDATE volunteers SET address = NULL, channel = NULL WHERE address = ?", [address]
        )
        self.sql.execute(
            "UPDATE volunteers SET address = ?, channel = ?, invite_hash = NULL, "
            "invite_expires = NULL, available = 1 WHERE id = ?",
            [address, channel, volunteer_id],
        )
        return self.get(volunteer_id)

    def attach(self, volunteer_id: int, address: str, channel: str) -> Volunteer:
        """Make `address` the volunteer's desk (the console after a login link); an account
        that was linked before (Telegram) stops being theirs until they link it again."""
        self.get(volunteer_id)
        self.sql.execute(
            "UPDATE volunteers SET address = NULL, channel = NULL WHERE address = ?", [address]
        )
        self.sql.execute(
            "UPDATE volunteers SET address = ?, channel = ? WHERE id = ?",
            [address, channel, volunteer_id],
        )
        return self.get(volunteer_id)

    def remove(self, volunteer_id: int) -> None:
        """Delete a volunteer; the caller first hands their open conversations back to the queue."""
        self.get(volunteer_id)
        self.sql.execute("DELETE FROM volunteers WHERE id = ?", [volunteer_id])
