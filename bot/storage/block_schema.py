"""Schema version 8, the same statements on both backends: volunteers' blocks of a parent.

A block row names the parent only by a salted hash of the pseudonym (`key`), so forgetting
a parent (`/vergeet`) erases the conversation but the block keeps protecting the volunteers
until it expires."""

from __future__ import annotations

V8_BLOCKS: tuple[str, ...] = (
    "CREATE TABLE parent_blocks (key TEXT PRIMARY KEY, reason TEXT NOT NULL, "
    "volunteer_id INTEGER, created_at TEXT NOT NULL, until TEXT NOT NULL)",
    # the coordinators' list (active ones, soonest expiry first) and the purge of old ones
    "CREATE INDEX parent_blocks_until ON parent_blocks (until)",
)
