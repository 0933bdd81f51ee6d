"""Raw SQL in tests: see bot.storage.raw."""

from bot.storage.raw import sql_of

__all__ = ["sql_of"]
