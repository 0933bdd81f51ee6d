"""The web chat benchmark at a tiny size (5 parents x 2 questions, one run) against the real
`ouderlijn run` process: no errors, every question acked once and answered. No timing asserts."""

from __future__ import annotations

from bench.bench_web import COLUMNS, PERSON, ROOT, plan, run_once


def test_plan_asks_for_a_person_only_last():
    plans = plan(8, 3)
    assert [len(questions) for questions in plans] == [3] * 8
    assert [questions.index(PERSON) for questions in plans if PERSON in questions] == [2, 2]


async def test_tiny_run_has_no_errors_and_positive_numbers():
    outcome = await run_once(ROOT, parents=5, messages=2)
    figures = dict(zip([*COLUMNS.split(), "rss_before", "rss_after"], outcome.figures, strict=True))
    assert outcome.failures == ()
    assert figures["errors"] == 0
    assert (figures["parents"], figures["msgs"], figures["replies"]) == (5, 2, 10)
    positive = ["wall_s", "replies/s", "ack_p50", "ack_p99", "reply_p50", "reply_p99"]
    assert all(figures[name] > 0 for name in [*positive, "rss_before", "rss_after"])
