"""One side of a claim race (tests/test_claim_race.py): claims handoffs on its own connection
until the queue is empty, and prints what it got as JSON. Run as a thread or as a process:

    python -m tests.claim_racer DATABASE START_AT VOLUNTEER_ID [VOLUNTEER_ID ...]

START_AT is a time.time() at which to begin, so two processes start their first claim together.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.storage.aio import open_sync
from bot.storage.contract import Tx

ROLES = ("advisor", "buddy")
PAUSE = 0.002  # SQLite's busy wait would otherwise let one side take every claim


def race(database: str | Path, start_at: float, volunteers: list[int]) -> list[tuple[int, int]]:
    """Claim with each volunteer in turn until nobody gets anything: (handoff, volunteer) pairs.
    Every claim is its own transaction, as a press of /volgende is."""
    backend = open_sync(database)
    claimed: list[tuple[int, int]] = []
    try:
        time.sleep(max(0.0, start_at - time.time()))
        idle = 0
        while idle < len(volunteers):
            idle = 0
            for volunteer in volunteers:
                now = datetime.now(UTC)

                def work(tx: Tx, volunteer: int = volunteer, now: datetime = now) -> int | None:
                    got = tx.queue.claim_next(volunteer, ROLES, now)
                    return got.id if got is not None else None

                handoff = backend.transaction(work)
                time.sleep(PAUSE)  # a person between presses: the other side gets its turns
                if handoff is None:
                    idle += 1
                else:
                    claimed.append((handoff, volunteer))
    finally:
        backend.close()
    return claimed


def main() -> None:
    """Race from the command line; the pairs go to stdout as JSON."""
    database, start_at, *volunteers = sys.argv[1:]
    print(json.dumps(race(database, float(start_at), [int(v) for v in volunteers])))


if __name__ == "__main__":
    main()
