"""The Telegram adapter's small parts: rendering, pseudonyms, settings, update mapping, order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from telegram import Bot, Update

from bot.channels.telegram.accounts import TelegramAccounts
from bot.channels.telegram.render import MAX_MESSAGE_CHARS, keyboard, split_text
from bot.channels.telegram.settings import load_telegram_settings
from bot.channels.telegram.updates import to_inbound
from bot.config import ConfigError
from bot.core.messages import Button


def test_long_text_is_split_at_paragraphs_and_keeps_every_character():
    paragraph = ("Dit is een zin met gewone woorden. " * 40).strip()
    text = "\n\n".join([paragraph] * 8)
    pieces = split_text(text)
    assert len(pieces) > 1 and all(len(p) <= MAX_MESSAGE_CHARS for p in pieces)
    assert "".join(pieces).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(
        " ", ""
    )
    assert split_text("x" * 10_000)[0] == "x" * MAX_MESSAGE_CHARS  # no spaces: hard cut


def test_keyboard_pairs_short_labels_and_refuses_long_ids():
    markup = keyboard(
        [
            Button("fb:y:opp", "👍 Ja"),
            Button("fb:n:opp", "👎 Nee"),
            Button("m:menu", "Praat met een mens"),
        ]
    )
    assert markup is not None
    rows = markup.inline_keyboard
    assert [[b.text for b in row] for row in rows] == [["👍 Ja", "👎 Nee"], ["Praat met een mens"]]
    assert keyboard([]) is None
    with pytest.raises(ValueError, match="64 bytes"):
        keyboard([Button("f:" + "x" * 70, "Te lang")])


async def test_pseudonyms_are_stable_secret_and_map_back(store):
    accounts = await TelegramAccounts.open(store)
    again = await TelegramAccounts.open(store)  # the secret is kept in the database
    other = await TelegramAccounts.open(store, "a-different-secret")
    address = accounts.address_for(48151623)
    assert address == again.address_for(48151623) != other.address_for(48151623)
    assert address.startswith("tg:") and "48151623" not in address
    assert await accounts.chat_for(address) is None
    await accounts.remember(address, 48151623)
    assert await again.chat_for(address) == 48151623


def test_settings_from_environment():
    with pytest.raises(ConfigError, match="OUDERLIJN_TELEGRAM_TOKEN"):
        load_telegram_settings({})
    polling = load_telegram_settings({"OUDERLIJN_TELEGRAM_TOKEN": "1:abc"})
    assert polling.mode == "polling" and polling.api_url == "https://api.telegram.org"
    with pytest.raises(ConfigError, match="WEBHOOK_URL"):
        load_telegram_settings(
            {"OUDERLIJN_TELEGRAM_TOKEN": "1:abc", "OUDERLIJN_TELEGRAM_MODE": "webhook"}
        )
    hook = load_telegram_settings(
        {
            "OUDERLIJN_TELEGRAM_TOKEN": "1:abc",
            "OUDERLIJN_TELEGRAM_MODE": "webhook",
            "OUDERLIJN_TELEGRAM_WEBHOOK_URL": "https://bot.example.nl/hooks/tg",
            "OUDERLIJN_TELEGRAM_WEBHOOK_SECRET": "s3cret_-X",
            "OUDERLIJN_TELEGRAM_LISTEN": "0.0.0.0:9000",
            "OUDERLIJN_TELEGRAM_API_URL": "http://127.0.0.1:8081/",
        }
    )
    assert hook.webhook_path == "/hooks/tg" and hook.listen_port == 9000
    assert hook.api_url == "http://127.0.0.1:8081"
    with pytest.raises(ConfigError, match="may only use"):
        load_telegram_settings(
            {
                "OUDERLIJN_TELEGRAM_TOKEN": "1:abc",
                "OUDERLIJN_TELEGRAM_WEBHOOK_SECRET": "geen spaties!",
            }
        )


BOT = Bot("1:abc")
USER = {"id": 7, "is_bot": False, "first_name": "Marieke", "username": "marieke"}
PRIVATE = {"id": 7, "type": "private", "first_name": "Marieke"}


def update(**fields: object) -> Update:
    return Update.de_json({"update_id": 1, **fields}, BOT)


def message(**fields: object) -> dict[str, object]:
    return {"message_id": 5, "date": 1764237600, "chat": PRIVATE, "from": USER, **fields}


def test_updates_become_inbound_messages_or_nothing():
    text = to_inbound(update(message=message(text="wat is een opp")), "tg:x")
    assert text is not None and text.text == "wat is een opp" and text.conversation_id == "tg:x"
    photo = to_inbound(
        update(
            message=message(
                photo=[{"file_id": "a", "file_unique_id": "b", "width": 1, "height": 1}],
                caption="brief",
            )
        ),
        "tg:x",
    )
    assert photo is not None and photo.kind == "photo" and photo.attachment is not None
    assert photo.attachment.ref == "5" and photo.text == "brief"
    sticker = to_inbound(
        update(
            message=message(
                sticker={
                    "file_id": "a",
                    "file_unique_id": "b",
                    "type": "regular",
                    "width": 1,
                    "height": 1,
                    "is_animated": False,
                    "is_video": False,
                }
            )
        ),
        "tg:x",
    )
    assert sticker is not None and sticker.kind == "sticker" and sticker.attachment is None
    assert to_inbound(update(edited_message=message(text="anders")), "tg:x") is None
    group = {"id": -100, "type": "supergroup", "title": "Ouders"}
    assert to_inbound(update(message=message(chat=group, text="hoi")), "tg:x") is None
    post = {
        "message_id": 1,
        "date": 1764237600,
        "chat": {"id": -5, "type": "channel", "title": "Nieuws"},
        "text": "x",
    }
    assert to_inbound(update(channel_post=post), "tg:x") is None
    press = {
        "id": "9",
        "from": USER,
        "chat_instance": "c",
        "data": "m:menu",
        "message": message(text="Menu"),
    }
    pressed = to_inbound(update(callback_query=press), "tg:x")
    assert pressed is not None and pressed.choice == "m:menu"


async def test_a_long_message_is_stored_per_piece_and_a_failed_piece_never_repeats_one(
    store, monkeypatch
):
    import types

    from telegram.error import NetworkError

    import bot.channels.telegram.channel as telegram_channel
    from bot.channels.telegram.channel import TelegramChannel
    from bot.core.courier import Courier
    from bot.core.messages import Outbound

    monkeypatch.setattr(telegram_channel, "SEND_BACKOFF_S", 0)
    sent: list[str] = []
    failures = {"left": telegram_channel.SEND_ATTEMPTS}

    async def send_message(chat_id, text, reply_markup=None):
        if len(sent) == 1 and failures["left"]:  # the second piece hits a burst of 502s
            failures["left"] -= 1
            raise NetworkError("Bad Gateway")
        sent.append(text[:3])

    async def chat_for(address):
        return 42

    channel = types.SimpleNamespace(
        accounts=types.SimpleNamespace(chat_for=chat_for),
        app=types.SimpleNamespace(bot=types.SimpleNamespace(send_message=send_message)),
    )
    for name in ("_call", "send"):
        setattr(channel, name, types.MethodType(getattr(TelegramChannel, name), channel))
    courier = Courier(store)
    courier.register("telegram", channel.send)
    text = "A" * 4000 + "\n\n" + "B" * 3000  # two pieces
    now = datetime.now(UTC)
    stored = await store.transaction(
        lambda tx: tx.outbox.put("telegram", Outbound("tg:x", text), now)
    )
    assert [len(p.message.text) for p in stored] == [4000, 3000]
    await courier.deliver_pending()  # piece 1 goes, piece 2 fails five times
    await courier.deliver_pending()  # the retry sends piece 2 only
    assert sent == ["AAA", "BBB"]
    sent.clear()  # the same long text again, as a new message: sent whole
    await store.transaction(lambda tx: tx.outbox.put("telegram", Outbound("tg:x", text), now))
    await courier.deliver_pending()
    assert sent == ["AAA", "BBB"]


def test_captions_of_any_kind_reach_the_engine_for_the_crisis_check():
    video = {"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1, "duration": 1}
    inbound = to_inbound(
        update(message=message(video=video, caption="ik wil niet meer leven")), "tg:x"
    )
    assert inbound is not None and inbound.kind == "video"
    assert inbound.text == "ik wil niet meer leven"


async def test_the_chat_cache_keeps_the_most_recent_and_reads_older_ones_again(store, monkeypatch):
    from bot.channels.telegram import accounts as module

    monkeypatch.setattr(module, "CACHED_CHATS", 3)
    accounts = await TelegramAccounts.open(store)
    for n in range(5):
        await accounts.remember(accounts.address_for(n), 1000 + n)
    assert len(accounts._chats) == 3  # bounded: a purged parent's chat id does not linger
    assert await accounts.chat_for(accounts.address_for(0)) == 1000  # read from the database
    assert len(accounts._chats) == 3
