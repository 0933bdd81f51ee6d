"""Telegram channel: python-telegram-bot 22 at the edge, the engine's messages in the middle."""

import os

# Opt in to PTB's future behaviour: durations (such as RetryAfter.retry_after) are timedeltas.
os.environ.setdefault("PTB_TIMEDELTA", "1")
