"""The web pages' texts and canned replies are plain Dutch too (Flesch-Douma 60 or more)."""

from __future__ import annotations

import re

import pytest
import yaml

from bot.channels.web.pages import LOCALES, load_page_texts

textstat = pytest.importorskip("textstat")
PAGES = ("web_chat_nl", "web_console_nl", "web_server_nl", "web_dashboard_nl")


def sentences() -> list[tuple[str, str]]:
    found = [
        (f"{page}:{key}", text) for page in PAGES for key, text in load_page_texts(page).items()
    ]
    canned = yaml.safe_load((LOCALES / "canned_nl.yaml").read_text(encoding="utf-8"))
    found += [(f"canned:{c['label']}", c["text"]) for c in canned]
    return found


def readable(text: str) -> str:
    """What a reader reads: without {placeholders} and web addresses."""
    text = re.sub(r"https?://\S+", "", text)
    return re.sub(r"\{\w+\}", "3", text)


def test_every_longer_web_text_reads_easily():
    textstat.set_lang("nl")
    hard = [
        (where, round(textstat.flesch_reading_ease(readable(text))), text)
        for where, text in sentences()
        if len(text.split()) >= 8 and textstat.flesch_reading_ease(readable(text)) < 60
    ]
    assert hard == []


def test_parents_are_addressed_with_u_and_volunteers_with_je():
    for key, text in load_page_texts("web_chat_nl").items():
        assert not re.search(r"\b(je|jij|jouw)\b", text, re.I), (key, text)
    for key, text in load_page_texts("web_console_nl").items():
        assert not re.search(r"\b(u|uw)\b", text), (key, text)
