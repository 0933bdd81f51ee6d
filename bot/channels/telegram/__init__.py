"""Telegram channel: python-telegram-bot 22 at the edge, the engine's messages in the middle."""
