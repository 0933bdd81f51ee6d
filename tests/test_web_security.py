"""What keeps the web surfaces safe: the headers on every response, body and frame limits,
sessions that never see each other, parents who cannot act as volunteers, and pages with no
inline script or style (the CSP would block them anyway)."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from bot.channels.web.pages import STATIC, TEMPLATES
from bot.web_settings import WebSettings
from tests.web_world import WebWorld

PAGES = ["/", "/chat", "/widget", "/console", "/console/login?token=x", "/static/chat.js", "/nope"]


def csp_of(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split()[0]: " ".join(d.split()[1:]) for d in policy.split(";") if d.strip()}


# -- headers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
async def test_every_response_carries_the_security_headers(web_world, path):
    response = await web_world.session().get(f"{web_world.url}{path}", allow_redirects=False)
    assert response.status == 404 if path == "/nope" else response.status in (200, 403)
    csp = csp_of(response)
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["default-src"] == "'self'" and csp["base-uri"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # no other site learns an address (a login link holds its token): no-referrer or
    # same-origin (Chromium sends `Origin: null` on our own form posts with no-referrer)
    assert response.headers["Referrer-Policy"] in ("no-referrer", "same-origin")
    if path.startswith("/console"):
        assert response.headers["Cache-Control"] == "no-store"


async def test_only_the_widget_may_be_framed_and_only_by_the_configured_sites(
    tmp_path, full_content
):
    settings = WebSettings(port=0, widget_origins=("https://www.example.org",))
    async with WebWorld(tmp_path, full_content, settings) as world:
        browser = world.session()
        widget = await browser.get(f"{world.url}/widget")
        assert csp_of(widget)["frame-ancestors"] == "https://www.example.org"
        assert "X-Frame-Options" not in widget.headers
        assert 'data-allowed-origins="https://www.example.org"' in await widget.text()
        assert 'data-mode="widget"' in await widget.text()
        page = await browser.get(f"{world.url}/chat")
        assert csp_of(page)["frame-ancestors"] == "'none'"
        assert page.headers["X-Frame-Options"] == "DENY"


async def test_without_configured_sites_the_widget_cannot_be_framed(web_world):
    widget = await web_world.session().get(f"{web_world.url}/widget")
    assert csp_of(widget)["frame-ancestors"] == "'none'"


async def test_a_form_body_over_64_kib_is_refused(web_world):
    response = await web_world.session().post(
        f"{web_world.url}/console/login",
        data={"token": "x" * (65 * 1024)},
        headers={"Origin": web_world.url},
    )
    assert response.status == 413
    assert "Content-Security-Policy" in response.headers
    assert (await web_world.session().get(f"{web_world.url}/healthz")).status == 200


# -- isolation ----------------------------------------------------------------------------------


async def test_two_parents_never_see_each_others_messages(web_world):
    anna = await web_world.parent()
    bram = await web_world.parent()
    await anna.messages()
    await bram.messages()
    await anna.says("Mijn dochter Lotte heeft dyslexie", client_id="same-id")
    await bram.says("wat is een opp", client_id="same-id")  # same client id, other session
    assert [f["duplicate"] for f in bram.frames if f["type"] == "ack"] == [False]
    anna_again = await web_world.parent(token=anna.token)
    bram_again = await web_world.parent(token=bram.token)
    anna_ids = {m["id"] for m in await anna_again.messages()}
    bram_seen = await bram_again.messages()
    assert anna_ids and not anna_ids & {m["id"] for m in bram_seen}
    assert not any("Lotte" in m["text"] for m in bram_seen)
    assert not any("Lotte" in json.dumps(f) for f in bram.frames)
    assert anna.address != bram.address
    assert anna.token not in json.dumps(web_world.rows("SELECT * FROM web_messages"))


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "claim", "handoff": 1, "client_id": "p1"},
        {"type": "say", "handoff": 1, "text": "Ik ben de vrijwilliger", "client_id": "p2"},
        {"type": "action", "action": "close", "handoff": 1, "client_id": "p3"},
        {"type": "press", "id": "v:claim:1", "client_id": "p4"},
        {"type": "available", "value": True, "client_id": "p5"},
    ],
    ids=lambda f: f["type"],
)
async def test_a_parents_socket_cannot_speak_console(web_world, frame):
    parent = await web_world.parent()
    await parent.messages()
    await parent.send(frame)
    assert (await parent.wait_for("error"))["code"] == "bad_frame"


async def test_a_parent_pressing_a_volunteers_button_claims_nothing(web_world):
    eva = await web_world.volunteer("Eva")
    waiting = await web_world.parent()
    await waiting.messages()
    await waiting.asks_for_person()
    handoff = await eva.first_in_queue()
    sly = await web_world.parent()
    await sly.messages()
    answer = await sly.presses(f"v:claim:{handoff}")
    assert answer[0]["text"].startswith("Deze keuze is verlopen.")
    assert web_world.rows("SELECT status, volunteer_id FROM handoffs") == [("queued", None)]


async def test_a_console_cannot_press_a_parents_buttons(web_world):
    eva = await web_world.volunteer("Eva")
    await eva.state()
    await eva.send({"type": "press", "id": "m:forget:yes", "client_id": "v1"})
    error = await eva.wait_for("error")
    assert error["text"].startswith("Dat kon de console niet lezen.")


async def test_a_volunteer_cannot_write_into_a_colleagues_conversation(web_world):
    eva = await web_world.volunteer("Eva")
    kees = await web_world.volunteer("Kees")
    parent = await web_world.parent()
    await parent.messages()
    await parent.asks_for_person()
    handoff = await eva.first_in_queue()
    await eva.act("claim", handoff=handoff)
    await parent.messages()
    await kees.act("say", handoff=handoff, text="Ik lees mee")
    await kees.act("action", action="close", handoff=handoff)
    await asyncio.sleep(0.5)
    assert await parent.messages() == []
    assert all(c["id"] != handoff for c in (await kees.state())["conversations"])


async def test_an_impossible_handoff_id_does_not_break_the_console(web_world):
    eva = await web_world.volunteer("Eva")
    await eva.state()
    await eva.send({"type": "typing", "handoff": 10**30})
    await eva.act("available", value=False)
    assert (await eva.state())["me"]["available"] is False


# -- the pages themselves -----------------------------------------------------------------------


async def test_every_template_renders_with_what_the_server_gives(web_world):
    eva = await web_world.volunteer("Eva")
    carla = await web_world.volunteer("Carla", "coordinator")
    link = await web_world.login_link(await web_world.add_volunteer("Kees", "advisor"))
    stranger = web_world.session()
    pages = {
        "chat": await stranger.get(f"{web_world.url}/"),
        "widget": await stranger.get(f"{web_world.url}/widget"),
        "login form": await stranger.get(link),
        "login refused": await stranger.get(f"{web_world.url}/console/login?token=nope"),
        "no session": await stranger.get(f"{web_world.url}/console"),
        "console": await eva.client.get(f"{web_world.url}/console"),
        "dashboard": await carla.client.get(f"{web_world.url}/dashboard"),
    }
    for name, response in pages.items():
        html = await response.text()
        assert response.status in (200, 403), name
        assert "{{" not in html and "}}" not in html, name
        assert html.startswith("<!doctype html>") and '<html lang="nl">' in html, name
        block = re.search(r'<script type="application/json" id="texts">(.*?)</script>', html, re.S)
        if block:
            assert isinstance(json.loads(block.group(1)), dict), name
    assert 'data-csrf="' + eva.csrf + '"' in await pages["console"].text()
    assert "Eva" in await pages["console"].text() and "Carla" in await pages["dashboard"].text()


async def test_a_volunteers_name_is_shown_as_text_not_markup(web_world):
    name = '<img src=x onerror="alert(1)">'
    link = await web_world.login_link(await web_world.add_volunteer(name, "advisor"))
    html = await (await web_world.session().get(link)).text()
    assert name not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTR = re.compile(r"\sstyle\s*=", re.I)


def sources(folder: Path, *suffixes: str) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in suffixes)


@pytest.mark.parametrize("path", sources(TEMPLATES, ".html"), ids=lambda p: p.name)
def test_no_template_has_inline_script_style_or_handlers(path):
    html = path.read_text(encoding="utf-8")
    for attributes, body in SCRIPT.findall(html):
        if "src=" in attributes:
            assert not body.strip(), f"{path.name}: a <script src> with a body"
        else:
            assert 'type="application/json"' in attributes, f"{path.name}: inline script"
    assert not re.search(r"<style\b", html, re.I), f"{path.name}: a <style> block"
    assert not STYLE_ATTR.search(html), f"{path.name}: a style= attribute"
    assert not HANDLER.search(html), f"{path.name}: an on…= handler"
    assert "javascript:" not in html.lower()
    assert not re.search(r"(src|href)=\"(https?:)?//", html), f"{path.name}: a CDN"


def without_comments(js: str) -> str:
    js = re.sub(r"/\*.*?\*/", "", js, flags=re.S)
    return re.sub(r"(?m)^\s*//.*$", "", js)


@pytest.mark.parametrize("path", sources(STATIC, ".js"), ids=lambda p: p.name)
def test_no_script_builds_html_from_strings_or_inline_handlers(path):
    js = without_comments(path.read_text(encoding="utf-8"))
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
        assert forbidden not in js, f"{path.name}: {forbidden}"
    assert not re.search(r"\beval\s*\(|new Function\s*\(", js), path.name
    assert not re.search(r"setAttribute\(\s*['\"](style|on[a-z]+)['\"]", js), path.name
    assert not re.search(r"<[a-z][^<>'\"]*\s(style|on[a-z]+)\s*=", js, re.I), path.name
    assert not re.search(r"postMessage\([^)]*['\"]\*['\"]\s*\)", js), f"{path.name}: to '*'"


@pytest.mark.parametrize("path", sources(STATIC, ".css"), ids=lambda p: p.name)
def test_stylesheets_load_nothing_from_elsewhere(path):
    css = path.read_text(encoding="utf-8")
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//|expression\(", css), path.name
