"""The volunteer registry in SQLite: add, change, remove, invite codes and linking an account.

Every function takes the sqlite-utils Database and runs inside the caller's transaction
(`Store.transaction`), so the admin CLI and the running bot can share one file.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlite_utils import Database

from bot.storage import fetch_rows, from_text, to_text
from handoff.model import ROLES, HandoffError, Role, Volunteer

# Invite codes: no 0/O, 1/I/L, so they can be read out over the phone.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
_ACTIVE_COUNT = (
    "(SELECT count(*) FROM handoffs h WHERE h.volunteer_id = v.id AND h.status = 'active')"
)
_SELECT = f"SELECT v.*, {_ACTIVE_COUNT} AS active FROM volunteers v"


def _hash(code: str) -> str:
    """Only a hash of an invite code is stored; the code itself is shown once."""
    normal = code.replace("-", "").replace(" ", "").upper()
    return hashlib.sha256(normal.encode()).hexdigest()


def new_code() -> str:
    """A fresh one-time code like 'K7QM-3XPD'."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


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


def check_fields(role: str, name: str, max_active: int) -> None:
    """Refuse values that would break routing; messages name the field."""
    if role not in ROLES:
        raise HandoffError(f"role must be one of {', '.join(ROLES)}")
    if not name.strip() or len(name) > 40:
        raise HandoffError("name must be 1 to 40 characters")
    if max_active < 1:
        raise HandoffError("max must be at least 1")


def clean_topics(topics: Iterable[str]) -> list[str]:
    return sorted({t.strip().lower() for t in topics if t.strip()})


def add(
    db: Database,
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
    cursor = db.execute(
        "INSERT INTO volunteers (name, role, topics, max_active, available, invite_hash, "
        "invite_expires, created_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
        [
            name.strip(),
            role,
            json.dumps(clean_topics(topics)),
            max_active,
            _hash(code),
            to_text(now + timedelta(days=invite_days)),
            to_text(now),
        ],
    )
    return get(db, int(cast(int, cursor.lastrowid))), code


def get(db: Database, volunteer_id: int) -> Volunteer:
    """The volunteer with this id; HandoffError if there is none (for the admin CLI)."""
    found = find(db, volunteer_id)
    if found is None:
        raise HandoffError(f"no volunteer with id {volunteer_id}")
    return found


def find(db: Database, volunteer_id: int | None) -> Volunteer | None:
    """The volunteer with this id, or None (none given, or removed since)."""
    if volunteer_id is None:
        return None
    rows = fetch_rows(db, _SELECT + " WHERE v.id = ?", [volunteer_id])
    return _volunteer(rows[0]) if rows else None


def at_address(db: Database, address: str) -> Volunteer | None:
    """The volunteer whose linked account has this pseudonym, if any."""
    rows = fetch_rows(db, _SELECT + " WHERE v.address = ?", [address])
    return _volunteer(rows[0]) if rows else None


def all_volunteers(db: Database) -> list[Volunteer]:
    return [_volunteer(r) for r in fetch_rows(db, _SELECT + " ORDER BY v.id")]


def reachable(db: Database) -> list[Volunteer]:
    """Linked volunteers who are available: the people a notification can go to."""
    rows = fetch_rows(
        db, _SELECT + " WHERE v.address IS NOT NULL AND v.available = 1 ORDER BY v.id"
    )
    return [_volunteer(r) for r in rows]


def helpers_there(db: Database) -> bool:
    """Whether any advisor or buddy is linked and available (one cheap query per turn)."""
    row = db.execute(
        "SELECT 1 FROM volunteers WHERE address IS NOT NULL AND available = 1 "
        "AND role != 'coordinator' LIMIT 1"
    ).fetchone()
    return row is not None


def update(db: Database, volunteer_id: int, **changes: object) -> Volunteer:
    """Change name, role, topics, max_active or available; checks the result like `add`."""
    before = get(db, volunteer_id)
    allowed = {"name", "role", "topics", "max_active", "available"}
    unknown = set(changes) - allowed
    if unknown:
        raise HandoffError(f"cannot change {', '.join(sorted(unknown))}")
    name = str(changes.get("name", before.name))
    role = str(changes.get("role", before.role))
    max_active = int(cast(int, changes.get("max_active", before.max_active)))
    check_fields(role, name, max_active)
    topics = changes.get("topics", before.topics)
    db.execute(
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
    return get(db, volunteer_id)


def set_pending(db: Database, volunteer_id: int, pending: dict[str, object] | None) -> None:
    """Remember (or forget) a volunteer's half-finished action, such as a pass-on note."""
    value = json.dumps(pending) if pending else None
    db.execute("UPDATE volunteers SET pending = ? WHERE id = ?", [value, volunteer_id])


def set_current(db: Database, volunteer_id: int, handoff_id: int | None) -> None:
    """Which conversation the volunteer's typed messages go to."""
    db.execute("UPDATE volunteers SET current_handoff = ? WHERE id = ?", [handoff_id, volunteer_id])


def new_invite(db: Database, volunteer_id: int, now: datetime, invite_days: int = 7) -> str:
    """A fresh one-time code (the old one stops working), e.g. for a new phone."""
    get(db, volunteer_id)
    code = new_code()
    db.execute(
        "UPDATE volunteers SET invite_hash = ?, invite_expires = ? WHERE id = ?",
        [_hash(code), to_text(now + timedelta(days=invite_days)), volunteer_id],
    )
    return code


def link(db: Database, code: str, address: str, channel: str, now: datetime) -> Volunteer | None:
    """Link the account behind `address` with the volunteer whose code this is; None if the
    code is unknown, used or expired. An account can belong to one volunteer only."""
    rows = fetch_rows(db, _SELECT + " WHERE v.invite_hash = ?", [_hash(code)])
    if not rows or rows[0]["invite_expires"] is None:
        return None
    if from_text(rows[0]["invite_expires"]) < now:
        return None
    volunteer_id = rows[0]["id"]
    db.execute("UPDATE volunteers SET address = NULL, channel = NULL WHERE address = ?", [address])
    db.execute(
        "UPDATE volunteers SET address = ?, channel = ?, invite_hash = NULL, "
        "invite_expires = NULL, available = 1 WHERE id = ?",
        [address, channel, volunteer_id],
    )
    return get(db, volunteer_id)


def attach(db: Database, volunteer_id: int, address: str, channel: str) -> Volunteer:
    """Make `address` the volunteer's desk (the console after a login link); an account
    that was linked before (Telegram) stops being theirs until they link it again."""
    get(db, volunteer_id)
    db.execute("UPDATE volunteers SET address = NULL, channel = NULL WHERE address = ?", [address])
    db.execute(
        "UPDATE volunteers SET address = ?, channel = ? WHERE id = ?",
        [address, channel, volunteer_id],
    )
    return get(db, volunteer_id)


def remove(db: Database, volunteer_id: int) -> None:
    """Delete a volunteer; the caller first hands their open conversations back to the queue."""
    get(db, volunteer_id)
    db.execute("DELETE FROM volunteers WHERE id = ?", [volunteer_id])
