"""The fake Bot API's extras: confirmed updates, held answers and webhook push mode."""

from __future__ import annotations

import asyncio
import functools
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import Conflict, TimedOut

from tests import fake_telegram_push
from tests.fake_telegram import FakeBotApi

Answer = Callable[[web.Request, int], Awaitable[int]]  # (request, n-th POST) -> status


@pytest.fixture
async def fake():
    async with FakeBotApi() as api:
        yield api


@pytest.fixture
async def bot(fake):
    async with Bot(fake.token, base_url=fake.base_url) as client:
        yield client


@pytest.fixture
def anna(fake):
    return fake.user(4242, "Anna", "de Vries", "anna_dv")


class Hook:
    """A webhook receiver on 127.0.0.1: what it got, in order, and how it answers."""

    def __init__(self, answer: Answer, port: int = 0) -> None:
        self.answer, self.port = answer, port
        self.received: list[tuple[int, str | None]] = []  # (update id, secret header)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._receive)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def ids(self) -> list[int]:
        return [update_id for update_id, _ in self.received]

    async def _receive(self, request: web.Request) -> web.Response:
        update = await request.json()
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        self.received.append((update["update_id"], secret))
        return web.Response(status=await self.answer(request, len(self.received)), text="-")


@pytest.fixture
async def hook_factory() -> AsyncIterator[Callable[..., Awaitable[Hook]]]:
    hooks: list[Hook] = []

    async def make(answer: Answer, port: int = 0) -> Hook:
        hook = Hook(answer, port)
        await hook.start()
        hooks.append(hook)
        return hook

    yield make
    for hook in hooks:
        await hook.stop()


async def status(code: int, _request: web.Request, _n: int) -> int:
    return code


async def test_polling_confirms_what_the_next_offset_acknowledges(fake, bot, anna):
    first = fake.user_sends(anna, "een")["update_id"]
    fake.user_sends(anna, "twee")
    fake.make_update(anna, "niet in de wachtrij")
    assert [u["update_id"] for u in fake.all_updates] == [first, first + 1]
    assert len(await bot.get_updates()) == 2 and fake.confirmed == set()
    await bot.get_updates(offset=first + 1)
    assert fake.confirmed == {first}
    await bot.get_updates(offset=first + 2, timeout=0)
    assert fake.confirmed == {first, first + 1}
    assert [u["update_id"] for u in fake.all_updates] == [first, first + 1]  # all kept


async def test_hold_after_records_the_message_only_at_the_end(fake, bot, anna):
    fake.hold_next("sendMessage", 0.3)
    start = time.monotonic()
    sending = asyncio.create_task(bot.send_message(anna.id, "laat"))
    await asyncio.sleep(0.15)
    assert fake.sent == [] and not sending.done()
    message = await sending
    [sent] = fake.sent
    assert sent.message_id == message.message_id and sent.at - start >= 0.3
    await bot.send_message(anna.id, "meteen")  # only the next call was held
    assert time.monotonic() - start < 1.0 and len(fake.sent) == 2


async def test_hold_before_records_at_once_and_answers_late(fake, bot, anna):
    fake.hold_next("sendMessage", 0.3, times=2, deliver="before")
    start = time.monotonic()
    sending = asyncio.create_task(bot.send_message(anna.id, "vroeg"))
    await fake.wait_until(lambda: len(fake.sent) == 1, timeout=0.2)
    assert not sending.done()
    await sending
    assert time.monotonic() - start >= 0.3 and fake.sent[0].at - start < 0.2
    with pytest.raises(ValueError):
        fake.hold_next("sendMessage", 1, deliver="later")


async def test_held_message_is_recorded_even_when_the_client_gave_up(fake, bot, anna):
    fake.hold_next("sendMessage", 0.4)
    with pytest.raises(TimedOut):
        await bot.send_message(anna.id, "te laat", read_timeout=0.1)
    assert fake.sent == []
    await fake.wait_until(lambda: len(fake.sent) == 1, timeout=2)
    assert fake.sent[0].text == "te laat"


async def test_held_message_survives_aiohttp_cancelling_the_handler(monkeypatch, anna):
    cancelling = functools.partial(web.AppRunner, handler_cancellation=True)
    monkeypatch.setattr(web, "AppRunner", cancelling)
    async with FakeBotApi() as api:
        api.hold_next("sendMessage", 0.4)
        url = f"{api.base_url}{api.token}/sendMessage"
        async with aiohttp.ClientSession() as session:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.1):
                    await session.post(url, data={"chat_id": "4242", "text": "toch"})
        assert api.sent == []
        await api.wait_until(lambda: len(api.sent) == 1, timeout=2)
        assert api.sent[0].text == "toch"


async def test_stop_ends_holds_and_records_them(anna):
    api = FakeBotApi()
    await api.start()
    api.hold_next("sendMessage", 30)
    async with Bot(api.token, base_url=api.base_url) as client:
        sending = asyncio.create_task(client.send_message(anna.id, "bij het stoppen"))
        await api.wait_until(lambda: any(m == "sendMessage" for m, _ in api.calls))
        start = time.monotonic()
        await api.stop()
        assert time.monotonic() - start < 5 and len(api.sent) == 1
        await asyncio.gather(sending, return_exceptions=True)


async def test_push_retries_until_200_and_confirms_once(fake, bot, anna, hook_factory):
    async def first_fails(_request: web.Request, n: int) -> int:
        return 500 if n == 1 else 200

    hook = await hook_factory(first_fails)
    fake.start_push(hook.url, "s3cret")
    update = fake.user_sends(anna, "hallo")["update_id"]
    await fake.wait_until(lambda: update in fake.confirmed, timeout=3)
    assert hook.received == [(update, "s3cret"), (update, "s3cret")]
    assert fake.confirmed == {update}
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    assert (await bot.get_webhook_info()).pending_update_count == 0
    await asyncio.sleep(0.3)
    assert len(hook.received) == 2  # nothing more once confirmed
    await fake.stop_push()
    assert await bot.get_updates(timeout=0) == ()  # polling again, nothing left


async def test_push_retries_a_refused_connection_until_the_bot_is_back(fake, anna, hook_factory):
    with socket.socket() as probe:  # a free port, with nobody listening for now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    fake.start_push(f"http://127.0.0.1:{port}/hook", None)
    update = fake.user_sends(anna, "hallo")["update_id"]
    await asyncio.sleep(0.5)
    assert fake.confirmed == set()
    hook = await hook_factory(functools.partial(status, 200), port)
    await fake.wait_until(lambda: update in fake.confirmed, timeout=4)
    assert hook.received == [(update, None)]


async def test_push_times_out_a_slow_webhook_and_sends_again(fake, anna, hook_factory, monkeypatch):
    monkeypatch.setattr(fake_telegram_push, "PUSH_TIMEOUT", 0.2)

    async def slow_first(_request: web.Request, n: int) -> int:
        await asyncio.sleep(0.5 if n == 1 else 0)
        return 200

    hook = await hook_factory(slow_first)
    fake.start_push(hook.url, None)
    update = fake.user_sends(anna, "hallo")["update_id"]
    await fake.wait_until(lambda: update in fake.confirmed, timeout=3)
    assert hook.ids() == [update, update]  # the bot got it twice: a duplicate by design


@pytest.mark.parametrize("connections", [1, 3])
async def test_push_keeps_order_or_runs_connections_in_parallel(
    fake, anna, hook_factory, connections
):
    release = asyncio.Event()

    async def first_waits(_request: web.Request, n: int) -> int:
        if n == 1:
            await release.wait()
        return 200

    hook = await hook_factory(first_waits)
    fake.start_push(hook.url, None, connections=connections)
    ids = [fake.user_sends(anna, f"bericht {i}")["update_id"] for i in range(3)]
    await asyncio.sleep(0.3)
    assert hook.ids() == ids[:connections]  # one at a time, or all three at once
    release.set()
    await fake.wait_until(lambda: fake.confirmed == set(ids), timeout=3)
    assert sorted(hook.ids()) == ids


async def test_stop_push_cancels_cleanly_and_leaves_the_update_queued(fake, bot, anna):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    fake.start_push(f"http://127.0.0.1:{port}/hook", None)
    update = fake.user_sends(anna, "hallo")["update_id"]
    await asyncio.sleep(0.3)
    await fake.stop_push()
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [update]
    assert fake.confirmed == set()
