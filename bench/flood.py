"""The benchmarks' parents write at machine speed, many questions within seconds, which the
product's flood control (bot/core/flood.py, `[abuse]`) would hush after 8 in 20 s: they run
with its limits lifted, so they measure answering, as before it existed (the counting runs).
Imports of the bot stay inside the functions: black-box benchmarks use only `TOML`."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core.flood import AbuseSettings

LIMIT = 1_000_000
# For a bot process (`ouderlijn telegram`, `ouderlijn run`) through ouderlijn.toml; a checkout
# from before [abuse] ignores the table.
TOML = f"[abuse]\nburst_messages = {LIMIT}\nwindow_messages = {LIMIT}\n"


def no_flood() -> AbuseSettings:
    """`[abuse]` with the flood limits lifted (block settings as shipped)."""
    from bot.core.flood import AbuseSettings

    return AbuseSettings(burst_messages=LIMIT, window_messages=LIMIT)


def settings() -> Settings:
    """The embedded defaults with the flood limits lifted."""
    from bot.app import default_settings

    return replace(default_settings(), abuse=no_flood())
