"""The storage contract for volunteers' blocks of a parent (schema v8, `tx.blocks`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Block:
    """One block: `key` is a salted hash of the parent's pseudonym, never the pseudonym."""

    key: str
    reason: str
    volunteer_id: int | None
    created_at: datetime
    until: datetime

    def in_force(self, now: datetime) -> bool:
        """Whether the block still holds at `now` (it ends by itself at `until`)."""
        return now < self.until

    @property
    def label(self) -> str:
        """A short name for coordinators that says nothing about the parent or their code."""
        return f"B-{self.key[:6].upper()}"


class Blocks(Protocol):
    """Blocks by volunteers; every time is the engine's clock."""

    def find(self, conversation_id: str) -> Block | None:
        """The parent's stored block, expired or not (read only: a turn's first read)."""
        ...

    def place(
        self,
        conversation_id: str,
        reason: str,
        volunteer_id: int | None,
        now: datetime,
        until: datetime,
    ) -> Block:
        """Block a parent until `until` (a second block replaces the first)."""
        ...

    def listing(self, now: datetime) -> list[Block]:
        """Every block still in force at `now`, the soonest to expire first."""
        ...

    def lift(self, key: str) -> Block | None:
        """End a block early (a coordinator); the block as it was, or None when gone."""
        ...
