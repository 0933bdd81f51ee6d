"""`ouderlijn run`: the whole helpline on one event loop — the web chat, widget, volunteer
console and coordinators' page on one aiohttp server, the SQLite store, the inbox, courier and
queue watch, and Telegram too when OUDERLIJN_TELEGRAM_TOKEN is set (webhook on the same server,
or polling). `--demo` adds two demo volunteers and a coordinator and prints their one-time links."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from dataclasses import replace
from datetime import datetime
from typing import TextIO

from aiohttp import web

from bot.app import Service, open_service
from bot.channels.telegram.accounts import TelegramAccounts
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.settings import TelegramSettings, load_telegram_settings
from bot.channels.telegram.webhook import WebhookServer
from bot.channels.web.console_auth import new_login_link
from bot.channels.web.server import WebSurfaces, build_app, build_surfaces
from bot.cli.telegram import RedactToken, first_of, stop_on_signals
from bot.config import ConfigError, Settings
from bot.storage.contract import Tx
from bot.web_settings import WebConfigError, parse_listen
from faq.model import ContentError
from handoff.hours import OpeningHours
from handoff.model import Volunteer

log = logging.getLogger(__name__)
OUTBOX_POLL_SECONDS = 2.0  # other processes (the admin CLI, a terminal) may write the outbox
# The demo's people: (display name, role, topics). Names only, nothing a parent reads. Ria,
# the coordinator, lands on the dashboard and stays away from the queue.
DEMO_VOLUNTEERS = (
    ("Eva", "advisor", ("autisme", "thuiszitten")),
    ("Sanne", "buddy", ()),
    ("Ria", "coordinator", ()),
)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = subparsers.add_parser(
        "run", help="run the helpline: web chat, widget, console (and Telegram when configured)"
    )
    run.add_argument(
        "--listen", help="HOST:PORT to listen on (default [web] listen, 127.0.0.1:8080)"
    )
    run.add_argument(
        "--demo",
        action="store_true",
        help="add demo volunteers and a coordinator, print their links, keep the line open",
    )


def seed_demo(tx: Tx, settings: Settings, now: datetime) -> list[tuple[Volunteer, str]]:
    """The demo volunteers (added once, available) with a fresh login token each."""
    known = {v.name: v for v in tx.registry.all_volunteers()}
    links = []
    for name, role, topics in DEMO_VOLUNTEERS:
        volunteer = known.get(name)
        if volunteer is None:
            volunteer, _ = tx.registry.add(name, role, list(topics), 3, now, 1)
        volunteer = tx.registry.update(volunteer.id, available=role != "coordinator")
        links.append((volunteer, new_login_link(tx, volunteer.id, now, settings.web.login_minutes)))
    return links


async def serve(
    settings: Settings,
    stop: asyncio.Event,
    demo: bool = False,
    out: TextIO = sys.stdout,
    env: dict[str, str] | None = None,
) -> None:
    """Run everything until `stop` is set; sockets close cleanly and nothing is lost."""
    env = dict(os.environ) if env is None else env
    if demo:  # one person trying the flow at night should still meet a volunteer
        handoff = replace(settings.handoff, hours=OpeningHours.always_open())
        settings = replace(settings, handoff=handoff)
    telegram = _telegram_settings(env)
    async with open_service(settings, poll_seconds=OUTBOX_POLL_SECONDS) as service:
        surfaces = await build_surfaces(service)
        await surfaces.console.presence.start()  # nobody's console is open yet
        channel, webhook = await _start_telegram(service, telegram)
        app = build_app(
            service,
            surfaces,
            extra_routes=webhook.attach if webhook is not None else None,
            max_body_bytes=1_000_000 if webhook is not None else 64 * 1024,
        )
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        site = web.TCPSite(runner, settings.web.host, settings.web.port)
        tasks = [
            asyncio.create_task(surfaces.chat.keep_queue_places()),
            asyncio.create_task(surfaces.console.keep_looking()),
        ]
        try:
            await site.start()
            _learn_port(service, site)
            if webhook is not None:
                await webhook.announce()
            await _print_start(service, surfaces, demo, channel is not None, out)
            waits = [stop.wait()] + ([channel.failed.wait()] if channel is not None else [])
            await first_of(*waits)
        finally:
            for task in tasks:
                task.cancel()
            await surfaces.chat.close_all()
            await surfaces.console.close_all()
            await runner.cleanup()
            if channel is not None:
                await channel.stop()


def _learn_port(service: Service, site: web.TCPSite) -> None:
    """With `--listen HOST:0` the system picks a free port: links must name the real one."""
    server = getattr(site, "_server", None)
    sockets = getattr(server, "sockets", None) or []
    if sockets and service.settings.web.port == 0:
        web_settings = replace(service.settings.web, port=int(sockets[0].getsockname()[1]))
        service.settings = replace(service.settings, web=web_settings)


def _telegram_settings(env: dict[str, str]) -> TelegramSettings | None:
    if not env.get("OUDERLIJN_TELEGRAM_TOKEN", "").strip():
        return None
    return load_telegram_settings(env)


async def _start_telegram(
    service: Service, telegram: TelegramSettings | None
) -> tuple[TelegramChannel | None, WebhookServer | None]:
    """The Telegram channel on this loop when a token is configured, else (None, None)."""
    if telegram is None:
        return None, None
    service.courier.hold_seconds = telegram.read_timeout
    accounts = await TelegramAccounts.open(service.store, telegram.pseudonym_secret)
    is_webhook = telegram.mode == "webhook"
    channel = TelegramChannel(
        service.engine, service.courier, service.inbox, accounts, telegram, is_webhook
    )
    await channel.start()
    return channel, WebhookServer(channel) if is_webhook else None


async def _print_start(
    service: Service, surfaces: WebSurfaces, demo: bool, telegram: bool, out: TextIO
) -> None:
    base = service.settings.web.base_url
    lines = [
        f"Ouderlijn is running on {base}",
        f"  parent chat:   {base}/chat",
        f"  widget:        {base}/static/widget.js  (snippet in the README)",
        f"  console:       {base}/console  (login link: ouderlijn volunteer login ID)",
        f"  coordinators:  {base}/dashboard",
        f"  telegram:      {'on' if telegram else 'off (set OUDERLIJN_TELEGRAM_TOKEN)'}",
    ]
    if demo:
        now = service.engine.clock()
        links = await service.store.transaction(lambda tx: seed_demo(tx, service.settings, now))
        lines.append("Demo: the line is open day and night. One-time console links:")
        for volunteer, token in links:
            role = service.engine.texts.word("role_names", volunteer.role)
            lines.append(f"  {volunteer.name} ({role}): {base}/console/login?token={token}")
        lines.append("Open the chat in one window and a link in another (private) window.")
    lines.append("Stop with Ctrl-C.")
    print("\n".join(lines), file=out, flush=True)


async def _main(settings: Settings, demo: bool) -> None:
    await serve(settings, stop_on_signals(), demo)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Start the helpline; configuration and content problems stop it with a clear message."""
    if args.listen:
        try:
            host, port = parse_listen(args.listen)
        except WebConfigError as error:
            print(f"configuration error: {error}", file=sys.stderr)
            return 2
        settings = replace(settings, web=replace(settings.web, host=host, port=port))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    token = os.environ.get("OUDERLIJN_TELEGRAM_TOKEN", "")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(token))
    try:
        asyncio.run(_main(settings, args.demo))
    except (ContentError, ConfigError) as error:
        print(error, file=sys.stderr)
        return 2
    except OSError as error:  # e.g. the port is taken
        print(
            f"cannot listen on {settings.web.host}:{settings.web.port}: {error.strerror}",
            file=sys.stderr,
        )
        return 3
    return 0
