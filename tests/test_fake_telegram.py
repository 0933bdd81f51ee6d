"""The fake Bot API speaks real Telegram HTTP: the real PTB Bot and Application talk to it."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application, CommandHandler

from tests.fake_telegram import FakeBotApi

VOLUNTEERS = -1001234567890


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


@pytest.fixture
async def webhook_server():
    """A tiny webhook receiver: yields (url, list of (json, secret header))."""
    received: list[tuple[object, str | None]] = []

    async def receive(request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        received.append((await request.json(), secret))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}", received
    await runner.cleanup()


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(label, callback_data=f"k:{label}") for label in labels]
    return InlineKeyboardMarkup.from_row(buttons)


async def test_get_me_describes_the_bot(fake, bot):
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "ouderlijn_test_bot", True)
    assert me.can_join_groups is True and me.supports_inline_queries is False
    assert [method for method, _ in fake.calls] == ["getMe", "getMe"]  # initialize + ours


async def test_send_message_arrives_verbatim_with_parsed_buttons(fake, bot, anna):
    fake.user_sends(anna, "hallo")
    ja = InlineKeyboardButton("Ja", callback_data="tree:yes")
    nee = InlineKeyboardButton("Nee", callback_data="tree:no")
    markup = InlineKeyboardMarkup([[ja, nee], [InlineKeyboardButton("Site", url="https://x.nl")]])
    message = await bot.send_message(anna.id, "<b>&*_", reply_markup=markup)
    assert message.text == "<b>&*_" and message.reply_markup == markup
    assert message.from_user is not None and message.from_user.id == bot.id
    assert (message.chat.id, message.chat.type, message.message_id) == (anna.id, "private", 2)
    [sent] = fake.sent
    assert (sent.method, sent.chat_id, sent.message_id) == ("sendMessage", anna.id, 2)
    assert sent.text == "<b>&*_"
    assert sent.buttons == [("Ja", "tree:yes"), ("Nee", "tree:no"), ("Site", "https://x.nl")]
    assert sent.params["chat_id"] == anna.id and sent.reply_markup == markup.to_dict()
    assert fake.messages_to(anna.id) == [sent] and fake.messages_to(1) == []
    assert await fake.wait_for(lambda m: m.text == "<b>&*_") is sent

    await bot.send_message(anna.id, "42")  # str parameters are never JSON-decoded
    assert fake.sent[-1].text == "42" and fake.sent[-1].message_id == 3


async def test_wait_for_reports_what_was_sent(fake, bot, anna):
    await bot.send_message(anna.id, "Goedemorgen")
    with pytest.raises(AssertionError, match="Goedemorgen"):
        await fake.wait_for(lambda m: m.text == "Tot ziens", timeout=0.1)


async def test_get_updates_confirms_offsets_and_long_polls(fake, bot, anna):
    first = fake.user_sends(anna, "/start nu")
    fake.user_sends(anna, "hallo")
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [first["update_id"], first["update_id"] + 1]
    start = updates[0].message
    assert start is not None and start.text == "/start nu" and start.chat.type == "private"
    assert start.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 6),)
    assert start.from_user is not None and start.from_user.language_code == "nl"
    assert start.from_user.full_name == "Anna de Vries"

    second = updates[1].update_id
    assert [u.update_id for u in await bot.get_updates(offset=second)] == [second]
    assert await bot.get_updates(offset=second + 1) == ()

    calls = len(fake.calls)
    poll = asyncio.create_task(bot.get_updates(offset=second + 1, timeout=30))
    await fake.wait_until(lambda: len(fake.calls) > calls)
    await asyncio.sleep(0.05)
    assert not poll.done()  # the long poll waits for the user
    fake.user_sends(anna, "nog een vraag")
    [later] = await asyncio.wait_for(poll, 10)
    assert later.message is not None and later.message.text == "nog een vraag"
    assert later.message.message_id == 3


async def test_flood_control_raises_retry_after_once(fake, bot, anna, monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(anna.id, "hallo")
    assert caught.value.retry_after == timedelta(seconds=7)
    assert fake.sent == [] and fake.calls[-1][0] == "sendMessage"
    await bot.send_message(anna.id, "hallo")
    assert [m.text for m in fake.sent] == ["hallo"]


@pytest.mark.parametrize(
    ("status", "description"), [(502, "Bad Gateway"), (500, "Internal Server Error")]
)
async def test_server_errors_raise_network_error(fake, bot, anna, status, description):
    fake.fail_next("sendMessage", status, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match=description) as caught:
            await bot.send_message(anna.id, "hallo")
        assert type(caught.value) is NetworkError
    assert fake.sent == []
    assert [method for method, _ in fake.calls].count("sendMessage") == 2


async def test_blocked_chat_is_forbidden(fake, bot, anna):
    photo = fake.user_sends_photo(anna)["message"]["message_id"]
    fake.blocked.add(anna.id)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(anna.id, "hallo")
    with pytest.raises(Forbidden):
        await bot.copy_message(anna.id, from_chat_id=anna.id, message_id=photo)
    assert fake.sent == []


async def test_copy_message_of_a_photo_and_of_unknown_ids(fake, bot, anna):
    update = fake.user_sends_photo(anna, caption="huiswerk")
    parsed = Update.de_json(update, bot).message
    assert parsed is not None and parsed.caption == "huiswerk" and parsed.photo[-1].width == 800
    photo = update["message"]["message_id"]

    copied = await bot.copy_message(VOLUNTEERS, from_chat_id=anna.id, message_id=photo)
    [sent] = fake.messages_to(VOLUNTEERS)
    assert (sent.method, sent.text, sent.message_id) == ("copyMessage", None, copied.message_id)
    assert (sent.params["from_chat_id"], sent.params["message_id"]) == (anna.id, photo)

    ours = await bot.send_message(anna.id, "dank je")
    for unknown in (photo + 100, ours.message_id):  # never sent, or sent by the bot itself
        with pytest.raises(BadRequest, match="Message to copy not found"):
            await bot.copy_message(VOLUNTEERS, from_chat_id=anna.id, message_id=unknown)
    assert len(fake.sent) == 2


async def test_button_press_round_trip(fake, bot, anna):
    markup = keyboard("Ja, graag", "Nee")
    await bot.send_message(anna.id, "Wil je een vrijwilliger spreken?", reply_markup=markup)
    pressed = fake.user_presses(anna, fake.sent[0], "Ja")  # a label prefix is enough
    [update] = await bot.get_updates()
    query = update.callback_query
    assert update.update_id == pressed["update_id"] and query is not None
    assert query.data == "k:Ja, graag" and query.from_user.id == anna.id
    assert isinstance(query.message, Message) and query.message.reply_markup == markup
    assert query.message.message_id == fake.sent[0].message_id
    assert await query.answer() is True and fake.answered_callbacks == [query.id]
    with pytest.raises(BadRequest, match="query id is invalid"):
        await bot.answer_callback_query("4382")

    edited = await bot.edit_message_reply_markup(anna.id, fake.sent[0].message_id)
    assert isinstance(edited, Message) and edited.reply_markup is None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(anna.id, fake.sent[0].message_id)
    stale = fake.user_presses(anna, fake.sent[0], data="k:oud")
    assert stale["callback_query"]["data"] == "k:oud"
    assert "reply_markup" not in stale["callback_query"]["message"]  # as the user sees it now


async def test_stop_answers_a_pending_long_poll_at_once(fake, bot):
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await fake.wait_until(lambda: [method for method, _ in fake.calls] == ["getMe", "getUpdates"])
    started = time.monotonic()
    await fake.stop()
    assert time.monotonic() - started < 0.9
    assert await asyncio.wait_for(poll, 5) == ()


async def test_post_update_delivers_json_and_secret(fake, bot, anna, webhook_server):
    url, received = webhook_server
    update = fake.make_update(anna, "hallo")
    assert await fake.post_update(f"{url}/hook", update, "s3cret") == 200
    assert await fake.post_update(f"{url}/elders", update, None) == 404
    assert received == [(update, "s3cret")]
    assert await bot.get_updates() == ()  # make_update does not queue


async def test_webhook_commands_and_chat_actions(fake, bot):
    await bot.set_webhook(
        "https://example.org/hook", secret_token="123", allowed_updates=["message"]
    )
    assert fake.webhook is not None and fake.webhook["secret_token"] == "123"
    assert fake.webhook["allowed_updates"] == ["message"]
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count, info.allowed_updates) == (
        "https://example.org/hook",
        0,
        ("message",),
    )
    await bot.delete_webhook(drop_pending_updates=True)
    assert fake.webhook is None and (await bot.get_webhook_info()).url == ""

    await bot.set_my_commands([BotCommand("start", "Begin opnieuw"), BotCommand("stop", "Stop")])
    assert fake.commands == [
        {"command": "start", "description": "Begin opnieuw"},
        {"command": "stop", "description": "Stop"},
    ]
    await bot.delete_my_commands()
    assert fake.commands == []
    assert await bot.send_chat_action(4242, ChatAction.TYPING) is True


async def test_every_update_shape_parses_in_ptb(fake, bot, anna, monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    first = fake.user_sends(anna, "Mijn zoon gaat niet naar school")
    fake.user_sends_document(anna, caption="de brief")
    for kind in ("sticker", "voice", "location", "contact"):
        fake.user_sends_other(anna, kind)
    fake.user_edits(anna, first["message"]["message_id"], "Mijn dochter gaat niet naar school")
    fake.group_message(anna, VOLUNTEERS, "/claim 12")
    fake.channel_post(-1009, "nieuws")
    updates = await bot.get_updates()

    messages = [u.effective_message for u in updates]
    assert all(m is not None for m in messages)
    document, sticker, voice, location, contact = (updates[i].message for i in range(1, 6))
    assert document is not None and document.document is not None
    assert (document.document.file_name, document.document.mime_type) == (
        "brief-school.pdf",
        "application/pdf",
    )
    assert sticker is not None and sticker.sticker is not None and sticker.sticker.type == "regular"
    assert (
        voice is not None
        and voice.voice is not None
        and voice.voice.duration == timedelta(seconds=3)
    )
    assert location is not None and location.location is not None
    assert contact is not None and contact.contact is not None
    edited = updates[6].edited_message
    assert edited is not None and edited.message_id == first["message"]["message_id"]
    assert edited.text == "Mijn dochter gaat niet naar school" and edited.edit_date is not None
    group = updates[7].message
    assert group is not None and (group.chat.type, group.chat.id) == ("supergroup", VOLUNTEERS)
    assert group.entities[0].type == MessageEntity.BOT_COMMAND and group.message_id == 1
    post = updates[8].channel_post
    assert post is not None and post.sender_chat is not None and post.from_user is None
    ids = [u.message_id for u in messages if u is not None and u.chat.id == anna.id]
    assert ids == [1, 2, 3, 4, 5, 6, 1]  # per chat; the edit keeps its id


async def test_wrong_token_and_unknown_method_answer_like_telegram(fake):
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{fake.base_url}999:WRONG/getMe") as response:
            assert response.status == 401
            assert await response.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with session.post(f"{fake.base_url}{fake.token}/frobnicate", data={"a": "1"}) as r:
            assert (r.status, (await r.json())["description"]) == (404, "Not Found")
    assert fake.calls == [("getMe", {}), ("frobnicate", {"a": 1})]


async def test_a_ptb_application_polls_and_replies(fake, anna):
    async def start(update: Update, context: object) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Welkom bij Ouderlijn")

    app = Application.builder().token(fake.token).base_url(fake.base_url).build()
    app.add_handler(CommandHandler("start", start))
    async with app:
        assert app.updater is not None
        await app.start()
        await app.updater.start_polling(timeout=5)
        fake.user_sends(anna, "/start")
        reply = await fake.wait_for(lambda m: m.chat_id == anna.id)
        await app.updater.stop()
        await app.stop()
    assert reply.text == "Welkom bij Ouderlijn"
    assert [m for m, _ in fake.calls][:3] == ["getMe", "deleteWebhook", "getUpdates"]
