"""`ouderlijn run --demo` as a real process: it prints its URLs and one-time console links,
serves the chat, and on SIGTERM closes sockets cleanly and loses nothing."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sqlite3
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

ROOT = Path(__file__).resolve().parents[1]
ALWAYS_OPEN = "".join(
    f'{d} = "00:00-24:00"\n' for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
)


STARTED: list[asyncio.subprocess.Process] = []


@pytest.fixture(autouse=True)
async def no_process_left_behind():
    """A failing test must not leave an `ouderlijn run` behind."""
    yield
    while STARTED:
        process = STARTED.pop()
        if process.returncode is None:
            process.kill()
            await process.wait()


async def start(cwd: Path, *args: str) -> tuple[asyncio.subprocess.Process, list[str]]:
    """Start `ouderlijn run` and read its start lines (up to "Stop with Ctrl-C")."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", "--listen", "127.0.0.1:0", *args,
        cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    STARTED.append(process)
    assert process.stdout is not None
    lines: list[str] = []
    while not lines or "Stop with Ctrl-C" not in lines[-1]:
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        if not line:
            err = await process.stderr.read() if process.stderr else b""
            pytest.fail(f"ouderlijn run ended early: {err.decode()[-2000:]}")
        lines.append(line.decode().rstrip())
    return process, lines


async def stop(process: asyncio.subprocess.Process) -> int:
    process.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(process.wait(), 20)


async def test_run_demo_prints_urls_and_links_serves_the_chat_and_stops_cleanly(tmp_path):
    (tmp_path / "ouderlijn.toml").write_text(f"[helpline.hours]\n{ALWAYS_OPEN}", encoding="utf-8")
    process, lines = await start(tmp_path, "--demo")
    text = "\n".join(lines)
    base = re.search(r"running on (http://127\.0\.0\.1:\d+)", text)
    assert base is not None, text
    url = base.group(1)
    assert f"{url}/chat" in text and f"{url}/console" in text
    links = re.findall(rf"{re.escape(url)}/console/login\?token=\S+", text)
    assert len(links) == 3, "an advisor, a buddy and a coordinator"
    assert "Ria (coördinator)" in text
    async with aiohttp.ClientSession() as client:
        assert await (await client.get(f"{url}/healthz")).text() == "ok"
        login = await client.get(links[0])
        assert login.status == 200 and "token" in await login.text()
        ws = await client.ws_connect(f"{url}/ws?session=run-test-session-token-0001")
        await ws.send_json({"type": "resume", "after": 0})
        await ws.send_json({"type": "text", "text": "wat is een opp", "client_id": "a1"})
        seen: list[dict[str, Any]] = []
        while not any("OPP" in f.get("text", "") for f in seen):
            seen.append(json.loads((await ws.receive(timeout=10)).data))
        assert {"type": "ack", "client_id": "a1", "duplicate": False} in seen
        closing_frame = asyncio.create_task(ws.receive(timeout=20))  # a browser always reads
        assert await stop(process) == 0
        closing = await closing_frame
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert ws.close_code == 1001  # going away: the page reconnects and resumes


async def test_messages_acked_just_before_sigterm_are_all_answered_after_the_restart(tmp_path):
    (tmp_path / "ouderlijn.toml").write_text(f"[helpline.hours]\n{ALWAYS_OPEN}", encoding="utf-8")
    process, lines = await start(tmp_path)
    url = re.search(r"running on (\S+)", lines[0])
    assert url is not None
    questions = [
        "wat is een tlv",
        "wat is een opp",
        "mag school mijn kind schorsen",
        "wat is een sbo",
    ] * 2
    async with aiohttp.ClientSession() as client:
        ws = await client.ws_connect(f"{url.group(1)}/ws?session=run-test-session-token-0002")
        await ws.send_json({"type": "resume", "after": 0})
        for i, question in enumerate(questions):
            await ws.send_json({"type": "text", "text": question, "client_id": f"t{i}"})
        acks = 0
        while acks < len(questions):
            frame = json.loads((await ws.receive(timeout=10)).data)
            acks += frame["type"] == "ack"
        await stop(process)  # right after the last ack: some may not be handled yet
    process, _ = await start(tmp_path)  # the restart handles what was stored
    await asyncio.sleep(2)
    await stop(process)
    db = sqlite3.connect(tmp_path / "ouderlijn.db")
    rows = db.execute("SELECT handled_at IS NOT NULL FROM inbox WHERE channel = 'web'").fetchall()
    assert len(rows) == len(questions) and all(handled for (handled,) in rows)
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0, "all delivered"
    shown = db.execute("SELECT count(*) FROM web_messages WHERE sender = 'bot'").fetchone()[0]
    assert shown >= 2 + len(questions), "the welcome, then a reply to every question"
