"""Storage for the conversation engine: SQLite via sqlite-utils, no channel libraries."""

from bot.storage.aio import AsyncStore
from bot.storage.meta import stored_secret
from bot.storage.model import (
    ConversationState,
    Direction,
    Event,
    SchemaTooNewError,
    StorageBusy,
    StorageError,
    TranscriptLine,
    hour_bucket,
)
from bot.storage.schema import SCHEMA_VERSION
from bot.storage.sqlite import (
    Store,
    drop_account,
    drop_conversation,
    erase_conversation,
    fetch_rows,
    from_text,
    load_state,
    record_events,
    to_text,
    write_turn,
)

__all__ = [
    "SCHEMA_VERSION",
    "AsyncStore",
    "ConversationState",
    "Direction",
    "Event",
    "SchemaTooNewError",
    "StorageBusy",
    "StorageError",
    "Store",
    "TranscriptLine",
    "drop_account",
    "drop_conversation",
    "erase_conversation",
    "fetch_rows",
    "from_text",
    "hour_bucket",
    "load_state",
    "record_events",
    "stored_secret",
    "to_text",
    "write_turn",
]
