"""Web chat benchmark, black-box: the real `ouderlijn run` process (`python -m bot.cli run`,
cwd a temporary folder with a fresh cwd-relative SQLite file and an always-open ouderlijn.toml,
PYTHONPATH `--source`), driven over /ws by N parents that connect at once and then, all
together, send `resume` and M questions one after the other (closed loop).

Per question: ack = send -> its `ack`; reply = send -> the first `message` frame after that ack
(not the parent's own line).
Wall time: first question sent -> last reply. Errors: error frames, timeouts, dropped sockets
and questions without a reply. Verified: every question got exactly one ack (also after a short
quiet wait at the end) and at least one reply, else FAIL. The server's VmRSS is read before the
parents connect and after they are done. Each run is a fresh process; the median of each
figure and max/min of replies/s are printed (the machine is shared and noisy).

Run from the project root:
    .venv/bin/python -m bench.bench_web [--runs 3] [--parents 200] [--messages 5] [--source DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench import figures, flood
from bench.figures import nearest as percentile

ROOT = Path(__file__).resolve().parents[1]
FAQ = [  # each answered by the FAQ; "samenwerkingsverband" gets "Bedoelt u een van deze?"
    "wat is een opp",
    "mag school mijn kind schorsen",
    "wat doet een onderwijsconsulent",
    "hoe vraag ik een tlv aan",
    "mijn kind zit al weken thuis, wat kan ik doen",
    "wat is passend onderwijs precies",
    "de school wil mijn zoon niet toelaten, mag dat",
    "wie betaalt het leerlingenvervoer",
    "wat is een samenwerkingsverband",
    "ik ben het niet eens met het opp",
    "kan ik een klacht indienen over school",
    "mijn kind wordt gepest op school",
    "mag ik het dossier van mijn kind inzien",
]
# Asked last, by every 4th parent: a parent queued for a person gets no reply to most later
# messages, on purpose (bot/core/parent_relay.py acks a waiting parent only now and then).
PERSON = "ik wil iemand spreken"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS_OPEN = "[helpline.hours]\n" + "".join(f'{day} = "00:00-24:00"\n' for day in DAYS)
START_TIMEOUT, REPLY_TIMEOUT, STOP_TIMEOUT, QUIET_SECONDS = 60.0, 30.0, 20.0, 0.5
COLUMNS = "parents msgs replies wall_s replies/s ack_p50 ack_p99 reply_p50 reply_p99 errors"
HEADER = f"{'run':<7}" + "".join(f"{c:>10}" for c in COLUMNS.split()) + f"{'rss MB':>12}"


class BenchError(Exception):
    """A run that cannot be measured: the server did not start, or did not stop."""


@dataclass
class Parent:
    """What one parent saw: acks and replies per client_id, latencies (s), problems."""

    acks: Counter[str] = field(default_factory=Counter)
    replies: Counter[str] = field(default_factory=Counter)
    ack_times: list[float] = field(default_factory=list)
    reply_times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    first_sent: float | None = None
    last_reply: float | None = None


@dataclass(frozen=True)
class Outcome:
    """One run: the figures (times in s, RSS in MB) and what went wrong, one line each."""

    figures: tuple[float, ...]  # COLUMNS, then RSS before and after
    failures: tuple[str, ...]  # parents whose questions did not get one ack and a reply
    warnings: tuple[str, ...] = ()  # WARNING/ERROR lines of the server's log


async def receive(ws: aiohttp.ClientWebSocketResponse, deadline: float) -> dict[str, Any]:
    """The next frame before `deadline` (loop time); ws.receive's own timeout restarts on
    every heartbeat ping, so it would never fire."""
    async with asyncio.timeout_at(deadline):
        frame = await ws.receive()
    if frame.type != aiohttp.WSMsgType.TEXT:
        raise ConnectionError(f"socket ended ({frame.type.name})")
    data = json.loads(frame.data)
    return data if isinstance(data, dict) else {"type": "?"}


async def talk(
    session: aiohttp.ClientSession, url: str, questions: Sequence[str], start: asyncio.Barrier
) -> Parent:
    """One parent: connect, wait for all, resume, then each question until its reply."""
    seen, last_acked, loop = Parent(), None, asyncio.get_running_loop()

    def tally(frame: dict[str, Any]) -> None:  # a reply counts for the last acked question
        nonlocal last_acked
        if frame.get("type") == "ack":
            seen.acks[last_acked := str(frame.get("client_id"))] += 1
        elif frame.get("type") == "message" and frame.get("from") != "parent" and last_acked:
            seen.replies[last_acked] += 1
        elif frame.get("type") == "error":
            seen.errors.append(f"error frame {frame.get('code')} for {frame.get('client_id')}")

    try:
        ws = await session.ws_connect(url)
    except aiohttp.ClientError as error:
        seen.errors.append(f"connect: {type(error).__name__} {error}")
        await start.wait()  # the others must not wait for this one
        return seen
    await start.wait()
    try:
        await ws.send_json({"type": "resume", "after": 0})
        for j, text in enumerate(questions):
            client_id, sent = f"q{j}", time.monotonic()
            seen.first_sent = seen.first_sent or sent
            await ws.send_json({"type": "text", "text": text, "client_id": client_id})
            deadline = loop.time() + REPLY_TIMEOUT
            while not seen.replies[client_id]:
                tally(frame := await receive(ws, deadline))
                kind, now = frame.get("type"), time.monotonic()
                if kind == "ack" and frame.get("client_id") == client_id:
                    seen.ack_times.append(now - sent)
                elif kind == "error" and frame.get("client_id") == client_id:
                    break  # refused: it will have no ack and no reply
            else:
                seen.reply_times.append(now - sent)
                seen.last_reply = now
        with contextlib.suppress(TimeoutError):  # a late duplicate would show up now
            deadline = loop.time() + QUIET_SECONDS
            while True:
                tally(await receive(ws, deadline))
    except (TimeoutError, ConnectionError, aiohttp.ClientError, ValueError) as error:
        seen.errors.append(f"{type(error).__name__} {error}".strip())
    finally:
        await ws.close()
    return seen


def plan(parents: int, messages: int) -> list[list[str]]:
    """Consecutive FAQ questions per parent; every 4th parent asks for a person last."""
    person = [i % 4 == 3 for i in range(parents)]
    return [
        [FAQ[(i + j) % len(FAQ)] for j in range(messages - p)] + [PERSON] * p
        for i, p in enumerate(person)
    ]


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    return next((int(s.split()[1]) / 1024 for s in status if s.startswith("VmRSS:")), 0.0)


def log_tail(path: Path, lines: int = 15) -> str:
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "".join(f"\n    {line}" for line in text[-lines:])


def verify(seen: Sequence[Parent], messages: int) -> tuple[str, ...]:
    """One line per parent whose questions did not each get one ack and a reply."""
    ids, failures = [f"q{j}" for j in range(messages)], []
    for i, parent in enumerate(seen):
        acks, missing = [parent.acks[c] for c in ids], [c for c in ids if not parent.replies[c]]
        if any(n != 1 for n in acks) or missing or parent.errors:
            failures.append(f"parent {i}: acks {acks}, no reply to {missing}, {parent.errors[:2]}")
    return tuple(failures)


async def run_once(source: Path, parents: int, messages: int) -> Outcome:
    """One fresh server process from `source`, N parents x M questions: the outcome."""
    with tempfile.TemporaryDirectory(prefix="bench-web-") as name:
        folder, log = Path(name), Path(name) / "server.log"
        (folder / "ouderlijn.toml").write_text(ALWAYS_OPEN + flood.TOML, encoding="utf-8")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            host = f"127.0.0.1:{probe.getsockname()[1]}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("OUDERLIJN_")}
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                *(sys.executable, "-m", "bot.cli", "run", "--listen", host),
                cwd=folder,
                env=env | {"PYTHONPATH": str(source)},
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=out,
            )
            try:
                outcome = await measure(process, host, parents, messages, log)
            finally:
                if process.returncode is None:
                    process.terminate()  # SIGTERM, as an operator would
                    try:
                        await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
                    except TimeoutError:
                        process.kill()
                        await process.wait()
        if process.returncode != 0:
            raise BenchError(f"the server exited with {process.returncode}; log:{log_tail(log)}")
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    warned = tuple(line for line in lines if " WARNING " in line or " ERROR " in line)
    return Outcome(outcome.figures, outcome.failures, warned)


async def measure(
    process: asyncio.subprocess.Process, host: str, parents: int, messages: int, log: Path
) -> Outcome:
    connector = aiohttp.TCPConnector(limit=0)  # the default (100) would queue the sockets
    async with aiohttp.ClientSession(connector=connector) as session:
        for _ in range(int(START_TIMEOUT / 0.2)):
            if process.returncode is not None:
                raise BenchError(f"the server exited ({process.returncode}); log:{log_tail(log)}")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"http://{host}/healthz") as response:
                    if response.status == 200:
                        break
            await asyncio.sleep(0.2)
        else:
            raise BenchError(f"no /healthz within {START_TIMEOUT:.0f} s; log:{log_tail(log)}")
        rss_before, start = rss_mb(process.pid), asyncio.Barrier(parents)
        url = f"ws://{host}/ws?session="  # each parent its own random session token
        talks = (
            talk(session, url + secrets.token_urlsafe(32), q, start)
            for q in plan(parents, messages)
        )
        seen = await asyncio.gather(*talks)
        rss_after = rss_mb(process.pid)
    acks = [t for p in seen for t in p.ack_times]
    replies = [t for p in seen for t in p.reply_times]
    firsts = [p.first_sent for p in seen if p.first_sent is not None]
    lasts = [p.last_reply for p in seen if p.last_reply is not None]
    wall = max(lasts) - min(firsts) if firsts and lasts else 0.0
    errors = sum(len(p.errors) for p in seen) + parents * messages - len(replies)
    times = [percentile(values, f) for values in (acks, replies) for f in (0.5, 0.99)]
    figures = (parents, messages, len(replies), wall, len(replies) / wall if wall else 0.0)
    return Outcome((*figures, *times, errors, rss_before, rss_after), verify(seen, messages))


def row(label: str, figures: Sequence[float]) -> str:
    p, m, n, wall, rate, *times, errors, before, after = figures
    cells = [f"{p:.0f}", f"{m:.0f}", f"{n:.0f}", f"{wall:.2f}", f"{rate:.1f}"]
    cells += [f"{t * 1000:.1f}ms" for t in times] + [f"{errors:.0f}", f"{before:.0f}->{after:.0f}"]
    return f"{label:<7}" + "".join(f"{c:>10}" for c in cells[:-1]) + f"{cells[-1]:>12}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--parents", type=int, default=200)
    parser.add_argument("--messages", type=int, default=5, help="questions per parent")
    parser.add_argument("--source", type=Path, default=ROOT, help="checkout to run the bot from")
    figures.add_option(parser)
    args = parser.parse_args()
    if min(args.runs, args.parents, args.messages) < 1:
        parser.error("--runs, --parents and --messages must be at least 1")
    source, outcomes = args.source.resolve(), []
    print(
        f"Web chat: `ouderlijn run` from {source}; {args.parents} parents x {args.messages} "
        f"questions over /ws, all at once, closed loop; {args.runs} fresh run(s)\n{HEADER}",
        flush=True,
    )
    try:
        for run in range(1, args.runs + 1):
            outcomes.append(outcome := asyncio.run(run_once(source, args.parents, args.messages)))
            print(row(str(run), outcome.figures), flush=True)
    except BenchError as error:
        sys.exit(f"benchmark aborted: {error}")
    medians = [statistics.median(f) for f in zip(*(o.figures for o in outcomes), strict=True)]
    print(row("median", medians))
    rates = [o.figures[4] for o in outcomes]
    print(f"replies/s max/min: {max(rates) / min(rates):.2f}" if min(rates) > 0 else "no replies")
    for run, outcome in enumerate(outcomes, 1):
        for line in outcome.warnings[:5]:
            print(f"run {run}: server log ({len(outcome.warnings)} warnings/errors): {line}")
        for line in outcome.failures[:10]:
            print(f"FAIL run {run} ({len(outcome.failures)} parents): {line}")
    failed = any(o.failures or o.figures[9] for o in outcomes)
    names = [*COLUMNS.replace("/", "_per_").split(), "rss_before_mb", "rss_after_mb"]
    out = dict(zip(names, medians, strict=True)) | {"runs": args.runs, "ok": not failed}
    spread = max(rates) / min(rates) if min(rates) > 0 else 0.0
    figures.write(args.json, out | {"per_s_max_over_min": spread})
    if failed:
        sys.exit("FAIL: not every question got exactly one ack and a reply without errors")
    print("OK: every question got exactly one ack and at least one reply, no errors")


if __name__ == "__main__":
    main()
