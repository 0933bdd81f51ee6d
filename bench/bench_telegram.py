"""Telegram benchmark: many parents writing at once, through the real PTB Application, engine,
courier and SQLite, against the fake Bot API (tests/fake_telegram.py) with injected latency on
every API call. Reports replies per second, p50/p95 reply latency, and proves per-chat order.

Each run (fresh fake server, fresh SQLite file):
  warm-up   every parent sends "/start" and gets the welcome and the menu (not timed), so that
            afterwards every FAQ question gets exactly one answer;
  timed     each parent sends K different FAQ questions; all updates are queued at once (round
            robin: everybody's 1st question, then everybody's 2nd, ...), and the clock runs from
            the first update queued until the fake has recorded the last answer;
  verify    after a short quiet period every chat must hold exactly the expected messages, their
            first lines (FAQ titles, all different) in the order the questions were sent;
            anything lost, duplicated, unexpected or out of order aborts the benchmark.
Latency of one reply: its update queued -> that answer recorded by the fake (time.monotonic).
The expected texts come from an untimed calibration: the same engine called directly.

`concurrent` is the bot as shipped (the inbox handles up to 256 conversations at once, each in
order); `baseline` handles one conversation at a time (InboxReader(max_running=1)), with fewer
parents.
PTB's AIORateLimiter (30 messages/s overall, as in production) stays on in both: ~30 replies/s
is the ceiling, and with a burst of N replies the last one waits about N/30 s by design
(the limiter lets its first 30 through at once, so tiny runs show more than 30/s).

Run from the project root:
    .venv/bin/python -m bench.bench_telegram [--runs 1] [--parents 200] [--messages 3]
        [--latency 0.1] [--baseline-parents 30]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import figures, flood
from bench.bench_engine import QUESTIONS as ENGINE_QUESTIONS
from bench.figures import nearest as percentile
from bot.app import Content, Wiring, load_content
from bot.channels.telegram.accounts import CHANNEL, TelegramAccounts
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.settings import TelegramSettings
from bot.core.courier import Courier
from bot.core.engine import EngineSettings
from bot.core.inbox import InboxReader
from bot.core.messages import Inbound
from bot.storage import AsyncStore
from handoff.hours import OpeningHours
from handoff.settings import HandoffSettings
from tests.fake_telegram import FakeBotApi, SentMessage

# FAQ questions that each get one answer with its own title (checked by the calibration).
# The engine benchmark's questions, less one whose answer's title repeats another's.
QUESTIONS = tuple(q for q in ENGINE_QUESTIONS if q != "wanneer is mijn kind leerplichtig")
FIRST_CHAT = 10_001  # parent i has user id = chat id FIRST_CHAT + i
RATE_LIMIT = 30.0  # PTB AIORateLimiter's overall default, messages per second
ALWAYS_OPEN = EngineSettings(
    handoff=HandoffSettings(hours=OpeningHours.always_open()), abuse=flood.no_flood()
)


def check(condition: bool, message: str) -> None:
    """Abort the benchmark with `message` (an AssertionError that survives `python -O`)."""
    if not condition:
        raise AssertionError(message)


def title(text: str | None) -> str:
    """The first line of a message: an FAQ answer's title."""
    return (text or "").split("\n", 1)[0]


@dataclass(frozen=True)
class Expected:
    """First lines of the warm-up replies to "/start", and of the answer to each question."""

    greeting: tuple[str, ...]
    answers: dict[str, str]


@dataclass(frozen=True)
class Outcome:
    """One scenario run: timed replies, wall time (s) and per-reply latencies (s)."""

    parents: int
    messages: int
    replies: int
    wall: float
    latencies: tuple[float, ...]

    @property
    def rate(self) -> float:
        return self.replies / self.wall

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies)

    @property
    def p95(self) -> float:
        return percentile(self.latencies, 0.95)

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 0.99)


async def calibrate(content: Content, folder: Path) -> Expected:
    """What the engine answers, called directly (untimed): the texts the verification expects."""
    store = await AsyncStore.open(folder / "calibrate.db")
    try:
        engine = Wiring(content=content, engine_settings=ALWAYS_OPEN).engine(store)

        async def says(text: str) -> list[str]:
            inbound = Inbound("kalibratie", CHANNEL, datetime.now(UTC), text=text)
            return [title(reply.text) for reply in await engine.handle(inbound)]

        greeting = tuple(await says("/start"))
        answers: dict[str, str] = {}
        for question in QUESTIONS:
            replies = await says(question)
            check(len(replies) == 1, f"{question!r} got {len(replies)} replies, expected one")
            answers[question] = replies[0]
    finally:
        await store.close()
    check(len(greeting) >= 1, "/start got no reply")
    titles = set(answers.values())
    check(
        len(titles) == len(QUESTIONS) and "" not in titles,
        f"the benchmark questions need different answer titles: {answers}",
    )
    return Expected(greeting, answers)


def plan(parents: int, messages: int) -> dict[int, list[str]]:
    """Chat id -> the questions that parent sends, in order (all different within a chat)."""
    check(1 <= messages <= len(QUESTIONS), f"--messages must be between 1 and {len(QUESTIONS)}")
    check(parents >= 1, "--parents must be at least 1")
    n = len(QUESTIONS)
    return {
        FIRST_CHAT + i: [QUESTIONS[(i + j) % n] for j in range(messages)] for i in range(parents)
    }


def verify(
    sent: Sequence[SentMessage], chats: dict[int, list[str]], expected: Expected
) -> dict[int, list[SentMessage]]:
    """Every expected message exactly once, in order, per chat; returns the timed answers."""
    by_chat: dict[int, list[SentMessage]] = {}
    for message in sent:
        by_chat.setdefault(message.chat_id, []).append(message)
    strangers = sorted(set(by_chat) - set(chats))
    check(not strangers, f"messages to chats that never wrote: {strangers[:5]}")
    answers: dict[int, list[SentMessage]] = {}
    for chat, questions in chats.items():
        got = [title(m.text) for m in by_chat.get(chat, [])]
        want = [*expected.greeting, *(expected.answers[q] for q in questions)]
        if got != want and Counter(got) == Counter(want):
            raise AssertionError(f"chat {chat}: replies out of order: got {got}, sent {want}")
        if got != want:
            lost = list((Counter(want) - Counter(got)).elements())
            extra = list((Counter(got) - Counter(want)).elements())
            raise AssertionError(
                f"chat {chat}: lost {lost}, duplicated or unexpected {extra} (got {got})"
            )
        answers[chat] = by_chat[chat][len(expected.greeting) :]
    return answers


@asynccontextmanager
async def telegram_bot(
    api: FakeBotApi, db_path: Path, content: Content, concurrent: bool
) -> AsyncIterator[None]:
    """The bot as in production (cf. tests/telegram_world.py), long polling the fake API."""
    store = await AsyncStore.open(db_path)
    engine = Wiring(content=content, engine_settings=ALWAYS_OPEN).engine(store)
    courier = Courier(store, on_unreachable=engine.unreachable)
    engine.on_outbox = courier.wake
    inbox = InboxReader(engine, max_running=256 if concurrent else 1)
    accounts = await TelegramAccounts.open(store, "bench-pseudonym-secret")
    settings = TelegramSettings(token=api.token, api_url=api.url, poll_timeout=1)
    channel = TelegramChannel(engine, courier, inbox, accounts, settings)
    tasks = [asyncio.create_task(courier.run()), asyncio.create_task(inbox.run())]
    try:
        await channel.start()
        yield
    finally:
        await channel.stop()
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await store.close()


async def wait_for_messages(api: FakeBotApi, total: int, timeout: float, what: str) -> None:
    """Until the fake has recorded `total` messages; abort (a hang or lost replies) after
    `timeout` seconds. Counting api.sent is O(1): the poll must not slow the bot down."""
    deadline = time.monotonic() + timeout
    while len(api.sent) < total:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{what}: only {len(api.sent)} of {total} messages after {timeout:.0f} s "
                "(the bot hangs or lost replies)"
            )
        await asyncio.sleep(0.01)


async def scenario(
    content: Content,
    expected: Expected,
    db_path: Path,
    parents: int,
    messages: int,
    latency: float,
    concurrent: bool,
) -> Outcome:
    """Warm up, queue every parent's questions at once, wait for all answers, verify."""
    chats = plan(parents, messages)
    greeted, answered = parents * len(expected.greeting), parents * messages
    per_call = latency + 1 / RATE_LIMIT  # generous: a hang, not slowness, should abort
    async with FakeBotApi() as api, telegram_bot(api, db_path, content, concurrent):
        api.latency = latency
        users = {chat: api.user(chat, f"Ouder {chat - FIRST_CHAT}") for chat in chats}
        for user in users.values():
            api.user_sends(user, "/start")
        await wait_for_messages(api, greeted, 30 + 3 * greeted * per_call, "warm-up")
        queued: dict[tuple[int, int], float] = {}
        for j in range(messages):
            for chat, user in users.items():
                queued[(chat, j)] = time.monotonic()
                api.user_sends(user, chats[chat][j])
        total = greeted + answered
        await wait_for_messages(api, total, 30 + 3 * answered * per_call, "timed phase")
        await asyncio.sleep(max(0.3, 5 * latency))  # a late duplicate would show up now
        answers = verify(api.sent, chats, expected)
    latencies = [m.at - queued[(c, j)] for c, ms in answers.items() for j, m in enumerate(ms)]
    wall = max(m.at for ms in answers.values() for m in ms) - min(queued.values())
    return Outcome(parents, messages, answered, wall, tuple(latencies))


@dataclass(frozen=True)
class Report:
    """One run of both scenarios."""

    concurrent: Outcome
    baseline: Outcome


async def run_once(
    content: Content, parents: int, messages: int, latency: float, baseline_parents: int
) -> Report:
    with tempfile.TemporaryDirectory(prefix="bench-telegram-") as name:
        folder = Path(name)
        expected = await calibrate(content, folder)
        fast = await scenario(
            content, expected, folder / "concurrent.db", parents, messages, latency, True
        )
        slow = await scenario(
            content, expected, folder / "baseline.db", baseline_parents, messages, latency, False
        )
    return Report(fast, slow)


def describe(label: str, outcomes: Sequence[Outcome]) -> str:
    first = outcomes[0]
    rate = statistics.median(o.rate for o in outcomes)
    p50 = statistics.median(o.p50 for o in outcomes)
    p95 = statistics.median(o.p95 for o in outcomes)
    p99 = statistics.median(o.p99 for o in outcomes)
    wall = statistics.median(o.wall for o in outcomes)
    return (
        f"{label:<11}{first.parents:>4} parents x {first.messages}: {first.replies} replies in "
        f"{wall:5.1f} s = {rate:5.1f} replies/s; reply latency p50 {p50:5.2f} s, "
        f"p95 {p95:5.2f} s, p99 {p99:5.2f} s"
    )


def ideal(replies: int) -> str:
    """Latency percentiles of a burst of `replies` through a perfect 30/s queue."""
    return f"p50 {replies * 0.5 / RATE_LIMIT:.2f} s, p95 {replies * 0.95 / RATE_LIMIT:.2f} s"


def print_report(reports: Sequence[Report], latency: float) -> None:
    fast = [r.concurrent for r in reports]
    slow = [r.baseline for r in reports]
    rate, base = statistics.median(o.rate for o in fast), statistics.median(o.rate for o in slow)
    runs = f"median of {len(reports)} run{'s' * (len(reports) != 1)}"
    print(
        f"Telegram benchmark: fake Bot API, {latency * 1000:.0f} ms latency on every API call; "
        f"real PTB + engine + courier + SQLite; {runs}"
    )
    print(describe("concurrent", fast))
    print(describe("baseline", slow) + "  (one conversation at a time)")
    print(
        f"ratio      {rate / base:.1f}x the one-at-a-time rate; {rate / RATE_LIMIT:.0%} of "
        f"the {RATE_LIMIT:.0f} messages/s rate limit"
    )
    print(
        f"order      verified in every run: each of the {sum(o.replies for o in fast)} + "
        f"{sum(o.replies for o in slow)} replies arrived exactly once, and in every chat in "
        "the order the questions were sent"
    )
    print(
        f"note       PTB's AIORateLimiter is on as in production ({RATE_LIMIT:.0f} messages/s "
        f"overall), so ~{RATE_LIMIT:.0f} replies/s is the ceiling; all {fast[0].replies} "
        f"questions arrive at once, so latency is queueing behind that limit (a perfect "
        f"{RATE_LIMIT:.0f}/s queue: {ideal(fast[0].replies)})"
    )


def figures_of(reports: Sequence[Report], latency: float) -> dict[str, Any]:
    """The medians print_report prints, as numbers for `--json` (latencies in ms)."""

    def part(outcomes: Sequence[Outcome]) -> dict[str, float]:
        med = statistics.median
        first = outcomes[0]
        values: dict[str, float] = {"parents": first.parents, "replies": first.replies}
        values["messages"] = first.messages
        values |= {"wall_s": med(o.wall for o in outcomes), "per_s": med(o.rate for o in outcomes)}
        for name in ("p50", "p95", "p99"):
            values[f"{name}_ms"] = med(getattr(o, name) for o in outcomes) * 1000
        return values

    fast, slow = part([r.concurrent for r in reports]), part([r.baseline for r in reports])
    ratio = fast["per_s"] / slow["per_s"]
    return {"latency_ms": latency * 1000, "runs": len(reports), "concurrent": fast,
            "baseline": slow, "ratio": ratio, "rate_limit": RATE_LIMIT}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--parents", type=int, default=200)
    parser.add_argument("--messages", type=int, default=3, help="FAQ questions per parent")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per API call")
    parser.add_argument("--baseline-parents", type=int, default=30)
    figures.add_option(parser)
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    content = load_content()
    reports = [
        asyncio.run(
            run_once(content, args.parents, args.messages, args.latency, args.baseline_parents)
        )
        for _ in range(args.runs)
    ]
    print_report(reports, args.latency)
    figures.write(args.json, figures_of(reports, args.latency))


if __name__ == "__main__":
    main()
