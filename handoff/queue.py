"""Queue rules that need no database: what of a parent's recent words goes to the volunteer.

The queue's SQL (create, atomic claims, release, close) is in `bot/storage/sql/queue.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

STORY_HOURS = 2  # what a parent typed this long before asking for a person goes along
STORY_LINES = 5
STORY_MIN_WORDS = 3  # skip typed button choices ("Autisme", "2", "Iets anders")


def story_since(now: datetime) -> datetime:
    """From when a parent's words count as the story of their request."""
    return now - timedelta(hours=STORY_HOURS)


def story(
    newest_first: Sequence[tuple[datetime, str]], labels: frozenset[str] = frozenset()
) -> list[tuple[datetime, str]]:
    """What the parent typed shortly before asking for a person, oldest first, so the
    volunteer reads it and the parent need not tell it twice. Commands and button labels
    (`labels`, lower case) are left out."""
    kept = [
        (at, text)
        for at, text in newest_first
        if not text.startswith("/")
        and len(text.split()) >= STORY_MIN_WORDS
        and text.strip().lower() not in labels
    ]
    return list(reversed(kept[:STORY_LINES]))
