"""Versioned schema migrations: PRAGMA user_version counts the migrations applied."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlite_utils import Database

from bot.storage.block_schema import V8_BLOCKS
from bot.storage.model import SchemaTooNewError
from bot.storage.scale_schema import V7_SCALE

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
    """Volunteers, handoffs with their relayed messages, and the outbox of undelivered messages.

    AUTOINCREMENT where ids reach buttons or the courier: an id is never used twice, so an old
    button or an in-flight delivery can never point at a newer row.
    """
    db.execute(
        "CREATE TABLE volunteers (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, "
        "role TEXT NOT NULL, topics TEXT NOT NULL, max_active INTEGER NOT NULL, "
        "available INTEGER NOT NULL, invite_hash TEXT, invite_expires TEXT, address TEXT, "
        "channel TEXT, current_handoff INTEGER, pending TEXT, created_at TEXT NOT NULL)"
    )
    db.execute("CREATE UNIQUE INDEX volunteers_address ON volunteers (address)")
    db.execute(
        "CREATE TABLE handoffs (id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL, "
        "conversation_id TEXT NOT NULL, channel TEXT NOT NULL, role TEXT NOT NULL, topic TEXT, "
        "urgent INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL, volunteer_id INTEGER, "
        "preferred_volunteer INTEGER, summary TEXT NOT NULL, first_requested_at TEXT NOT NULL, "
        "requested_at TEXT NOT NULL, queued_at TEXT, claimed_at TEXT, closed_at TEXT, "
        "outcome TEXT, "
        "feedback TEXT, announced INTEGER NOT NULL DEFAULT 0, "
        "escalated INTEGER NOT NULL DEFAULT 0, told_position INTEGER, told_wait INTEGER, "
        "told_closed INTEGER NOT NULL DEFAULT 0)"
    )
    handoffs = db.table("handoffs")
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
    db.execute(
        "CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, address TEXT NOT NULL, "
        "channel TEXT NOT NULL, text TEXT NOT NULL, buttons TEXT NOT NULL, attachment TEXT, "
        "created_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0)"
    )
    outbox = db.table("outbox")
    outbox.create_index(["channel", "id"])
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


def _v3_triage(db: Database) -> None:
    """Handoffs carry their triage category and severity (suicide 3, harm 2, distress 1), which
    orders the queue, and whether buddies may take an urgent one yet (advisors come first)."""
    db.execute("ALTER TABLE handoffs ADD COLUMN category TEXT")
    db.execute("ALTER TABLE handoffs ADD COLUMN severity INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE handoffs ADD COLUMN open_to_buddies INTEGER NOT NULL DEFAULT 1")
    # Requests flagged urgent before categories existed rank with the most severe.
    db.execute("UPDATE handoffs SET severity = 3 WHERE urgent = 1")
    db.execute("CREATE INDEX handoffs_queue ON handoffs (status, severity DESC, requested_at, id)")


def _v4_durable(db: Database) -> None:
    """A durable inbox (an update is stored before the platform hears it arrived; its key is
    unique, so a redelivery counts once) and an outbox that knows each piece's delivery state:
    `attempted_at` is set before a send, `about` names the parent whose words a row carries
    (so /vergeet can remove it), `farewell` drops the channel account once delivered."""
    db.execute(
        "CREATE TABLE inbox (id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, "
        "key TEXT NOT NULL, address TEXT NOT NULL, message TEXT, received_at TEXT NOT NULL, "
        "handled_at TEXT, attempts INTEGER NOT NULL DEFAULT 0)"
    )
    db.execute("CREATE UNIQUE INDEX inbox_key ON inbox (channel, key)")
    db.execute("CREATE INDEX inbox_waiting ON inbox (address, id) WHERE handled_at IS NULL")
    db.execute("CREATE INDEX inbox_handled ON inbox (handled_at) WHERE handled_at IS NOT NULL")
    db.execute("ALTER TABLE outbox ADD COLUMN attempted_at TEXT")
    db.execute("ALTER TABLE outbox ADD COLUMN about TEXT")
    db.execute("ALTER TABLE outbox ADD COLUMN farewell INTEGER NOT NULL DEFAULT 0")
    db.execute("CREATE INDEX outbox_about ON outbox (about) WHERE about IS NOT NULL")
    db.execute("CREATE INDEX outbox_address_id ON outbox (address, id)")


def _v5_web(db: Database) -> None:
    """The browser surfaces: what the web chat showed a parent and what they sent (so a reload
    or reconnect resumes after the last id it saw), one-time console login links and console
    sessions (hashes only), and the volunteer's name on outbox rows with a volunteer's words."""
    db.execute("ALTER TABLE outbox ADD COLUMN author TEXT")
    db.execute(
        "CREATE TABLE web_messages (id INTEGER PRIMARY KEY AUTOINCREMENT, address TEXT NOT NULL, "
        "sender TEXT NOT NULL, name TEXT NOT NULL, text TEXT NOT NULL, buttons TEXT NOT NULL, "
        "at TEXT NOT NULL, ends INTEGER NOT NULL DEFAULT 0, about TEXT, client_id TEXT)"
    )
    db.execute("CREATE INDEX web_messages_address ON web_messages (address, id)")
    db.execute("CREATE INDEX web_messages_at ON web_messages (at)")
    db.execute("CREATE INDEX web_messages_about ON web_messages (about) WHERE about IS NOT NULL")
    db.execute(
        "CREATE TABLE console_logins (token_hash TEXT PRIMARY KEY, volunteer_id INTEGER NOT NULL, "
        "expires_at TEXT NOT NULL, used_at TEXT)"
    )
    db.execute(
        "CREATE TABLE console_sessions (session_hash TEXT PRIMARY KEY, "
        "volunteer_id INTEGER NOT NULL, csrf TEXT NOT NULL, created_at TEXT NOT NULL, "
        "expires_at TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX console_sessions_volunteer ON console_sessions (volunteer_id)")


# Append only: never edit or reorder a migration that has shipped.
def _v6_coordinators(db: Database) -> None:
    """Richer anonymous events for the dashboard, review items (scrubbed questions the bot
    could not answer, erased with their conversation) and the coordinators' audit log."""
    # Events become counts per distinct event and hour: no row order, so no single visit can be
    # read back from the sequence, and a report reads one row per kind of thing that happened.
    # NOT NULL keys (a WITHOUT ROWID key must be): '' and -1 stand for "none".
    db.execute(
        "CREATE TABLE event_counts (hour TEXT NOT NULL, kind TEXT NOT NULL, "
        "topic TEXT NOT NULL, outcome TEXT NOT NULL, channel TEXT NOT NULL, "
        "category TEXT NOT NULL, minutes INTEGER NOT NULL, volunteer INTEGER NOT NULL, "
        "n INTEGER NOT NULL, PRIMARY KEY (hour, kind, topic, outcome, channel, category, "
        "minutes, volunteer)) WITHOUT ROWID"
    )
    db.execute(
        "INSERT INTO event_counts SELECT hour, kind, coalesce(topic, ''), coalesce(outcome, ''), "
        "'', '', -1, -1, count(*) FROM events GROUP BY 1, 2, 3, 4"
    )
    db.execute("DROP TABLE events")
    db.execute("ALTER TABLE event_counts RENAME TO events")
    db.execute(
        "CREATE TABLE review_items (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "conversation_id TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL, entry TEXT, "
        "status TEXT NOT NULL DEFAULT 'open', created_at TEXT NOT NULL, handled_at TEXT)"
    )
    db.execute("CREATE INDEX review_items_conversation ON review_items (conversation_id)")
    db.execute("CREATE INDEX review_items_status ON review_items (status, created_at)")
    db.execute(
        "CREATE TABLE audit_log (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, "
        "actor INTEGER, actor_name TEXT NOT NULL, action TEXT NOT NULL, entry TEXT, "
        "detail TEXT NOT NULL DEFAULT '')"
    )


def _v7_scale(db: Database) -> None:
    """Indexes for the hot queries, open-unique codes, told volunteers, delivery leases."""
    for statement in V7_SCALE:
        db.execute(statement)


def _v8_blocks(db: Database) -> None:
    """Volunteers' blocks of a parent: salted pseudonym hash, reason, who, until when."""
    for statement in V8_BLOCKS:
        db.execute(statement)


MIGRATIONS: tuple[Migration, ...] = (
    _v1_initial,
    _v2_handoff,
    _v3_triage,
    _v4_durable,
    _v5_web,
    _v6_coordinators,
    _v7_scale,
    _v8_blocks,
)
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
