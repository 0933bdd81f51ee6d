"""Malformed WebSocket frames against the real server (#15): binary, invalid JSON, JSON too
deep, wrong shapes and types, unknown kinds, frames over 1 MB, another session's buttons and
floods. Every frame gets a clear error frame, an ack or a clean close; the server stays up,
other tabs go on, and nothing is stored twice."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from typing import Any

import aiohttp
import pytest
from aiohttp import WSCloseCode

from bot.channels.web.parent_chat import MAX_FRAME_BYTES
from tests.hostile_corpus import corpus, sensible
from tests.stress import record, size
from tests.web_world import Console, Tab, WebParent, WebWorld

Frame = dict[str, Any]
ERROR_CODES = {"bad_frame", "too_long", "rate_limited"}
TABS = 3
BYSTANDERS = 5  # inbox rows of the calm tabs: three presses to the queue, two questions


def shapes(rng: random.Random, other: int) -> list[str | bytes]:
    """Frames no page of ours sends; `other` is a handoff of another session."""
    cid = f"h{rng.randrange(10**9)}"
    return [
        bytes(rng.randrange(256) for _ in range(rng.choice((1, 100, 5000)))),
        b"\x00" * 1000,
        "{",
        "nul\x00",
        "[" * 60_000,  # fits the frame limit, too deep for json
        '{"a":' * 20_000 + "1" + "}" * 20_000,
        "1e400",
        "NaN",
        "null",
        "[]",
        '"text"',
        json.dumps({"type": 5}),
        json.dumps({"type": ["text"], "text": "hoi", "client_id": cid}),
        json.dumps({"type": "text", "text": 5, "client_id": cid}),
        json.dumps({"type": "text", "text": {"a": 1}, "client_id": cid}),
        json.dumps({"type": "text", "text": "\u200b\u202e\u00ad", "client_id": cid}),
        json.dumps({"type": "text", "text": "hoi", "client_id": "x" * 65}),
        json.dumps({"type": "text", "text": "hoi", "client_id": ["a"]}),
        json.dumps({"type": "button", "id": None, "client_id": cid}),
        json.dumps({"type": "button", "id": "é" * 33, "client_id": cid}),
        json.dumps({"type": "resume", "after": -1}),
        json.dumps({"type": "resume", "after": "0"}),
        json.dumps({"type": "resume", "after": True}),
        json.dumps({"type": "resume", "after": 10**30}),
        '{"type": "resume", "after": 1e400}',
        json.dumps({"type": "hack", "client_id": cid}),
        json.dumps({"type": "claim", "handoff": other, "client_id": cid}),
        json.dumps({"type": "__proto__", "constructor": {"prototype": 1}}),
        json.dumps({"type": "text", "text": "x" * 10_001, "client_id": cid}),
    ]


def foreign_buttons(other: int) -> list[str]:
    """Button ids of another parent's handoff and of volunteers."""
    return [
        *(f"h:stop:{other}", f"h:reopen:{other}", f"h:fb:n:{other}", f"v:claim:{other}"),
        "m:ask\ud800",  # a lone surrogate: stored as a harmless unknown press
    ]


async def answer(tab: Tab, since: int, timeout: float = 20.0) -> Frame | None:
    """The first ack or error frame after frame number `since`; None when the socket closed."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        for frame in tab.frames[since:]:
            if frame.get("type") in ("ack", "error"):
                return frame
        left = deadline - asyncio.get_running_loop().time()
        assert left > 0, f"no answer; last frames {tab.frames[-3:]}"
        try:
            await tab._read(left)
        except ConnectionError:
            return None


async def send(tab: Tab, frame: str | bytes) -> Frame | None:
    """Send one raw frame and wait for what answers it. A frame over the server's limit
    closes the socket (1009, a clean close): then `{"type": "closed"}` and a new socket."""
    since = len(tab.frames)
    raw = frame if isinstance(frame, bytes) else frame.encode("utf-8", "surrogatepass")
    if isinstance(frame, bytes):
        await tab.ws.send_bytes(frame)
    else:
        await tab.ws.send_str(frame)
    got = await answer(tab, since)
    if got is None and isinstance(tab, WebParent) and len(raw) > MAX_FRAME_BYTES:
        code = tab.ws.close_code
        await tab.connect()
        return {"type": "closed", "code": code}
    return got


class Tally:
    """What the hostile tabs got back."""

    def __init__(self) -> None:
        self.sent = 0
        self.answers: dict[str, int] = {}
        self.closed = 0
        self.acked: set[tuple[str, str]] = set()  # (address, client_id) stored
        self.problems: list[str] = []

    def note(self, what: str, got: Frame | None, tab: WebParent | None = None) -> None:
        self.sent += 1
        key = "closed" if got is None else f"{got['type']}:{got.get('code', '')}"
        self.answers[key] = self.answers.get(key, 0) + 1
        if got is None:
            self.problems.append(f"{what}: socket closed")
        elif got["type"] == "closed":
            if got["code"] != WSCloseCode.MESSAGE_TOO_BIG:
                self.problems.append(f"{what}: closed with {got['code']}")
        elif got["type"] == "error":
            if got.get("code") not in ERROR_CODES or sensible(got.get("text", "")):
                self.problems.append(f"{what}: unclear error {got}")
        elif tab is not None and not got.get("duplicate"):
            self.acked.add((tab.address, str(got["client_id"])))


@pytest.mark.stress
async def test_malformed_frames_get_clear_answers_and_the_server_stays_up(web_world, caplog):
    world: WebWorld = web_world
    rng = random.Random(15)
    bystander = await world.parent()
    await bystander.messages()
    await bystander.asks_for_person()  # a handoff that is not the hostile tabs'
    handoff = await world.store.read(lambda tx: tx.queue.latest_for(bystander.address))
    assert handoff is not None and handoff.status == "queued"
    eva = await world.volunteer("Eva")
    calm = await world.parent()  # another tab that only asks questions
    await calm.messages()
    tabs = [await world.parent() for _ in range(TABS)]
    # lone surrogates (a page cutting an emoji in half) and NUL no database stores as they are
    texts = [m.text for m in corpus(200) if m.text] + ["hoi \ud800 daar", "a\x00b", "\udc00"] * 20
    tally = Tally()
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING):
        for n, tab in enumerate(tabs):  # lone surrogates: a page that cut an emoji in half
            for kind, field, value in (("button", "id", "m:ask\ud800"), ("text", "text", "\udc00")):
                body = json.dumps({"type": kind, field: value, "client_id": f"s{kind}{n}"})
                tally.note(f"{kind} {value!r}", await send(tab, body), tab)
        for i in range(size(60, 1500)):
            tab = tabs[i % TABS]
            step = rng.random()
            if step < 0.5:
                frame = rng.choice(shapes(rng, handoff.id))
                tally.note(f"shape {frame[:40]!r}", await send(tab, frame))
            elif step < 0.7:
                cid = f"b{i}"
                choice = rng.choice(foreign_buttons(handoff.id))
                body = json.dumps({"type": "button", "id": choice, "client_id": cid})
                tally.note(choice, await send(tab, body), tab)
            else:
                cid = f"t{i}"
                body = json.dumps({"type": "text", "text": rng.choice(texts), "client_id": cid})
                tally.note("text", await send(tab, body), tab)
                if rng.random() < 0.3:  # the same message again: stored once
                    again = await send(tab, body)
                    tally.note("resend", again, tab)
                    if again is not None and again["type"] == "ack":
                        assert again["duplicate"] is True
        await flood(tabs[0], tally)
        await too_big(tabs[1], calm, tally)
        await world.settled(timeout=60)
        after = await world.store.read(lambda tx: tx.queue.latest_for(bystander.address))
        assert after is not None and after.status == "queued" and after.feedback is None
        await hostile_console(eva, handoff.id, tally)
        await world.settled(timeout=60)
    assert "OPP" in (await calm.says("wat is een opp"))[0]["text"]  # others go on
    for tab in tabs:
        await tab.messages()
        said = [f["text"] for f in tab.frames if f["type"] == "message" and f["from"] == "bot"]
        tally.problems += [f"bot said: {why}: {t[:60]!r}" for t in said if (why := sensible(t))]
    stored = world.rows("SELECT count(*) FROM inbox WHERE channel = 'web'")[0][0]
    twice = world.rows(
        "SELECT address, client_id FROM web_messages WHERE client_id IS NOT NULL"
        " GROUP BY address, client_id HAVING count(*) > 1"
    )
    figures = {
        "frames": tally.sent,
        "answers": tally.answers,
        "stored": stored,
        "exceptions": 0,
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(f"\nhostile web: {figures}")
    record("hostile-web", figures)
    assert not tally.problems, "\n".join(tally.problems[:20])
    assert not twice
    assert stored == len(tally.acked) + BYSTANDERS
    assert "Traceback" not in caplog.text and not any(r.exc_info for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text[-2000:]


async def flood(tab: WebParent, tally: Tally) -> None:
    """Frames as fast as the socket takes them: every one answered, some slowed down."""
    since = len(tab.frames)
    for n in range(size(40, 400)):
        frame = {"type": "text", "text": f"vraag {n}", "client_id": f"f{n}"} if n % 2 else {}
        await tab.ws.send_str(json.dumps(frame))
    deadline = asyncio.get_running_loop().time() + 30
    while len([f for f in tab.frames[since:] if f["type"] in ("ack", "error")]) < size(40, 400):
        assert asyncio.get_running_loop().time() < deadline, "a flooded frame went unanswered"
        await tab._read(30)
    for frame in tab.frames[since:]:
        if frame["type"] in ("ack", "error"):
            tally.note("flood", frame, tab)
    assert any(f.get("code") == "rate_limited" for f in tab.frames[since:])


async def too_big(tab: WebParent, calm: WebParent, tally: Tally) -> None:
    """A 1 MB frame closes that socket cleanly (1009); the session comes back, others go on."""
    await tab.ws.send_str(json.dumps({"type": "text", "text": "a" * 1_100_000, "client_id": "x"}))
    closing = await tab.ws.receive(timeout=10)
    while closing.type == aiohttp.WSMsgType.TEXT:  # replies still under way come first
        closing = await tab.ws.receive(timeout=10)
    assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 1009
    tally.answers["closed:1009"] = tally.answers.get("closed:1009", 0) + 1
    await tab.connect()
    assert "OPP" in (await calm.says("wat is een opp"))[0]["text"]  # answered meanwhile


async def hostile_console(eva: Console, other: int, tally: Tally) -> None:
    """The console's socket: the same kinds of junk get its error frame, and it stays open."""
    junk: list[str | bytes] = [
        b"\x01\x02",
        "[" * 60_000,
        "{",
        json.dumps([1, 2]),
        json.dumps({"type": "claim", "handoff": "1", "client_id": "c1"}),
        json.dumps({"type": "claim", "handoff": 10**30, "client_id": "c2"}),
        json.dumps({"type": "claim", "handoff": True, "client_id": "c3"}),
        json.dumps({"type": "say", "handoff": other, "text": "x" * 20_000, "client_id": "c4"}),
        json.dumps({"type": "press", "id": "h:stop:1", "client_id": "c5"}),
        json.dumps(
            {"type": "action", "action": "drop_tables", "handoff": other, "client_id": "c6"}
        ),
        json.dumps({"type": "available", "value": "ja", "client_id": "c7"}),
    ]
    for frame in junk:
        got = await send(eva, frame)
        assert got is not None and got["type"] == "error" and not sensible(got["text"]), frame[:40]
        tally.sent += 1
    got = await send(
        eva, json.dumps({"type": "press", "id": "v:claim:" + "9" * 80, "client_id": "c8"})
    )
    assert got is not None and got["type"] in ("ack", "error")
    await eva.act("claim", handoff=other)  # still a working console
    await eva.desk(button="v:")
