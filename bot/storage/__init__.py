"""Storage for the engine: the contract (`bot.storage.contract`), SQL written once for both
backends (`bot.storage.sql`), SQLite (embedded default) and PostgreSQL (several instances)."""

from bot.storage.aio import AsyncStore
from bot.storage.contract import Tx
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
from bot.storage.sqlite.schema import SCHEMA_VERSION
from bot.storage.times import from_text, to_text

__all__ = [
    "SCHEMA_VERSION",
    "AsyncStore",
    "ConversationState",
    "Direction",
    "Event",
    "SchemaTooNewError",
    "StorageBusy",
    "StorageError",
    "TranscriptLine",
    "Tx",
    "from_text",
    "hour_bucket",
    "to_text",
]
