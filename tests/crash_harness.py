"""Crash harness: the real `ouderlijn telegram` process under scripted load (FAQ bursts, a
claim per volunteer, relays both ways) against the fake Bot API in this process, killed with
SIGKILL at random moments and restarted. Black-box: it reads only what Telegram saw (the
fake) and, where the schema has them, the inbox and handoff rows.

The FAQ parents come one after another (each asks three questions at once and waits for the
answers), as many at a time as `parents`, until the last kill: no one parent types so much
that the flood limit answers instead.

What it counts, at the end, once the last run has gone quiet (tests/crash_checks.py):
  updates     every parent and volunteer message Telegram considers received (`confirmed`);
  unanswered  confirmed updates with no handled inbox row (schema with an inbox only);
  lost        FAQ answers and relayed lines that never arrived, and claims never told;
  duplicated  FAQ answers, relayed lines and "is er nu voor u" that arrived more than once
              (`explain`: each must have had its first copy out just before a kill);
  claimed     handoffs with more than one claimer, or handoffs that vanished.
Short form in the suite (tests/test_crash.py); the full form, also against another checkout:
    .venv/bin/python -m tests.crash_harness --kills 20 --mode polling [--source DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bot.storage.contract import Tx
from tests.crash_checks import ANSWERED, Report, check_telegram
from tests.fake_telegram import FakeBotApi, FakeUser, SentMessage

ROOT = Path(__file__).resolve().parents[1]
SECRET = "crash-test-secret"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS_OPEN = "".join(f'{d} = "00:00-24:00"\n' for d in DAYS)
QUESTIONS = (
    "wat is een opp",
    "mijn zoon is geschorst mag dat",
    "hoe maak ik bezwaar tegen de tlv",
    "wat doet het samenwerkingsverband",
    "mijn dochter zit al weken thuis",
    "bestaat het rugzakje nog",
    "wat is passend onderwijs",
    "wat doet een ib er",
    "hoe krijg ik extra hulp op school voor mijn kind met adhd",
)
WAIT = 90.0  # seconds any one step may take (restarts included) before it counts as lost


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BotProcess:
    """`python -m bot.cli telegram` from `source`, started and killed at will."""

    def __init__(self, api: FakeBotApi, folder: Path, source: Path, mode: str) -> None:
        self.folder, self.source, self.mode = folder, source, mode
        self.db = folder / "ouderlijn.db"
        config = folder / "ouderlijn.toml"
        config.write_text(f"[helpline.hours]\n{ALWAYS_OPEN}", encoding="utf-8")
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("OUDERLIJN_")}
        env |= {
            "PYTHONPATH": str(source),
            "OUDERLIJN_CONFIG": str(config),
            "OUDERLIJN_DB": str(self.db),
            "OUDERLIJN_TELEGRAM_TOKEN": api.token,
            "OUDERLIJN_TELEGRAM_API_URL": api.url,
            "OUDERLIJN_TELEGRAM_MODE": mode,
            "OUDERLIJN_TELEGRAM_LISTEN": f"127.0.0.1:{self.port}",
        }
        if mode == "webhook":
            env |= {
                "OUDERLIJN_TELEGRAM_WEBHOOK_URL": self.webhook_url,
                "OUDERLIJN_TELEGRAM_WEBHOOK_SECRET": SECRET,
            }
        self.env = env
        self.log = open(folder / "bot.log", "ab")  # noqa: SIM115 - kept open across restarts
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "telegram"],
            cwd=self.source,
            env=self.env,
            stdout=self.log,
            stderr=self.log,
        )

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> int:
        if self.process is None:
            return 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(30)
        finally:
            self.log.close()

    def tail(self, lines: int = 30) -> str:
        text = (self.folder / "bot.log").read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def invite(db: Path, names: list[str]) -> list[str]:
    """Register volunteers (one conversation at a time each) before the first start."""
    from bot.storage.sqlite.store import Store

    store = Store(db)
    now = datetime.now(UTC)

    def add(tx: Tx, name: str) -> str:
        return tx.registry.add(name, "buddy", (), 1, now)[1]

    try:
        return [store.transaction(functools.partial(add, name=name)) for name in names]
    finally:
        store.close()


def count(api: FakeBotApi, user: FakeUser, text: str) -> int:
    return sum(text in (m.text or "") for m in api.messages_to(user.id))


async def arrives(
    api: FakeBotApi, user: FakeUser, text: str, times: int = 1, wait: float = WAIT
) -> bool:
    """Wait until `text` reached `user` `times` times; False after `wait` seconds."""
    with contextlib.suppress(AssertionError):
        await api.wait_until(lambda: count(api, user, text) >= times, timeout=wait)
        return True
    return False


def latest_button(
    api: FakeBotApi, user: FakeUser, label: str, after: int = 0
) -> SentMessage | None:
    for message in reversed(api.messages_to(user.id)[after:]):
        if any(text.startswith(label) for text, _ in message.buttons):
            return message
    return None


async def press(
    api: FakeBotApi, user: FakeUser, label: str, after: int = 0, wait: float = WAIT
) -> bool:
    """Press `label` on the latest message that has it (among those after the first
    `after` to this user), once it is there."""
    with contextlib.suppress(AssertionError):
        await api.wait_until(lambda: latest_button(api, user, label, after) is not None, wait)
    message = latest_button(api, user, label, after)
    if message is None:
        return False
    api.user_presses(user, message, label)
    return True


class Load:
    """The scripted parents and volunteers; every expectation is counted, not assumed."""

    def __init__(
        self, api: FakeBotApi, titles: dict[str, str], parents: int, wait: float = WAIT
    ) -> None:
        self.api, self.titles, self.wait = api, titles, wait
        self.slots = parents  # FAQ parents asking at once (new ones keep coming)
        self.faq: list[FakeUser] = []
        self.talkers = [api.user(3_200_000 + i, f"Praatouder{i}") for i in range(2)]
        self.volunteers = [api.user(3_300_000 + i, name) for i, name in enumerate(("Anne", "Bas"))]
        self.asked: Counter[tuple[int, str]] = Counter()  # (chat, title) -> times asked
        self.relayed: Counter[tuple[int, str]] = Counter()  # (chat, line) -> times sent
        self.problems: list[str] = []
        self.late: list[str] = []  # waited longer than `wait` (slow, not lost: the end counts)

    def newcomer(self) -> FakeUser:
        """A parent new to the bot (who then asks a few FAQ questions)."""
        user = self.api.user(3_100_000 + len(self.faq), f"Ouderfaq{len(self.faq):03d}")
        self.faq.append(user)
        return user

    async def faq_stream(self, done: asyncio.Event) -> None:
        """Parents one after another, each with one burst of three questions and a wait for
        the answers (under the flood limit: a parent typing a dozen questions a minute gets
        one friendly reply instead), until `done` is set; at least one parent."""
        while True:
            user, n = self.newcomer(), len(self.faq)
            before = count(self.api, user, ANSWERED)
            for k in range(3):
                question = QUESTIONS[(n + k) % len(QUESTIONS)]
                self.asked[(user.id, self.titles[question])] += 1
                self.api.user_sends(user, question)
            if not await arrives(self.api, user, ANSWERED, before + 3, self.wait):
                self.late.append(f"chat {user.id}: burst not answered in time")
            if done.is_set():
                return
            await asyncio.sleep(0.5)  # the next parent comes a moment later

    async def conversations(self, lines: int) -> None:
        """Each talking parent is claimed by their own volunteer (one after the other, so each
        volunteer presses the announcement of their parent), then both talk at once."""
        pairs = list(zip(self.talkers, self.volunteers, strict=True))
        claimed = [await self.claim(parent, volunteer) for parent, volunteer in pairs]
        await asyncio.gather(
            *(self.talk(p, v, lines) for (p, v), ok in zip(pairs, claimed, strict=True) if ok)
        )

    async def claim(self, parent: FakeUser, volunteer: FakeUser) -> bool:
        """Ask for a person and be picked up by `volunteer`."""
        api = self.api
        seen = len(api.messages_to(volunteer.id))
        api.user_sends(parent, "ik wil iemand spreken")
        for label in ("Maakt niet uit", "Iets anders"):
            if not await press(api, parent, label, wait=self.wait):
                self.problems.append(f"chat {parent.id}: no button {label!r}")
                return False
        if not await arrives(api, parent, "U staat in de rij", wait=self.wait):
            self.problems.append(f"chat {parent.id}: not queued")
            return False
        if not await press(api, volunteer, "Oppakken", seen, self.wait) or not await arrives(
            api, parent, "is er nu voor u", wait=self.wait
        ):
            self.problems.append(f"chat {parent.id}: never claimed")
            return False
        return True

    async def talk(
        self, parent: FakeUser, volunteer: FakeUser, lines: int, pace: float = 0.0
    ) -> None:
        """Relay numbered lines both ways, each waiting for the one before; the parent's
        lines at least `pace` seconds apart (the flood limit)."""
        api = self.api
        for n in range(lines):
            await asyncio.sleep(pace * (n > 0))
            for sender, receiver, text in (
                (parent, volunteer, f"vraag-van-ouder-{parent.id % 1000}-{n}"),
                (volunteer, parent, f"antwoord-aan-ouder-{parent.id % 1000}-{n}"),
            ):
                self.relayed[(receiver.id, text)] += 1
                api.user_sends(sender, text)
                if not await arrives(api, receiver, text, wait=self.wait):
                    self.late.append(f"relay {text} not delivered in time")

    async def link(self, codes: list[str]) -> None:
        for volunteer, code in zip(self.volunteers, codes, strict=True):
            self.api.user_sends(volunteer, f"/aanmelden {code}")
            await arrives(self.api, volunteer, "Welkom")

    async def warm_up(self) -> None:
        for user in self.talkers:
            self.api.user_sends(user, "/start")
        for user in self.talkers:
            await arrives(self.api, user, "Waar kan ik u mee helpen?")


async def calibrate() -> dict[str, str]:
    """The first line (title) of the FAQ answer to each question, from the engine itself."""
    from bot.app import Wiring
    from bot.core.messages import Inbound
    from bot.storage import AsyncStore

    with tempfile.TemporaryDirectory() as folder:
        async with AsyncStore.open(Path(folder) / "c.db") as store:
            engine = Wiring().engine(store)
            found = {}
            for n, question in enumerate(QUESTIONS):  # one parent each: no flood limit
                now = datetime.now(UTC)
                inbound = Inbound(f"kalibratie-{n}", "telegram", now, text=question)
                replies = await engine.handle(inbound)
                answer = next(r.text for r in replies if ANSWERED in r.text)
                found[question] = answer.split("\n", 1)[0]
            return found


async def crash_run(
    folder: Path,
    mode: str = "polling",
    kills: int = 10,
    source: Path = ROOT,
    parents: int = 8,
    latency: float = 0.05,
    seed: int = 1,
    wait: float = WAIT,
) -> Report:
    """One crash run: load and kills at once, then a last quiet run; returns the figures."""
    rng = random.Random(seed)
    titles = await calibrate()
    report = Report(mode)
    async with FakeBotApi() as api:
        api.latency = latency
        bot = BotProcess(api, folder, source, mode)
        codes = invite(bot.db, ["Anne", "Bas"])
        if mode == "webhook":
            api.start_push(bot.webhook_url, SECRET, connections=4)
        bot.start()
        load = Load(api, titles, parents, wait)
        await load.warm_up()
        await load.link(codes)
        api.all_updates.clear()  # count from here: the load under kills
        confirmed_before = set(api.confirmed)

        async def killer() -> None:
            for _ in range(kills):
                await asyncio.sleep(rng.uniform(0.3, 2.0))
                bot.kill()
                report.killed()
                await asyncio.sleep(rng.uniform(0.0, 0.3))
                bot.start()
            done.set()

        done = asyncio.Event()
        work = [load.faq_stream(done) for _ in range(parents)]
        await asyncio.gather(killer(), load.conversations(6), *work)
        await asyncio.sleep(2.0)  # the last run goes quiet; a late duplicate shows up now
        code = bot.stop()
        if code != 0:
            load.problems.append(f"the bot exited with {code} on SIGTERM:\n{bot.tail()}")
        if mode == "webhook":
            await api.stop_push()
        report.updates = len(api.confirmed - confirmed_before)
        _verify(api, load, report, bot.db, api.confirmed - confirmed_before)
    return report


def _verify(api: FakeBotApi, load: Load, report: Report, db: Path, confirmed: set[int]) -> None:
    """Compare what arrived with what was asked and relayed; read the inbox and handoffs."""
    check_telegram(api, load, report)
    with contextlib.closing(sqlite3.connect(db)) as con:
        rows = con.execute("SELECT status, volunteer_id FROM handoffs").fetchall()
        report.handoffs = len(rows)
        claimers = Counter(v for _, v in rows if v is not None)
        report.claimed_twice = sum(n - 1 for n in claimers.values() if n > 1)
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "inbox" in tables:
            handled = {
                int(k)
                for (k,) in con.execute(
                    "SELECT key FROM inbox WHERE channel = 'telegram' AND handled_at IS NOT NULL"
                )
            }
            report.unanswered = len(confirmed - handled)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--mode", choices=("polling", "webhook"), default="polling")
    parser.add_argument("--source", type=Path, default=ROOT)
    parser.add_argument("--parents", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--wait", type=float, default=WAIT, help="seconds before a step is lost")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="crash-") as name:
        report = asyncio.run(
            crash_run(
                Path(name),
                args.mode,
                args.kills,
                args.source.resolve(),
                args.parents,
                seed=args.seed,
                wait=args.wait,
            )
        )
    print(report.line())
    for kind, items in (("lost", report.lost), ("duplicated", report.duplicated)):
        for item in items[:20]:
            print(f"  {kind}: {item}")


if __name__ == "__main__":
    main()
