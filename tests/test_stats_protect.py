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
    [[total, telegram, web]] = cells(found, "contacts")
    [[_, telegram_share], [web_total, web_share]] = cells(found, "channels")
    assert telegram == SUPPRESSED and HIDDEN in (total, web)  # not 10 - 7 = 3
    assert total == HIDDEN or web_total == HIDDEN  # nor 10 - (the channel table's 7)
    assert SUPPRESSED in (telegram_share, web_share)  # no 70 %


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


def test_two_small_parts_that_add_up_to_eight_are_not_both_given_away():
    found = report(contact("web", 4), contact("telegram", 4))
    total, telegram, web = cells(found, "contacts")[0]
    assert (telegram, web) == (SUPPRESSED, SUPPRESSED)
    assert total == HIDDEN  # 8 would mean 4 and 4


def test_a_hidden_count_does_not_come_back_through_its_percentage():
    closed = Event("handoff", "buddy", "advice", HOUR, "web", None, 10, 1)
    helped = Event("handoff_feedback", "buddy", "helped", HOUR, "web")
    found = report((closed, 9), (helped, 6))
    asked, answered, _response, yes, share = (row[0] for row in cells(found, "helped"))
    assert HIDDEN in (asked, answered, yes)
    # 9 asked, 6 answered would tell that 3 did not answer; 6 helped at 100 % gives answered
    assert asked == HIDDEN or share in (HIDDEN, SUPPRESSED)


def test_a_small_count_does_not_follow_from_another_table():
    answer = Event("faq", "opp", "answer", HOUR, "web")
    chosen = Event("faq", "tlv", "chosen", HOUR, "web")
    found = report((answer, 30), (chosen, 2))
    answered = dict((r[0], r[1]) for r in found.table("resolved").exported_rows())  # type: ignore[union-attr]
    outcomes = [row[0] for row in cells(found, "faq_outcomes")]
    faq_total = next(iter(answered.values()))
    assert outcomes[1] == SUPPRESSED
    assert HIDDEN in (faq_total, outcomes[0])  # 32 - 30 would tell that 2 chose a suggestion
