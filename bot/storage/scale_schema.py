"""Schema version 7, the same statements on both backends: indexes for every hot query, codes
unique among open handoffs, who was told of a request, and delivery leases across instances."""

from __future__ import annotations

V7_SCALE: tuple[str, ...] = (
    # a turn writes its state only if nobody changed it since the turn read it
    "ALTER TABLE conversations ADD COLUMN version INTEGER NOT NULL DEFAULT 0",
    # how often the circle of volunteers told about a request was widened
    "ALTER TABLE handoffs ADD COLUMN announce_step INTEGER NOT NULL DEFAULT 0",
    # a pseudonym code names one open handoff; a closed one's code rests for a week
    "CREATE UNIQUE INDEX handoffs_open_code ON handoffs (code) WHERE status != 'closed'",
    "CREATE INDEX handoffs_code ON handoffs (code, closed_at)",
    # the newest closed handoffs (typical handling time) without sorting every closed row
    "CREATE INDEX handoffs_closed ON handoffs (status, closed_at)",
    # the queue index (status, severity DESC, requested_at, id) serves the queue order; this
    # older one only misled the planner into sorting
    "DROP INDEX IF EXISTS idx_handoffs_status_urgent_requested_at",
    "CREATE INDEX outbox_created ON outbox (created_at)",
    "CREATE INDEX conversations_updated ON conversations (updated_at)",
    "CREATE INDEX outbox_waiting ON outbox (channel, address, id)",
    # which volunteers heard of a request, so widening never tells anyone twice
    "CREATE TABLE handoff_told (handoff_id INTEGER NOT NULL, volunteer_id INTEGER NOT NULL, "
    "PRIMARY KEY (handoff_id, volunteer_id))",
    # one instance at a time delivers to an address, so its messages stay in order
    "CREATE TABLE delivery_leases (address TEXT PRIMARY KEY, owner TEXT NOT NULL, "
    "until TEXT NOT NULL)",
)
