"""Several real `ouderlijn run` processes on one PostgreSQL, behind a test-made reverse proxy.

`Instance` starts `python -m bot.cli run` (Telegram in webhook mode on the instance's own web
port, the shared database, `PGAPPNAME` naming the instance so `pg_stat_activity` tells the
processes apart). `Proxy` is what nginx would be: it POSTs Telegram updates to the instances
in turn (round robin over all updates, so one chat's consecutive messages land on different
instances), a bounded number at once, and retries an update until some instance answers 200,
as Telegram does. `Mail` indexes what the fake Bot API delivered, per chat, so a hundred
simulated people can wait for their next message without each scanning everything.
`job_holders` asks PostgreSQL which sessions hold a singleton job's advisory lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from tests.db_inspect import rows
from tests.fake_telegram import FakeBotApi, SentMessage
from tests.fake_telegram_push import SECRET_HEADER

ROOT = Path(__file__).resolve().parents[1]
# The instances run this checkout, or another one (e.g. with a fault put in on purpose).
SOURCE = Path(os.environ.get("OUDERLIJN_INSTANCES_SOURCE", str(ROOT))).resolve()
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS_OPEN = "".join(f'{d} = "00:00-24:00"\n' for d in DAYS)
T = TypeVar("T")
Json = dict[str, Any]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_config(folder: Path, **handoff: float) -> Path:
    """An ouderlijn.toml: the line always open, and the given [handoff] numbers."""
    numbers = "".join(f"{key} = {value}\n" for key, value in handoff.items())
    path = folder / "ouderlijn.toml"
    path.write_text(f"[helpline.hours]\n{ALWAYS_OPEN}\n[handoff]\n{numbers}", encoding="utf-8")
    return path


class Instance:
    """One `ouderlijn run` process (cwd: `folder`, which holds the ouderlijn.toml), on the
    PostgreSQL at `database_url` or, given a Path, on that SQLite file."""

    def __init__(
        self, name: str, api: FakeBotApi, folder: Path, database_url: str | Path, secret: str
    ) -> None:
        self.name, self.folder = name, folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.webhook = f"{self.url}/telegram"
        self.log_path = folder / f"{name}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("OUDERLIJN_")}
        env |= {
            "PYTHONPATH": str(SOURCE),
            "PGAPPNAME": self.application_name,
            "OUDERLIJN_DATABASE_URL": str(database_url),
            "OUDERLIJN_DB": str(folder / f"{name}-unused.db"),  # must stay unused
            "OUDERLIJN_LISTEN": f"127.0.0.1:{self.port}",
            "OUDERLIJN_TELEGRAM_TOKEN": api.token,
            "OUDERLIJN_TELEGRAM_API_URL": api.url,
            "OUDERLIJN_TELEGRAM_MODE": "webhook",
            "OUDERLIJN_TELEGRAM_WEBHOOK_URL": self.webhook,
            "OUDERLIJN_TELEGRAM_WEBHOOK_SECRET": secret,
        }
        if isinstance(database_url, Path):  # SQLite: the file is the database
            del env["OUDERLIJN_DATABASE_URL"]
            env["OUDERLIJN_DB"] = str(database_url)
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def application_name(self) -> str:
        return f"ouderlijn-{self.name}"

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"],
                cwd=self.folder,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def healthy(self, timeout: float = 30.0) -> None:
        """Wait for GET /healthz to answer 200; fail with the log if the process ends."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as client:
            while True:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise AssertionError(f"{self.name} exited early:\n{self.tail()}")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError):
                    async with client.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            return
                if loop.time() > deadline:
                    raise AssertionError(f"{self.name} not healthy in {timeout}s:\n{self.tail()}")
                await asyncio.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would; no goodbye of any kind."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM and wait; SIGKILL if it does not end in time (then None)."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])


class Proxy:
    """The reverse proxy in front of the instances: round robin over every update."""

    def __init__(self, urls: list[str], secret: str, in_flight: int = 10) -> None:
        self.urls = urls
        self.secret = secret
        self._turn = itertools.count()
        self._slots = asyncio.Semaphore(in_flight)
        self.delivered: Counter[int] = Counter()  # instance index -> updates answered 200
        self.update_ids: list[int] = []  # every update answered 200, in answer order
        self.refused: Counter[int] = Counter()  # instance index -> non-200 answers (retried)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Proxy:
        self._session = aiohttp.ClientSession(
            headers={SECRET_HEADER: self.secret}, timeout=aiohttp.ClientTimeout(total=10)
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def post(self, update: Json, attempts: int = 20) -> int:
        """POST `update` to the next instance in turn until one answers 200 (another turn
        each try); returns the index of the instance that took it."""
        assert self._session is not None
        async with self._slots:
            for _ in range(attempts):
                target = next(self._turn) % len(self.urls)
                status = 0
                with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError):
                    async with self._session.post(self.urls[target], json=update) as response:
                        await response.read()
                        status = response.status
                if status == 200:
                    self.delivered[target] += 1
                    self.update_ids.append(int(update["update_id"]))
                    return target
                self.refused[target] += 1
                await asyncio.sleep(0.2)
        raise AssertionError(f"update {update['update_id']} refused {attempts} times")


class Mail:
    """What the fake Bot API delivered, indexed per chat; `wait` for the next thing."""

    def __init__(self, api: FakeBotApi, every: float = 0.02) -> None:
        self.api = api
        self.every = every
        self._seen = 0
        self._chats: defaultdict[int, list[SentMessage]] = defaultdict(list)
        self._news: defaultdict[int, asyncio.Event] = defaultdict(asyncio.Event)
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Mail:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def to(self, chat_id: int) -> list[SentMessage]:
        """Everything delivered to one chat so far, in order (the live list: do not change)."""
        self._pump()
        return self._chats[chat_id]

    async def wait(
        self,
        chat_id: int,
        find: Callable[[list[SentMessage]], T | None],
        timeout: float,
        what: str = "",
    ) -> T:
        """`find(messages of the chat)` once it is not None; AssertionError after `timeout`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = find(self.to(chat_id))
            if found is not None:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                shown = "".join(f"\n  {m.text!r} {m.buttons}" for m in self._chats[chat_id][-8:])
                raise AssertionError(f"chat {chat_id}: no {what or 'match'} in {timeout}s:{shown}")
            news = self._news[chat_id]
            news.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(news.wait(), remaining)

    def _pump(self) -> None:
        sent = self.api.sent
        for message in sent[self._seen :]:
            self._chats[message.chat_id].append(message)
            self._news[message.chat_id].set()
        self._seen = len(sent)

    async def _run(self) -> None:
        while True:
            self._pump()
            await asyncio.sleep(self.every)


# Who holds a session-level advisory lock taken with pg_try_advisory_lock(hashtextextended(
# name, 0)): PostgreSQL shows a bigint key as classid (high half) and objid (low half).
_HOLDERS = (
    "SELECT a.application_name, l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND l.classid::bigint = ((hashtextextended(?, 0) >> 32) & 4294967295) "
    "AND l.objid::bigint = (hashtextextended(?, 0) & 4294967295) ORDER BY l.pid"
)


def job_holders(database_url: str, job: str) -> list[tuple[str, int]]:
    """(application name, backend pid) of every session holding `ouderlijn-job:<job>`."""
    name = f"ouderlijn-job:{job}"
    return [(str(app), int(pid)) for app, pid in rows(database_url, _HOLDERS, name, name)]
