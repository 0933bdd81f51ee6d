"""Seeded fault injection for the fake Bot API (tests/fake_telegram.py) and the figures of the
fault suites (#15): `api.faults = FaultPlan(rate=0.2)` makes that share of calls fail.

Kinds, and what Telegram would have done with the message:
- "429": Too Many Requests with retry_after; nothing delivered.
- "500", "502": a server error; nothing delivered.
- "hang": no answer for `hang_seconds` (longer than the client's read timeout); the message is
  delivered at the end of the hang, after the client gave up (it must not send it again).
- "drop_before": the connection closes without an answer; nothing delivered.
- "drop_after": the message is delivered, then the connection closes without an answer: the
  client cannot know, and a retry is a legitimate duplicate (counted, bounded by the tests).
A "storm" answers 429 to every send to one chat until a deadline (rate limit isolation).
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests import stress
from tests.fake_telegram import _ApiError

Json = dict[str, Any]
KINDS = ("429", "500", "502", "hang", "drop_before", "drop_after")
WEIGHTS = {"429": 2.0, "500": 2.0, "502": 2.0, "hang": 1.0, "drop_before": 2.0, "drop_after": 1.0}
SENDS = frozenset({"sendMessage", "copyMessage"})
METHODS = SENDS | {"getUpdates", "answerCallbackQuery"}
ERRORS = {"500": "Internal Server Error", "502": "Bad Gateway"}


@dataclass
class FaultPlan:
    """Which calls fail and how: each call of `methods` fails with probability `rate`, its
    kind drawn by `weights` (hangs only for sends: a long poll has its own, long timeout)."""

    rate: float
    seed: int = 15
    weights: dict[str, float] = field(default_factory=lambda: dict(WEIGHTS))
    methods: frozenset[str] = METHODS
    retry_after: int = 1
    hang_seconds: float = 1.0
    injected: Counter[str] = field(default_factory=Counter)  # kind -> calls, every method
    on_sends: Counter[str] = field(default_factory=Counter)  # kind -> sendMessage/copyMessage
    storm_attempts: list[tuple[int, float, bool]] = field(default_factory=list)  # chat, at, 429
    _storms: dict[int, tuple[float, int]] = field(default_factory=dict)  # chat -> until, retry

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def storm(self, chat_id: int, seconds: float, retry_after: int) -> None:
        """Every send to `chat_id` answers 429 (retry_after) for the next `seconds`."""
        until = asyncio.get_running_loop().time() + seconds
        self._storms[chat_id] = (until, retry_after)

    def draw(self, method: str, params: Json) -> str | None:
        """The fault for this call, or None: it goes through."""
        chat = params.get("chat_id")
        if method in SENDS and isinstance(chat, int) and chat in self._storms:
            now = asyncio.get_running_loop().time()
            refused = now < self._storms[chat][0]
            self.storm_attempts.append((chat, now, refused))
            if refused:
                return "storm"
        if method not in self.methods or self._random.random() >= self.rate:
            return None
        kinds = [k for k in self.weights if method in SENDS or k != "hang"]
        return self._random.choices(kinds, [self.weights[k] for k in kinds])[0]

    async def answer(
        self, method: str, params: Json, request: web.Request, proceed: Callable[[], Awaitable[Any]]
    ) -> Any:
        """Answer one Bot API call as the plan says; `proceed()` is the fake's normal answer."""
        kind = self.draw(method, params)
        if kind is None:
            return await proceed()
        self.injected[kind] += 1
        self.on_sends[kind] += method in SENDS
        if kind == "storm":
            retry = self._storms[params["chat_id"]][1]
            raise _ApiError(429, f"Too Many Requests: retry after {retry}", retry)
        if kind == "429":
            raise _ApiError(
                429, f"Too Many Requests: retry after {self.retry_after}", self.retry_after
            )
        if kind in ERRORS:
            raise _ApiError(int(kind), ERRORS[kind])
        if kind == "hang":  # aiohttp does not cancel a handler whose client left
            await asyncio.sleep(self.hang_seconds)
            return await proceed()
        result = await proceed() if kind == "drop_after" else None
        if request.transport is not None:
            request.transport.abort()  # the answer written next goes nowhere
        return result

    @property
    def delivered_unanswered(self) -> int:
        """Sends that were delivered but whose answer the client never got (may repeat)."""
        return self.on_sends["drop_after"]


_RUNS: dict[str, dict[str, Any]] = {}


def report(run: str, figures: dict[str, Any]) -> None:
    """Print one figures line for a run and keep every run's figures for the benchmark report
    (`tests.stress.record`: written in the full form, or with OUDERLIJN_STRESS_RECORD)."""
    print(f"\nfaults {run}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))
    _RUNS[run] = figures
    stress.record("faults", {"runs": dict(sorted(_RUNS.items()))})
