"""Webhook mode: our own aiohttp server on the bot's event loop receives Telegram's updates.

Each POST must carry the secret in `X-Telegram-Bot-Api-Secret-Token`; anything else is refused
before the body is read. An update is answered 200 only once it is stored in the durable inbox
(a redelivered update id counts once); if it cannot be stored, 503 makes Telegram try again.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from telegram import Update

from bot.channels.telegram.channel import ALLOWED_UPDATES, TelegramChannel

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1_000_000


class WebhookServer:
    """Serves the webhook path (and /healthz) for one TelegramChannel."""

    def __init__(self, channel: TelegramChannel) -> None:
        self.channel = channel
        settings = channel.settings
        self.secret = settings.webhook_secret or ""
        app = web.Application(client_max_size=MAX_UPDATE_BYTES)
        app.router.add_post(settings.webhook_path, self.receive)
        app.router.add_get("/healthz", self.health)
        self.runner = web.AppRunner(app, access_log=None)
        self.port: int | None = None

    async def receive(self, request: web.Request) -> web.Response:
        """Check the secret, parse the update and store it; 200 means it is safe with us."""
        given = request.headers.get(SECRET_HEADER, "")
        if not self.secret or not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("webhook: request with a wrong or missing secret refused")
            return web.Response(status=403, text="forbidden")
        data: object = None
        try:
            data = await request.json(loads=json.loads)
            update = Update.de_json(data, self.channel.app.bot) if isinstance(data, dict) else None
        except Exception:  # anything that is not a valid update, whatever PTB makes of it
            update = None
        if update is None and isinstance(data, dict) and isinstance(data.get("update_id"), int):
            # Telegram's own update that PTB cannot read (a field it does not know yet): a
            # retry would never help and would hold the updates behind it back
            log.warning("webhook: an update could not be read; skipped")
            return web.Response(text="skipped")
        if update is None:
            log.warning("webhook: a request that is not an update was refused")
            return web.Response(status=400, text="bad update")
        try:
            await self.channel.take([update])
        except Exception as error:  # e.g. the database is locked: Telegram will retry
            log.warning("webhook: update not stored (%s); asking for a retry", type(error).__name__)
            return web.Response(status=503, text="try again")
        return web.Response(text="ok")

    async def health(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def start(self) -> None:
        """Listen, then tell Telegram where to post (with the secret)."""
        settings = self.channel.settings
        await self.runner.setup()
        site = web.TCPSite(self.runner, settings.listen_host, settings.listen_port)
        await site.start()
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else settings.listen_port
        await self.announce()

    def attach(self, app: web.Application) -> None:
        """Serve the webhook path on another server's application (`ouderlijn run`)."""
        app.router.add_post(self.channel.settings.webhook_path, self.receive)

    async def announce(self) -> None:
        """Tell Telegram where to post (with the secret), when a public URL is configured."""
        settings = self.channel.settings
        if settings.webhook_url:
            await self.channel.app.bot.set_webhook(
                settings.webhook_url, secret_token=self.secret, allowed_updates=ALLOWED_UPDATES
            )

    async def stop(self) -> None:
        await self.runner.cleanup()
