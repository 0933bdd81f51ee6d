"""`ouderlijn run` with Telegram configured: the webhook on the same server as the web chat,
and one queue for everyone — a parent in the web chat is picked up by a volunteer on Telegram."""

from __future__ import annotations

import asyncio
import io
import socket
from dataclasses import replace

import aiohttp

from bot.cli.run import serve
from bot.config import load_settings
from bot.web_settings import WebSettings
from tests.fake_telegram import FakeBotApi
from tests.web_world import WebParent

ALWAYS_OPEN = "".join(
    f'{d} = "00:00-24:00"\n' for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
)
SECRET = "run-webhook-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Site:
    """Just enough of a WebWorld for a WebParent tab against a running `ouderlijn run`."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def settled(self) -> None:
        """Another process serves: give it a moment instead of reading its database."""
        await asyncio.sleep(0.5)


async def running(tmp_path, api: FakeBotApi, port: int) -> tuple[asyncio.Event, asyncio.Task[None]]:
    (tmp_path / "ouderlijn.toml").write_text(f"[helpline.hours]\n{ALWAYS_OPEN}", encoding="utf-8")
    settings = load_settings(env={"OUDERLIJN_DB": str(tmp_path / "o.db")}, cwd=tmp_path)
    settings = replace(settings, web=WebSettings(port=port))
    env = {
        "OUDERLIJN_TELEGRAM_TOKEN": api.token,
        "OUDERLIJN_TELEGRAM_API_URL": api.url,
        "OUDERLIJN_TELEGRAM_MODE": "webhook",
        "OUDERLIJN_TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        "OUDERLIJN_TELEGRAM_WEBHOOK_SECRET": SECRET,
    }
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop, demo=False, out=io.StringIO(), env=env))
    async with aiohttp.ClientSession() as client:
        for _ in range(200):
            try:
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status == 200:
                    break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
    return stop, task


async def test_a_web_parent_and_a_telegram_volunteer_share_one_queue(tmp_path):
    port = free_port()
    async with FakeBotApi() as api:
        stop, task = await running(tmp_path, api, port)
        try:
            api.start_push(f"http://127.0.0.1:{port}/telegram", SECRET)
            from bot.cli import build_parser
            from bot.cli.volunteer import run as volunteer_cli  # the admin adds Eva

            settings = load_settings(env={"OUDERLIJN_DB": str(tmp_path / "o.db")}, cwd=tmp_path)
            out = io.StringIO()
            args = build_parser().parse_args(
                ["volunteer", "add", "--name", "Eva", "--role", "advisor"]
            )
            assert volunteer_cli(args, settings, out) == 0
            code = out.getvalue().split("Invite code:")[1].split()[0]
            eva = api.user(7001, "Eva", "Jansen", "eva_j")
            api.user_sends(eva, f"/aanmelden {code}")
            await api.wait_for(lambda m: m.chat_id == eva.id and "Eva" in (m.text or ""), 15)

            async with aiohttp.ClientSession() as client:
                site = Site(f"http://127.0.0.1:{port}")
                tab = WebParent(site, client, "run-telegram-tab-token-01")  # type: ignore[arg-type]
                await tab.connect()
                await tab.messages()
                await tab.says("ik wil iemand spreken")
                for choice in ("h:role:advisor", "h:topic:-"):
                    await tab.presses(choice)
                await api.wait_for(
                    lambda m: m.chat_id == eva.id and "Oppakken" in str(m.buttons), 15
                )
                api.user_sends(eva, "/volgende")
                hello = await tab.wait_for("message", 15, **{"from": "bot"})
                assert "Eva" in hello["text"]
                api.user_sends(eva, "Hallo, ik ben Eva. Vertel maar.")
                said = await tab.wait_for("message", 15, **{"from": "volunteer"})
                assert said["name"] == "Eva" and said["text"] == "Hallo, ik ben Eva. Vertel maar."
                await tab.says("Mijn zoon zit al drie weken thuis.")
                relayed = await api.wait_for(lambda m: "drie weken thuis" in (m.text or ""), 15)
                assert relayed.chat_id == eva.id
                assert "run-telegram-tab-token" not in (relayed.text or "")
        finally:
            stop.set()
            await asyncio.wait_for(task, 30)
            await api.stop_push()
