"""A turn whose transaction is retried (SQLite busy, a PostgreSQL deadlock) says everything
once: the second attempt starts from the session as it was before the first."""

from __future__ import annotations

import sqlite3

import pytest

from bot.storage.sql.conversations import SqlTranscripts
from bot.testing.fakes import Helpline


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
async def test_a_retried_handoff_request_is_answered_once(line: Helpline, monkeypatch):
    await line.volunteer("Sanne")
    parent = line.parent()
    await parent.says("ik wil graag iemand spreken")
    append = SqlTranscripts.append
    attempts: list[int] = []

    def busy_once(self, lines):
        attempts.append(1)
        if len(attempts) == 2:  # late in the topic press (which queues) the database is locked
            raise sqlite3.OperationalError("database is locked")
        return append(self, lines)

    monkeypatch.setattr(SqlTranscripts, "append", busy_once)
    before = len(parent.received)
    await parent.presses("Maakt niet uit")
    await parent.presses("Iets anders")
    assert len(attempts) == 3  # the topic press was retried
    said = [m.text for m in parent.received[before:]]
    queued = [t for t in said if "U staat in de rij" in t]
    assert len(queued) == 1, said
    assert len(said) == len(set(said)), said  # nothing twice
