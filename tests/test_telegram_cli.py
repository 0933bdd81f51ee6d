"""`ouderlijn telegram` as an operator runs it: a real process, environment variables, SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.fake_telegram import FakeBotApi

OUDERLIJN = Path(sys.executable).parent / "ouderlijn"


async def test_the_command_serves_parents_and_stops_cleanly_without_leaking(tmp_path):
    async with FakeBotApi() as api:
        env = dict(
            os.environ,
            OUDERLIJN_TELEGRAM_TOKEN=api.token,
            OUDERLIJN_TELEGRAM_API_URL=api.url,
            OUDERLIJN_DB=str(tmp_path / "ouderlijn.db"),
        )
        process = await asyncio.create_subprocess_exec(
            str(OUDERLIJN), "telegram", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
        )
        try:
            parent = api.user(4242, "Marieke", "de Vries", "mariekedv")
            api.user_sends(parent, "wat is een tlv")
            await api.wait_for(lambda m: "Heeft dit geholpen?" in (m.text or ""), timeout=30)
        finally:
            process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(process.wait(), 20)
        assert process.stderr is not None
        log = (await process.stderr.read()).decode()
        assert code == 0, log
        assert "polling for updates" in log
        for secret in (api.token, "Marieke", "mariekedv", "wat is een tlv", "4242"):
            assert secret not in log


async def test_without_a_token_it_says_what_is_missing(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUDERLIJN_")}
    process = await asyncio.create_subprocess_exec(
        str(OUDERLIJN), "telegram", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    error = (await process.stderr.read()).decode()
    assert await process.wait() == 2
    assert "OUDERLIJN_TELEGRAM_TOKEN is not set" in error and "BotFather" in error


async def run_briefly(env: dict[str, str], cwd: Path) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        str(OUDERLIJN),
        "telegram",
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, (out + err).decode()


async def test_a_rejected_token_is_one_clear_line_without_the_token(tmp_path):
    async with FakeBotApi() as api:
        wrong = "999999:WRONG-token-that-must-not-be-printed"
        env = dict(
            os.environ,
            OUDERLIJN_TELEGRAM_TOKEN=wrong,
            OUDERLIJN_TELEGRAM_API_URL=api.url,
            OUDERLIJN_DB=str(tmp_path / "ouderlijn.db"),
        )
        code, output = await run_briefly(env, tmp_path)
    assert code == 2, output
    assert "the bot token was rejected" in output
    assert wrong not in output and "WRONG-token" not in output and "Traceback" not in output


async def test_an_unreachable_api_is_one_clear_line(tmp_path):
    env = dict(
        os.environ,
        OUDERLIJN_TELEGRAM_TOKEN="123:abc",
        OUDERLIJN_TELEGRAM_API_URL="http://127.0.0.1:9",
        OUDERLIJN_DB=str(tmp_path / "ouderlijn.db"),
    )
    code, output = await run_briefly(env, tmp_path)
    assert code == 3, output
    assert "cannot reach the Bot API at http://127.0.0.1:9" in output
    assert "Traceback" not in output and "123:abc" not in output
