"""How a turn's replies leave: returned to a caller that shows them itself (the terminal, tests),
or, for a message that came through the durable inbox, written to the outbox in the turn's own
transaction together with the mark that the inbox row is handled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.messages import Outbound
from bot.storage.contract import Tx


@dataclass(frozen=True)
class ReplyRoute:
    """`receipt` is the inbox row the turn answers; None: the caller delivers the replies."""

    channel: str
    receipt: int | None = None

    @property
    def durable(self) -> bool:
        """Whether replies go through the outbox (and the inbox row is marked handled)."""
        return self.receipt is not None

    def write(self, tx: Tx, replies: Sequence[Outbound], now: datetime) -> None:
        """Inside the turn's transaction: the inbox row is handled, the replies are stored.

        Only writes, so it may safely run again when a group commit is retried turn by turn."""
        if self.receipt is None:
            return
        tx.inbox.handled(self.receipt, now)
        for reply in replies:
            tx.outbox.put(self.channel, reply, now)
