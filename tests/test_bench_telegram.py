"""The Telegram benchmark at a tiny size: every reply arrives once and in order, and the
verification bites on lost, duplicated, out-of-order and stray messages. No timing asserts."""

from __future__ import annotations

import pytest

from bench.bench_telegram import (
    FIRST_CHAT,
    QUESTIONS,
    Expected,
    plan,
    run_once,
    title,
    verify,
)
from bot.app import Content, load_content
from tests.fake_telegram import SentMessage


@pytest.fixture(scope="module")
def shipped() -> Content:
    return load_content()


async def test_tiny_run_delivers_every_reply_once_and_in_order(shipped):
    report = await run_once(shipped, parents=6, messages=2, latency=0.02, baseline_parents=3)
    fast, slow = report.concurrent, report.baseline
    assert (fast.parents, fast.replies, len(fast.latencies)) == (6, 12, 12)
    assert (slow.parents, slow.replies, len(slow.latencies)) == (3, 6, 6)
    assert all(seconds >= 0 for seconds in (*fast.latencies, *slow.latencies))


EXPECTED = Expected(("Welkom", "Waar kan ik u mee helpen?"), {q: f"Titel {q}" for q in QUESTIONS})


def honest(chats: dict[int, list[str]]) -> list[SentMessage]:
    """What a correct bot delivers: greetings, then the answers round robin across chats."""
    sent: list[SentMessage] = []

    def deliver(chat: int, text: str) -> None:
        sent.append(SentMessage("sendMessage", chat, len(sent) + 1, f"{text}\n\nuitleg", None, {}))

    for chat in chats:
        for greeting in EXPECTED.greeting:
            deliver(chat, greeting)
    for j in range(len(next(iter(chats.values())))):
        for chat, questions in chats.items():
            deliver(chat, EXPECTED.answers[questions[j]])
    return sent


def test_the_verification_passes_the_honest_outcome_and_catches_the_rest():
    chats = plan(3, 3)
    assert [len(set(questions)) for questions in chats.values()] == [3, 3, 3]
    sent = honest(chats)
    answers = verify(sent, chats, EXPECTED)
    assert [title(m.text) for m in answers[FIRST_CHAT]] == [
        EXPECTED.answers[q] for q in chats[FIRST_CHAT]
    ]

    mine = [i for i, m in enumerate(sent) if m.chat_id == FIRST_CHAT]
    swapped = list(sent)
    swapped[mine[-1]], swapped[mine[-2]] = sent[mine[-2]], sent[mine[-1]]
    with pytest.raises(AssertionError, match="out of order"):
        verify(swapped, chats, EXPECTED)
    with pytest.raises(AssertionError, match="lost"):
        verify([m for i, m in enumerate(sent) if i != mine[-1]], chats, EXPECTED)
    with pytest.raises(AssertionError, match="duplicated"):
        verify([*sent, sent[mine[-1]]], chats, EXPECTED)
    stray = SentMessage("sendMessage", 42, 999, "Welkom", None, {})
    with pytest.raises(AssertionError, match="never wrote"):
        verify([*sent, stray], chats, EXPECTED)


def test_the_plan_refuses_more_messages_than_different_questions():
    with pytest.raises(AssertionError, match="--messages"):
        plan(2, len(QUESTIONS) + 1)
