"""A "<5" cannot be worked out by subtraction or from percentages (secondary suppression)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.stats.model import HIDDEN, SUPPRESSED, Report
from bot.stats.report import build_report
from bot.storage import Event

DAY = date(2026, 11, 27)
HOUR = "2026-11-27T10"


def report(*counted: tuple[Event, int]) -> Report:
    return build_report(list(counted), DAY, DAY, "day", ZoneInfo("Europe/Amsterdam"))


def contact(channel: str, n: int) -> tuple[Event, int]:
    return Event("contact", None, None, HOUR, channel), n


def cells(found: Report, table: str) -> list[list[str | int | float]]:
    chosen = found.table(table)
    assert chosen is not None
    return [row[1:] for row in chosen.exported_rows()]


def test_a_channel_under_five_does_not_follow_from_the_total():
    found = report(contact("web", 7), contact("telegram", 3))
    assert cells(found, "contacts") == [[10, SUPPRESSED, HIDDEN]]  # not 10 - 7 = 3
    assert cells(found, "channels") == [[SUPPRESSED, SUPPRESSED], [7, SUPPRESSED]]  # no 70%


def test_zero_is_not_protected_it_names_nobody():
    found = report(contact("web", 7))
    assert cells(found, "contacts") == [[7, SUPPRESSED, 7]]
    assert cells(found, "channels") == [[SUPPRESSED, SUPPRESSED], [7, 100]]


def test_the_closing_question_hides_what_would_give_a_small_no_away():
    closed = Event("handoff", "buddy", "advice", HOUR, "web", None, 10, 1)
    helped = Event("handoff_feedback", "buddy", "helped", HOUR, "web")
    not_helped = Event("handoff_feedback", "buddy", "not_helped", HOUR, "web")
    found = report((closed, 10), (helped, 6), (not_helped, 2))
    asked, answered, response, yes, share = (row[0] for row in cells(found, "helped"))
    assert asked == 10 and yes == 6
    assert HIDDEN in (asked, answered)  # 10 asked - 8 answered would show the 2 silent ones
    assert response == SUPPRESSED and share == SUPPRESSED  # 80% and 75% would give 2 away


def test_a_rate_whose_rest_is_small_is_suppressed():
    requested = Event("handoff", "buddy", "queued", HOUR, "web")
    left = Event("handoff", "buddy", "parent_left_queue", HOUR, "web", None, 3)
    found = report((requested, 20), (left, 1))
    rows = dict(
        (row[0], row[1])
        for row in found.table("handoffs").exported_rows()  # type: ignore[union-attr]
    )
    assert SUPPRESSED in rows.values()
    assert 95 not in rows.values()  # 19 of 20 would tell that exactly one parent gave up
