"""Soak (#15): one real `ouderlijn run` under mixed traffic for a while, sampled with psutil.

Telegram parents (FAQ with feedback, a tree walk, a photo, handoffs) arrive as webhook updates
through tests/instances.Proxy; web chat parents open, close and resume sockets and ask for a
person too; Telegram volunteers claim with /volgende, relay and close; a coordinator reads the
dashboard. `Sampler` reads the process every few seconds: RSS, open fds, threads, database
connections (SQLite: fds on the .db file; PostgreSQL: pg_stat_activity rows of the instance)
and the size of SQLite's -wal file. Every parent and volunteer is new per visit, so anything
kept per conversation and never let go shows up as growth. The assertions are in
tests/test_soak.py; the traffic records what was typed, for the privacy scan afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import itertools
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psutil  # type: ignore[import-untyped]

from bot.cli import build_parser
from bot.cli.volunteer import run as volunteer_cli
from bot.config import load_settings
from tests.db_inspect import is_postgres, rows
from tests.fake_telegram import FakeBotApi, FakeUser, SentMessage
from tests.instances import Instance, Mail
from tests.web_world import WebParent

WAIT = 60.0  # seconds one step may take on a loaded machine before the visit counts as failed
SORRY = "Het lukt me nu even niet"  # busy in bot/locales/nl.yaml: a turn failed for good
CLAIMED = re.compile(r"Je praat nu met (Ouder #\w+)")
STEPS = {"Met wie wilt u praten": "Maakt niet uit", "Waar gaat uw vraag": "Iets anders"}
TREE_STEP = r"t:(?!back$|restart$|resume$).+"  # a choice in the tree, not a way back
CLAIM_OUTCOMES = ("Je praat nu met", "Er wacht nu niemand", "Je hebt je maximum")


@dataclass
class Sample:
    """One reading of the process."""

    at: float
    rss: int
    fds: int
    threads: int
    connections: int
    wal: int


class Tally(dict[str, int]):
    """A plain counter of visit kinds (printable, JSON-able)."""

    def add(self, key: str) -> None:
        self[key] = self.get(key, 0) + 1


@dataclass
class Traffic:
    """What happened: counts, what people typed (for the privacy scan) and failed visits."""

    messages: int = 0  # updates and web frames sent by parents and volunteers
    visits: Tally = field(default_factory=Tally)
    typed: list[str] = field(default_factory=list)
    people: list[FakeUser] = field(default_factory=list)
    web_tokens: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


class Sampler:
    """Reads RSS, fds, threads, connections and WAL size of one process every `every` s."""

    def __init__(self, pid: int, database: str | Path, app_name: str, every: float) -> None:
        self.process, self.database, self.app_name = psutil.Process(pid), database, app_name
        self.every = every
        self.samples: list[Sample] = []

    def connections(self) -> int:
        """SQLite: open fds on the database file (one per connection); PostgreSQL: sessions."""
        if is_postgres(self.database):
            query = "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?"
            return int(rows(self.database, query, self.app_name)[0][0])
        db = str(Path(self.database).resolve())
        return sum(1 for f in self.process.open_files() if f.path == db)

    def wal(self) -> int:
        if is_postgres(self.database):
            return 0  # PostgreSQL's WAL is the server's, recycled by its checkpoints
        wal = Path(f"{self.database}-wal")
        return wal.stat().st_size if wal.exists() else 0

    def take(self) -> Sample:
        with self.process.oneshot():
            rss, fds = self.process.memory_info().rss, self.process.num_fds()
            threads = self.process.num_threads()
        sample = Sample(time.monotonic(), rss, fds, threads, self.connections(), self.wal())
        self.samples.append(sample)
        return sample

    async def run(self) -> None:
        while True:
            await asyncio.to_thread(self.take)
            await asyncio.sleep(self.every)

    def thirds(self, attribute: str) -> tuple[list[int], list[int]]:
        """The values of the first (warm-up) and the last third of the samples."""
        values = [int(getattr(s, attribute)) for s in self.samples]
        third = max(1, len(values) // 3)
        return values[:third], values[-third:]


def median(values: list[int]) -> int:
    return int(statistics.median(values)) if values else 0


async def register(folder: Path, database: str | Path, name: str, role: str) -> tuple[int, str]:
    """`ouderlijn volunteer add`: the volunteer's id and invite code."""
    key = "OUDERLIJN_DATABASE_URL" if is_postgres(database) else "OUDERLIJN_DB"
    settings = load_settings(env={key: str(database)}, cwd=folder)
    argv = ["volunteer", "add", "--name", name, "--role", role, "--max", "3"]
    out = io.StringIO()
    code = await asyncio.to_thread(volunteer_cli, build_parser().parse_args(argv), settings, out)
    assert code == 0, out.getvalue()
    text = out.getvalue()
    found = re.search(r"Added volunteer (\d+)", text)
    assert found is not None, text
    return int(found.group(1)), text.split("Invite code:")[1].split()[0]


async def login_token(folder: Path, database: str | Path, volunteer_id: int) -> str:
    """`ouderlijn volunteer login ID`: the one-time token of the console link."""
    key = "OUDERLIJN_DATABASE_URL" if is_postgres(database) else "OUDERLIJN_DB"
    settings = load_settings(env={key: str(database)}, cwd=folder)
    out = io.StringIO()
    args = build_parser().parse_args(["volunteer", "login", str(volunteer_id)])
    assert await asyncio.to_thread(volunteer_cli, args, settings, out) == 0
    found = re.search(r"token=(\S+)", out.getvalue())
    assert found is not None, out.getvalue()
    return found.group(1)


class Site:
    """Just enough of a WebWorld for a WebParent tab against the running process."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def settled(self) -> None:
        await asyncio.sleep(0.2)


@dataclass
class Soak:
    """The process, the fake platform, the traffic and its deadline."""

    instance: Instance
    api: FakeBotApi  # in push mode: what a user sends is POSTed to the instance's webhook
    mail: Mail
    until: float
    traffic: Traffic = field(default_factory=Traffic)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    waiting: int = 0  # parents in a handoff visit: volunteers stay until they are served

    def running(self) -> bool:
        return time.monotonic() < self.until

    async def says(self, user: FakeUser, text: str) -> int:
        """The user types `text`; returns how many messages they had before."""
        seen = len(self.mail.to(user.id))
        self.traffic.messages += 1
        self.api.user_sends(user, text)
        return seen

    async def presses(self, user: FakeUser, message: SentMessage, label: str) -> int:
        seen = len(self.mail.to(user.id))
        self.traffic.messages += 1
        self.api.user_presses(user, message, label)
        return seen

    async def photo(self, user: FakeUser) -> int:
        seen = len(self.mail.to(user.id))
        self.traffic.messages += 1
        self.api.user_sends_photo(user)
        return seen

    async def next(
        self, user: FakeUser, seen: int, *texts: str, what: str = "", wait: float = WAIT
    ) -> SentMessage:
        """The first message after the first `seen` that contains one of `texts`."""

        def find(messages: list[SentMessage]) -> SentMessage | None:
            for message in messages[seen:]:
                if SORRY in (message.text or ""):
                    raise AssertionError(f"told: {message.text}")
                if any(t in (message.text or "") for t in texts):
                    return message
            return None

        return await self.mail.wait(user.id, find, wait, what)

    def forget_chat(self, chat_id: int, keep: int = 0) -> None:
        """Let the fake Bot API drop a chat's old messages (all but the newest `keep`): it
        numbers a new message by scanning all it keeps, which a 30-minute soak would make
        the test's own bottleneck."""
        kept = self.api._messages  # the fake's own bookkeeping, test side only
        mine = sorted(m for c, m in kept if c == chat_id)
        for message_id in mine[: max(0, len(mine) - keep)]:
            del kept[(chat_id, message_id)]

    def parent(self) -> FakeUser:
        """A new Telegram parent: a distinctive id, full name and username."""
        k = next(self.ids)
        user = self.api.user(7_340_000_000 + k, "Zwaantje", f"Soakmans-{k:04d}", f"zsoak_{k:04d}")
        self.traffic.people.append(user)
        return user

    async def guarded(self, kind: str, visit: Callable[[], Any]) -> None:
        """Run one visit; a failure is recorded (with its kind), not raised, so the soak
        goes on and the test reports every failed visit at the end."""
        try:
            await visit()
            self.traffic.visits.add(kind)
        except Exception as error:  # every failure is a finding
            self.traffic.failures.append(f"{kind}: {type(error).__name__}: {error}"[:300])


async def telegram_visit(soak: Soak, n: int) -> None:
    """One Telegram parent: FAQ + 👍, a tree walk, a photo, or (every third) a handoff."""
    user = soak.parent()
    try:
        await telegram_parent(soak, user, n)
    finally:
        soak.forget_chat(user.id)


async def telegram_parent(soak: Soak, user: FakeUser, n: int) -> None:
    """The visit of `user` (kind by `n`)."""
    k = user.id % 10_000
    seen = await soak.says(user, "/start")
    await soak.next(user, seen, "Waar kan ik u mee helpen", what="menu")
    if n % 3 == 0:
        soak.waiting += 1
        try:
            await telegram_handoff(soak, user, k)
        finally:
            soak.waiting -= 1
        return
    if n % 3 == 1:
        seen = await soak.says(user, "wat is een opp")
        answer = await soak.next(user, seen, "Heeft dit geholpen", what="faq")
        seen = await soak.presses(user, answer, "👍 Ja")
        await soak.next(user, seen, "Fijn dat het heeft geholpen", what="thanks")
        seen = await soak.photo(user)
        await soak.mail.wait(user.id, lambda m: True if len(m) > seen else None, WAIT, "photo")
        return
    menu = soak.mail.to(user.id)[-1]
    seen = await soak.presses(user, menu, "School lukt niet")
    for _ in range(6):  # the tree's first choice at every step, down to a leaf
        shown = await soak.mail.wait(user.id, functools.partial(newest, seen=seen), WAIT)
        labels = [label for label, data in shown.buttons if re.fullmatch(TREE_STEP, data)]
        if not labels:
            break
        seen = await soak.presses(user, shown, labels[0])
    question = f"soakvraag {k}: mag de hamster mee naar de gymzaal"  # no answer: reviewed
    soak.traffic.typed.append(question)
    seen = await soak.says(user, question)
    await soak.mail.wait(user.id, lambda m: True if len(m) > seen else None, WAIT, "reply")


def newest(messages: list[SentMessage], seen: int) -> SentMessage | None:
    """The newest message once there are more than `seen`."""
    return messages[-1] if len(messages) > seen else None


async def telegram_handoff(soak: Soak, user: FakeUser, k: int) -> None:
    """Ask for a person, answer the two questions, wait for a volunteer, write and send a
    photo, wait until the volunteer closes."""
    seen = await soak.says(user, "ik wil iemand spreken")
    steps = dict(STEPS)
    while steps:
        shown = await soak.next(user, seen, *steps, "U staat in de rij", what="step")
        if "U staat in de rij" in (shown.text or ""):
            break
        question = next(q for q in steps if q in (shown.text or ""))
        seen = await soak.presses(user, shown, steps.pop(question))
    else:
        await soak.next(user, seen, "U staat in de rij", what="queue")
    await soak.next(user, 0, " is er nu voor u (", what="claim notice")
    line = f"soakregel {k}: de mentor van de brugklas belt nooit terug"
    soak.traffic.typed.append(line)
    await soak.says(user, line)
    await soak.photo(user)
    await soak.next(user, 0, "heeft het gesprek afgesloten", what="closing notice")


async def web_visit(soak: Soak, client: aiohttp.ClientSession, n: int) -> None:
    """One web chat parent: FAQ, close the socket, resume, then a question or a person."""
    k = next(soak.ids)
    token = f"soak-web-session-{k:05d}-qwertyuiop"
    soak.traffic.web_tokens.append(token)
    tab = WebParent(Site(soak.instance.url), client, token)  # type: ignore[arg-type]
    await tab.connect()
    soak.traffic.messages += 2
    await tab.says("wat is een opp")
    await wait_frame(tab, lambda f: "OPP" in str(f.get("text", "")))
    await tab.ws.close()
    await tab.connect()  # resumes after the last id it saw
    if n % 2:
        question = f"webvraag {k}: mag mijn zoon zijn eigen laptop gebruiken"
        soak.traffic.typed.append(question)
        soak.traffic.messages += 1
        await tab.says(question)
        await tab.ws.close()
        return
    soak.traffic.messages += 3
    soak.waiting += 1
    try:
        await web_handoff(soak, tab, k)
    finally:
        soak.waiting -= 1


async def web_handoff(soak: Soak, tab: WebParent, k: int) -> None:
    """Ask for a person, wait for the volunteer's words, write, wait until it is closed."""
    await tab.says("ik wil iemand spreken")
    for choice in ("h:role:either", "h:topic:-"):
        await tab.presses(choice)
    await wait_frame(tab, lambda f: f.get("from") == "volunteer")
    line = f"webregel {k}: school stuurt geen huiswerk meer mee"
    soak.traffic.typed.append(line)
    await tab.says(line)
    await wait_frame(tab, lambda f: "afgesloten" in str(f.get("text", "")))
    await tab.ws.close()


async def wait_frame(tab: WebParent, match: Callable[[dict[str, Any]], bool]) -> None:
    """Until a message frame matches (already shown or arriving within WAIT)."""
    deadline = time.monotonic() + WAIT
    while not any(f["type"] == "message" and match(f) for f in tab.frames):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no such frame; last: {tab.frames[-3:]}")
        with contextlib.suppress(TimeoutError):
            await tab._read(min(left, 1.0))


async def volunteer(soak: Soak, user: FakeUser, code: str) -> None:
    """Link, then /volgende until the end: reply, wait for the parent's line, close."""
    seen = await soak.says(user, f"/aanmelden {code}")
    await soak.next(user, seen, user.first_name, what="linked")
    k = 0
    while soak.running() or soak.waiting > 0:
        seen = await soak.says(user, "/volgende")
        outcome = await soak.next(user, seen, *CLAIM_OUTCOMES, what="claim outcome")
        found = CLAIMED.search(outcome.text or "")
        if found is None:
            await asyncio.sleep(1.0)
            continue
        k += 1
        label = found.group(1)
        reply = f"soakantwoord {user.first_name} {k}: vertel gerust wat er speelt"
        soak.traffic.typed.append(reply)
        await soak.says(user, reply)
        await soak.next(user, seen, f"{label}: ", what="the parent's line")
        seen = await soak.says(user, "/afsluiten")
        menu = await soak.next(user, seen, "Hoe sluit je het gesprek", what="close menu")
        seen = await soak.presses(user, menu, "Advies gegeven")
        sure = await soak.next(user, seen, "Weet je het zeker?", what="confirm")
        seen = await soak.presses(user, sure, "Ja, afsluiten")
        await soak.next(user, seen, "is klaar", what="closed")
        soak.forget_chat(user.id, keep=50)


async def coordinator(soak: Soak, client: aiohttp.ClientSession, token: str) -> None:
    """Sign in with the one-time link, then read the dashboard pages every few seconds."""
    url = soak.instance.url
    await client.get(f"{url}/console/login?token={token}")
    signed = await client.post(
        f"{url}/console/login", data={"token": token}, headers={"Origin": url}
    )
    assert signed.status == 200, signed.status
    while soak.running():
        for path in DASHBOARD:
            async with client.get(f"{url}{path}") as page:
                await page.read()
                assert page.status == 200, f"{path}: {page.status}"
        await asyncio.sleep(2.0)


DASHBOARD = ("/dashboard", "/dashboard/vragen", "/dashboard/api/stats")
