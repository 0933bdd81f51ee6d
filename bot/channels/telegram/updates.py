"""Telegram updates as the engine's inbound messages; everything else is ignored safely."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Message, Update

from bot.channels.telegram.accounts import CHANNEL
from bot.core.messages import Attachment, Inbound

# Message kinds we can name for the engine; anything else is "other".
OTHER_KINDS = (
    "sticker",
    "voice",
    "audio",
    "video",
    "video_note",
    "animation",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
)


def is_private(update: Update) -> bool:
    """Only private chats with a person reach the engine (no groups, channels or bots)."""
    chat, user = update.effective_chat, update.effective_user
    return chat is not None and chat.type == "private" and user is not None and not user.is_bot


def to_inbound(update: Update, address: str) -> Inbound | None:
    """A new private message or a button press as an Inbound; None for anything else
    (edited messages, channel posts, group messages, unknown update types)."""
    if not is_private(update):
        return None
    query = update.callback_query
    if query is not None:
        if not query.data:
            return None
        return Inbound(address, CHANNEL, datetime.now(UTC), choice=query.data)
    message = update.message  # not edited_message: edits are ignored
    if message is None:
        return None
    return _from_message(message, address)


def _from_message(message: Message, address: str) -> Inbound:
    at = message.date or datetime.now(UTC)
    if message.text is not None:
        return Inbound(address, CHANNEL, at, text=message.text)
    for kind in ("photo", "document"):
        if getattr(message, kind):
            attachment = Attachment(kind, CHANNEL, address, str(message.message_id))
            return Inbound(
                address, CHANNEL, at, text=message.caption, kind=kind, attachment=attachment
            )
    kind = next((k for k in OTHER_KINDS if getattr(message, k, None)), "other")
    return Inbound(address, CHANNEL, at, text=message.caption, kind=kind)  # crisis-checked too
