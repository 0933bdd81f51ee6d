"""Reply-latency benchmark, black-box: the real `ouderlijn telegram` process, long polling the
fake Bot API (tests/fake_telegram.py, inside this process) with `--latency` seconds on every
API call. Nothing of the bot is imported: it runs as `python -m bot.cli telegram` with cwd and
PYTHONPATH set to `--source` (default: this checkout), so the same benchmark measures any
checkout, old or new.

Each run (fresh fake server, fresh SQLite file, fresh process):
  start       the process is spawned; the time until its first getUpdates call is reported
              (information only);
  warm-up     each of P parents sends "/start" and waits for the menu (not timed);
  closed loop each parent, all at once, asks Q FAQ questions (bench.bench_telegram's
              QUESTIONS, each parent starting at another one) one after the other, each time
              waiting for the answer: a new message to that chat with "Heeft dit geholpen?";
  quiet       a short wait, then every chat must hold exactly Q such answers (more: duplicates).
Latency of one reply: its update queued in the fake -> the fake recording the answer
(time.monotonic). Wall time: first question queued -> last answer recorded. Reported:
replies, wall time, replies/s, p50/p90/p99 latency per run, and their medians over the runs.
The bot's log goes to a temporary file; only its last lines are shown, if a run fails.

Run from the project root:
    .venv/bin/python -m bench.bench_reply_latency [--runs 3] [--parents 20] [--questions 10]
        [--latency 0.1] [--source DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeVar

from bench import figures, flood
from bench.bench_telegram import QUESTIONS
from bench.figures import nearest as percentile
from tests.fake_telegram import FakeBotApi, FakeUser, SentMessage

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
FIRST_CHAT = 20_001  # parent i has user id = chat id FIRST_CHAT + i
MENU = "Waar kan ik u mee helpen?"  # the last reply to "/start"
ANSWERED = "Heeft dit geholpen?"  # ends every FAQ answer
POLL_SECONDS = 0.002  # how often the benchmark looks at what the fake recorded
START_TIMEOUT, REPLY_TIMEOUT, STOP_TIMEOUT = 60.0, 60.0, 20.0


class BenchError(Exception):
    """A run that cannot be measured: the bot died, hung, or answered twice."""


@dataclass(frozen=True)
class Outcome:
    """One run: start-up time (s), timed replies, wall time (s), per-reply latencies (s)."""

    startup: float
    replies: int
    wall: float
    latencies: tuple[float, ...]
    extra: int  # answers beyond one per question (duplicates)

    @property
    def rate(self) -> float:
        return self.replies / self.wall

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies)

    @property
    def p90(self) -> float:
        return percentile(self.latencies, 0.90)

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 0.99)


class Inboxes:
    """Hands every message the fake records to its chat's queue (looks only at new ones)."""

    def __init__(self, api: FakeBotApi, chats: Sequence[int]) -> None:
        self.api = api
        self.queues: dict[int, asyncio.Queue[SentMessage]] = {c: asyncio.Queue() for c in chats}
        self.strangers = 0  # messages to chats that never wrote
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        seen = 0
        while True:
            while seen < len(self.api.sent):
                message = self.api.sent[seen]
                seen += 1
                if (queue := self.queues.get(message.chat_id)) is not None:
                    queue.put_nowait(message)
                else:
                    self.strangers += 1
            await asyncio.sleep(POLL_SECONDS)

    async def next_with(self, chat: int, marker: str) -> SentMessage:
        """The chat's next message that contains `marker` (skipping others)."""
        while marker not in ((message := await self.queues[chat].get()).text or ""):
            pass
        return message

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


class BotProcess:
    """`python -m bot.cli telegram` from `source`, on the fake API and a fresh SQLite file."""

    def __init__(self, source: Path, api: FakeBotApi, folder: Path) -> None:
        self.source, self.api, self.folder = source, api, folder
        self.log_path = folder / "bot.log"
        self.process: asyncio.subprocess.Process | None = None

    @staticmethod
    def environment(source: Path, folder: Path, api: FakeBotApi | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OUDERLIJN_")}
        (config := folder / "ouderlijn.toml").write_text(flood.TOML, encoding="utf-8")
        env |= {"PYTHONPATH": str(source), "OUDERLIJN_CONFIG": str(config)}
        env |= {"OUDERLIJN_DB": str(folder / "ouderlijn.db")}
        if api is not None:
            env |= {"OUDERLIJN_TELEGRAM_TOKEN": api.token, "OUDERLIJN_TELEGRAM_API_URL": api.url}
        return env

    async def start(self, log: IO[bytes]) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "bot.cli", "telegram"),
            cwd=self.source,
            env=self.environment(self.source, self.folder, self.api),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )

    async def stop(self) -> int | None:
        """SIGTERM, as an operator would; killed if it does not end in time. The exit code."""
        if self.process is None or self.process.returncode is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise BenchError(
                f"the bot did not stop within {STOP_TIMEOUT:.0f} s of SIGTERM"
            ) from None

    def log_tail(self, lines: int = 15) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "".join(f"\n    {line}" for line in text.splitlines()[-lines:])

    async def guard(self, work: Awaitable[T], timeout: float, what: str) -> T:
        """`work`'s result; BenchError if the process exits or `timeout` passes first."""
        assert self.process is not None
        task, died = asyncio.ensure_future(work), asyncio.ensure_future(self.process.wait())
        done, _ = await asyncio.wait(
            {task, died}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        died.cancel()
        if task in done:
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        why = f"the bot exited ({self.process.returncode})" if died in done else "timed out"
        raise BenchError(f"{what}: {why} after {timeout:.0f} s at most; log:{self.log_tail()}")


async def first_get_updates(api: FakeBotApi) -> float:
    """When the bot's first getUpdates call reached the fake (time.monotonic)."""
    seen = 0
    while True:
        calls = api.calls
        if any(method == "getUpdates" for method, _ in calls[seen:]):
            return time.monotonic()
        seen = len(calls)
        await asyncio.sleep(POLL_SECONDS)


async def ask(
    api: FakeBotApi, inboxes: Inboxes, user: FakeUser, questions: Sequence[str]
) -> list[tuple[float, float]]:
    """One parent's closed loop: (queued, answered) per question, in order."""
    times = []
    for question in questions:
        queued = time.monotonic()
        api.user_sends(user, question)
        answer = await inboxes.next_with(user.id, ANSWERED)
        times.append((queued, answer.at))
    return times


def plan(parents: int, questions: int) -> dict[int, list[str]]:
    """Chat id -> that parent's questions (consecutive QUESTIONS, wrapping around)."""
    n = len(QUESTIONS)
    return {
        FIRST_CHAT + i: [QUESTIONS[(i + j) % n] for j in range(questions)] for i in range(parents)
    }


async def run_once(source: Path, parents: int, questions: int, latency: float) -> Outcome:
    chats = plan(parents, questions)
    with tempfile.TemporaryDirectory(prefix="bench-reply-latency-") as name:
        folder = Path(name)
        async with FakeBotApi() as api:
            api.latency = latency
            bot = BotProcess(source, api, folder)
            inboxes = Inboxes(api, list(chats))
            with bot.log_path.open("wb") as log:
                spawned = time.monotonic()
                await bot.start(log)
                try:
                    outcome = await measure(api, bot, inboxes, chats, spawned)
                finally:
                    await inboxes.close()
                    code = await bot.stop()
            if code not in (0, None):
                raise BenchError(f"the bot exited with code {code} on SIGTERM:{bot.log_tail()}")
    return outcome


async def measure(
    api: FakeBotApi, bot: BotProcess, inboxes: Inboxes, chats: dict[int, list[str]], spawned: float
) -> Outcome:
    polling = await bot.guard(first_get_updates(api), START_TIMEOUT, "start")
    users = {chat: api.user(chat, f"Ouder {chat - FIRST_CHAT}") for chat in chats}
    for user in users.values():
        api.user_sends(user, "/start")
    menus = asyncio.gather(*(inboxes.next_with(chat, MENU) for chat in chats))
    await bot.guard(menus, START_TIMEOUT + REPLY_TIMEOUT, "warm-up")
    loops = asyncio.gather(*(ask(api, inboxes, users[c], qs) for c, qs in chats.items()))
    questions = max(len(qs) for qs in chats.values())
    timed = await bot.guard(loops, REPLY_TIMEOUT * questions, "closed loop")
    await asyncio.sleep(max(0.5, 5 * api.latency))  # a late duplicate would show up now
    answered = sum(ANSWERED in (m.text or "") for m in api.sent)
    expected = sum(len(qs) for qs in chats.values())
    if inboxes.strangers:
        raise BenchError(f"{inboxes.strangers} messages to chats that never wrote")
    pairs = [pair for times in timed for pair in times]
    wall = max(done for _, done in pairs) - min(queued for queued, _ in pairs)
    latencies = tuple(done - queued for queued, done in pairs)
    return Outcome(polling - spawned, len(pairs), wall, latencies, answered - expected)


def bot_package(source: Path) -> str:
    """Where `import bot` leads with the benchmark's environment: proof of what runs."""
    with tempfile.TemporaryDirectory(prefix="bench-reply-latency-") as name:
        env = BotProcess.environment(source, Path(name))
        found = subprocess.run(
            [sys.executable, "-c", "import bot; print(bot.__file__)"],
            cwd=source,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if found.returncode != 0:
        raise BenchError(f"cannot import bot from {source}: {found.stderr.strip()[-500:]}")
    return str(Path(found.stdout.strip()).parent)


def row(label: str, outcome: Outcome) -> str:
    o = outcome
    return (
        f"{label:<7}{o.startup:>8.2f}{o.replies:>9}{o.wall:>8.2f}{o.rate:>11.1f}"
        f"{o.p50:>8.3f}{o.p90:>8.3f}{o.p99:>8.3f}{o.extra:>7}"
    )


def median_outcome(outcomes: Sequence[Outcome]) -> str:
    def med(values: Sequence[float]) -> float:
        return statistics.median(values)

    o = outcomes
    return (
        f"{'median':<7}{med([x.startup for x in o]):>8.2f}{med([x.replies for x in o]):>9.0f}"
        f"{med([x.wall for x in o]):>8.2f}{med([x.rate for x in o]):>11.1f}"
        f"{med([x.p50 for x in o]):>8.3f}{med([x.p90 for x in o]):>8.3f}"
        f"{med([x.p99 for x in o]):>8.3f}{med([x.extra for x in o]):>7.0f}"
    )


def figures_of(outcomes: Sequence[Outcome]) -> dict[str, float]:
    """The median row, as numbers for `--json` (latencies in ms)."""
    med = statistics.median
    values = {
        "startup_s": med(o.startup for o in outcomes),
        "replies": med(o.replies for o in outcomes),
    }
    values |= {"wall_s": med(o.wall for o in outcomes), "per_s": med(o.rate for o in outcomes)}
    for name in ("p50", "p90", "p99"):
        values[f"{name}_ms"] = med(getattr(o, name) for o in outcomes) * 1000
    return values | {"extra": med(o.extra for o in outcomes)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--parents", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10, help="FAQ questions per parent")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per API call")
    parser.add_argument("--source", type=Path, default=ROOT, help="checkout to run the bot from")
    figures.add_option(parser)
    args = parser.parse_args()
    for option in ("runs", "parents", "questions"):
        if getattr(args, option) < 1:
            parser.error(f"--{option} must be at least 1")
    source = args.source.resolve()
    try:
        package = bot_package(source)
        print(
            f"Reply latency: `ouderlijn telegram` from {source} (bot package {package}); fake "
            f"Bot API, {args.latency * 1000:.0f} ms on every call; {args.parents} parents x "
            f"{args.questions} questions, closed loop; {args.runs} fresh run(s)",
            flush=True,
        )
        outcomes = []
        for _ in range(args.runs):
            outcome = asyncio.run(run_once(source, args.parents, args.questions, args.latency))
            outcomes.append(outcome)
            if len(outcomes) == 1:
                print(
                    f"{'run':<7}{'start s':>8}{'replies':>9}{'wall s':>8}{'replies/s':>11}"
                    f"{'p50 s':>8}{'p90 s':>8}{'p99 s':>8}{'extra':>7}"
                )
            print(row(str(len(outcomes)), outcome), flush=True)
    except BenchError as error:
        sys.exit(f"benchmark aborted: {error}")
    print(median_outcome(outcomes))
    print(
        "start = spawn to first getUpdates (info); latency = update queued to answer recorded; "
        "extra = answers beyond one per question"
    )
    sizes = {"runs": args.runs, "parents": args.parents, "questions": args.questions}
    figures.write(args.json, {**sizes, "latency_ms": args.latency * 1000, **figures_of(outcomes)})


if __name__ == "__main__":
    main()
