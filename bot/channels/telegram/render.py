"""Engine messages as Telegram messages: plain text (so <, >, &, *, _ never break formatting),
split below Telegram's 4,096 characters, with the engine's buttons as an inline keyboard."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.messages import MAX_PIECE_CHARS, Button, split_text

MAX_MESSAGE_CHARS = MAX_PIECE_CHARS
__all__ = ["MAX_MESSAGE_CHARS", "keyboard", "split_text"]
MAX_CALLBACK_BYTES = 64
SHORT_LABEL = 8  # labels this short ("👍 Ja", "Menu") share a row


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """One button per row, except that short labels pair up; ids must fit 64 bytes."""
    if not buttons:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        if len(button.id.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"button id longer than {MAX_CALLBACK_BYTES} bytes: {button.id!r}")
        key = InlineKeyboardButton(button.label, callback_data=button.id)
        last = rows[-1] if rows else None
        if last and len(last) == 1 and _short(last[0].text) and _short(button.label):
            last.append(key)
        else:
            rows.append([key])
    return InlineKeyboardMarkup(rows)


def _short(label: str) -> bool:
    return len(label) <= SHORT_LABEL
