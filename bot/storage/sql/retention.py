"""Retention and a parent's own erasure: what goes, in one transaction, on both backends."""

from __future__ import annotations

from bot.storage.sql.executor import Sql

_PURGES = (
    # handoffs closed before the cutoff, with their messages (their summaries describe a parent)
    "DELETE FROM handoff_messages WHERE handoff_id IN "
    "(SELECT id FROM handoffs WHERE status = 'closed' AND closed_at < ?)",
    "DELETE FROM handoffs WHERE status = 'closed' AND closed_at < ?",
    # who heard of a request matters only while it waits (`?` keeps one parameter per line)
    "DELETE FROM handoff_told WHERE ? != '' AND handoff_id NOT IN "
    "(SELECT id FROM handoffs WHERE status = 'queued')",
    "DELETE FROM transcript WHERE at < ?",
    # a parent still waiting or talking keeps their story until the handoff closes
    "DELETE FROM handoff_messages WHERE at < ? AND handoff_id IN "
    "(SELECT id FROM handoffs WHERE status = 'closed')",
    "DELETE FROM outbox WHERE created_at < ?",
    "DELETE FROM web_messages WHERE at < ?",
    "DELETE FROM review_items WHERE created_at < ?",
    # a conversation left alone that long starts afresh (its state names what they asked)
    "DELETE FROM conversations WHERE updated_at < ? AND conversation_id NOT IN "
    "(SELECT conversation_id FROM handoffs WHERE status != 'closed')",
    "DELETE FROM console_logins WHERE expires_at < ?",
    "DELETE FROM delivery_leases WHERE until < ?",  # left by an instance that stopped
    "DELETE FROM console_sessions WHERE expires_at < ?",
    "DELETE FROM inbox WHERE handled_at IS NOT NULL AND handled_at < ?",
    # a block that expired a retention period ago (placing a block removes expired ones too)
    "DELETE FROM parent_blocks WHERE until < ?",
    # accounts nobody needs any more (an erased parent whose farewell never went out)
    "DELETE FROM channel_accounts WHERE created_at < ? "
    "AND address NOT IN (SELECT conversation_id FROM conversations) "
    "AND address NOT IN (SELECT address FROM volunteers WHERE address IS NOT NULL) "
    "AND address NOT IN (SELECT address FROM outbox) "
    "AND address NOT IN (SELECT address FROM inbox WHERE handled_at IS NULL)",
)


def purge_text(sql: Sql, cutoff: str) -> int:
    """Delete every kept message text from before `cutoff` (and what else names a parent);
    return how many rows went. Statistics live on in `events`."""
    return sum(sql.execute(statement, [cutoff]).rowcount for statement in _PURGES)


def forget(sql: Sql, conversation_id: str) -> None:
    """Delete a conversation with everything about it and the link to the platform account
    (a parent's own request, outside a turn)."""
    from bot.storage.sql.conversations import SqlConversations

    SqlConversations(sql).erase(conversation_id)
    sql.execute("DELETE FROM outbox WHERE address = ?", [conversation_id])
    sql.execute("DELETE FROM channel_accounts WHERE address = ?", [conversation_id])
