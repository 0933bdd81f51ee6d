"""Versioned schema migrations: PRAGMA user_version counts the migrations applied."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlite_utils import Database

from bot.storage.model import SchemaTooNewError

Migration = Callable[[Database], None]


def _v1_initial(db: Database) -> None:
    """Conversations, transcript lines and anonymous events."""
    db.table("conversations").create(
        {
            "conversation_id": str,
            "channel": str,
            "state": str,
            "node": str,
            "path": str,
            "crisis": int,
            "data": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="conversation_id",
        not_null=["channel", "state", "path", "crisis", "data", "created_at", "updated_at"],
    )
    transcript = db.table("transcript").create(
        {"id": int, "conversation_id": str, "at": str, "direction": str, "text": str},
        pk="id",
        not_null=["conversation_id", "at", "direction", "text"],
    )
    transcript.create_index(["conversation_id"])
    transcript.create_index(["at"])
    db.table("events").create(
        {"id": int, "kind": str, "topic": str, "outcome": str, "hour": str},
        pk="id",
        not_null=["kind", "hour"],
    )


def _v2_handoff(db: Database) -> None:
    """Volunteers, handoffs with their relayed messages, and the outbox of undelivered messages."""
    db.table("volunteers").create(
        {
            "id": int,
            "name": str,
            "role": str,
            "topics": str,
            "max_active": int,
            "available": int,
            "invite_hash": str,
            "invite_expires": str,
            "address": str,
            "channel": str,
            "current_handoff": int,
            "pending": str,
            "created_at": str,
        },
        pk="id",
        not_null=["name", "role", "topics", "max_active", "available", "created_at"],
    )
    db.execute("CREATE UNIQUE INDEX volunteers_address ON volunteers (address)")
    handoffs = db.table("handoffs").create(
        {
            "id": int,
            "code": str,
            "conversation_id": str,
            "channel": str,
            "role": str,
            "topic": str,
            "urgent": int,
            "status": str,
            "volunteer_id": int,
            "preferred_volunteer": int,
            "summary": str,
            "first_requested_at": str,
            "requested_at": str,
            "claimed_at": str,
            "closed_at": str,
            "outcome": str,
            "feedback": str,
            "announced": int,
            "escalated": int,
            "told_position": int,
            "told_wait": int,
        },
        pk="id",
        not_null=[
            "code",
            "conversation_id",
            "channel",
            "role",
            "urgent",
            "status",
            "summary",
            "first_requested_at",
            "requested_at",
            "announced",
            "escalated",
        ],
        defaults={"urgent": 0, "announced": 0, "escalated": 0},
    )
    handoffs.create_index(["status", "urgent", "requested_at"])
    handoffs.create_index(["conversation_id"])
    handoffs.create_index(["volunteer_id", "status"])
    messages = db.table("handoff_messages").create(
        {"id": int, "handoff_id": int, "at": str, "sender": str, "volunteer_id": int, "text": str},
        pk="id",
        not_null=["handoff_id", "at", "sender", "text"],
    )
    messages.create_index(["handoff_id"])
    messages.create_index(["at"])
    outbox = db.table("outbox").create(
        {
            "id": int,
            "address": str,
            "channel": str,
            "text": str,
            "buttons": str,
            "attachment": str,
            "created_at": str,
            "attempts": int,
        },
        pk="id",
        not_null=["address", "channel", "text", "buttons", "created_at", "attempts"],
        defaults={"attempts": 0},
    )
    outbox.create_index(["address"])
    # Only channel adapters read these: which platform account is behind a pseudonym, so a
    # message can be delivered; and small settings such as the pseudonym secret.
    db.table("channel_accounts").create(
        {"address": str, "channel": str, "platform_id": str, "created_at": str},
        pk="address",
        not_null=["channel", "platform_id", "created_at"],
    )
    db.execute(
        "CREATE UNIQUE INDEX channel_accounts_platform ON channel_accounts (channel, platform_id)"
    )
    db.table("meta").create({"key": str, "value": str}, pk="key", not_null=["value"])


# Append only: never edit or reorder a migration that has shipped.
MIGRATIONS: tuple[Migration, ...] = (_v1_initial, _v2_handoff)
SCHEMA_VERSION = len(MIGRATIONS)


def user_version(db: Database) -> int:
    """The schema version recorded in the database file."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


@contextmanager
def write_transaction(db: Database) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT: take the write lock up front so busy_timeout applies."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise


def _refuse_newer(found: int) -> None:
    """A database migrated by newer code must not be touched by this one."""
    if found > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"database schema version {found} is newer than this code knows "
            f"({SCHEMA_VERSION}); upgrade Ouderlijn or restore a matching backup"
        )


def migrate(db: Database) -> int:
    """Apply pending migrations, each in its own transaction; return the resulting version."""
    _refuse_newer(user_version(db))
    for version in range(user_version(db) + 1, SCHEMA_VERSION + 1):
        with write_transaction(db):
            found = user_version(db)  # re-read under the write lock: another process may
            _refuse_newer(found)  # have migrated meanwhile
            if found >= version:
                continue
            MIGRATIONS[version - 1](db)
            db.execute(f"PRAGMA user_version = {version:d}")
    return user_version(db)


def is_busy(exc: sqlite3.OperationalError) -> bool:
    """True for SQLITE_BUSY / SQLITE_LOCKED ('database is locked'), however extended."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return True
    return "locked" in str(exc)
