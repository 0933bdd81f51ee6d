"""Telegram settings from environment variables (documented in the README)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from bot.config import ConfigError

DEFAULT_API_URL = "https://api.telegram.org"


@dataclass(frozen=True)
class TelegramSettings:
    """How to reach Telegram and how Telegram reaches us."""

    token: str
    api_url: str = DEFAULT_API_URL
    mode: str = "polling"  # or "webhook"
    webhook_url: str | None = None  # the public https URL Telegram posts to
    webhook_secret: str | None = None  # checked in X-Telegram-Bot-Api-Secret-Token
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    pseudonym_secret: str | None = None  # else generated once and kept in the database
    poll_timeout: int = 30  # seconds a long poll waits for updates
    read_timeout: float = 15.0  # seconds to wait for Telegram's answer to a send

    @property
    def webhook_path(self) -> str:
        """The path our own server answers on: the path of the public webhook URL."""
        if not self.webhook_url:
            return "/telegram"
        path = "/" + self.webhook_url.split("://", 1)[-1].partition("/")[2]
        return path if path != "/" else "/telegram"


def load_telegram_settings(env: Mapping[str, str] | None = None) -> TelegramSettings:
    """OUDERLIJN_TELEGRAM_* variables; a missing token or incomplete webhook is an error."""
    env = os.environ if env is None else env
    token = env.get("OUDERLIJN_TELEGRAM_TOKEN", "").strip()
    if not token:
        raise ConfigError("OUDERLIJN_TELEGRAM_TOKEN is not set (ask @BotFather for a token)")
    mode = env.get("OUDERLIJN_TELEGRAM_MODE", "polling").strip().lower()
    if mode not in ("polling", "webhook"):
        raise ConfigError("OUDERLIJN_TELEGRAM_MODE must be 'polling' or 'webhook'")
    url = env.get("OUDERLIJN_TELEGRAM_WEBHOOK_URL") or None
    secret = env.get("OUDERLIJN_TELEGRAM_WEBHOOK_SECRET") or None
    if mode == "webhook" and not (url and secret):
        raise ConfigError(
            "webhook mode needs OUDERLIJN_TELEGRAM_WEBHOOK_URL and "
            "OUDERLIJN_TELEGRAM_WEBHOOK_SECRET"
        )
    if secret is not None and not all(c.isalnum() or c in "_-" for c in secret):
        raise ConfigError("OUDERLIJN_TELEGRAM_WEBHOOK_SECRET may only use A-Z, a-z, 0-9, _ and -")
    host, _, port = env.get("OUDERLIJN_TELEGRAM_LISTEN", "127.0.0.1:8080").rpartition(":")
    if not port.isdigit():
        raise ConfigError("OUDERLIJN_TELEGRAM_LISTEN must look like 127.0.0.1:8080")
    return TelegramSettings(
        token=token,
        api_url=env.get("OUDERLIJN_TELEGRAM_API_URL", DEFAULT_API_URL).rstrip("/"),
        mode=mode,
        webhook_url=url,
        webhook_secret=secret,
        listen_host=host or "127.0.0.1",
        listen_port=int(port),
        pseudonym_secret=env.get("OUDERLIJN_PSEUDONYM_SECRET") or None,
    )
