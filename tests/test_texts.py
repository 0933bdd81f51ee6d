"""The locale file: complete, strict, plain Dutch."""

from __future__ import annotations

import re

import pytest

from bot.core.text_keys import BUTTON_KEYS, TEXT_KEYS
from bot.core.texts import load_texts
from faq.model import ContentError
from faq.readability import MIN_FLESCH_DOUMA, flesch_douma

TEXTS = load_texts("nl")


def test_every_key_is_there():
    assert set(TEXTS.sentences) == TEXT_KEYS and set(TEXTS.buttons) == BUTTON_KEYS
    assert TEXTS.commands["vergeet"] == "forget" and TEXTS.commands["hulp"] == "help"


@pytest.mark.parametrize(
    "key",
    sorted(
        TEXT_KEYS
        - {"source_link", "faq_steps", "tree_steps", "tree_read_more", "faq_feedback", "menu"}
    ),
)
def test_sentences_are_plain_dutch_with_u(key):
    text = TEXTS.sentences[key]
    assert not re.search(r"\b(je|jij|jouw|jullie)\b", text, re.IGNORECASE)
    score = flesch_douma(text)
    assert score is not None and score >= MIN_FLESCH_DOUMA, (key, score)


@pytest.mark.parametrize(
    ("key", "numbers"),
    [
        ("crisis_suicide", ("112", "113", "0800-0113", "113.nl", "0800-0432")),
        ("crisis_harm", ("112", "0800-2000", "0900-1113111", "0800-0432")),
        ("distress_dark", ("113", "0800-0113")),
    ],
)
def test_each_kind_of_danger_has_its_own_numbers(key, numbers):
    for number in numbers:
        assert number in TEXTS.sentences[key], (key, number)


def test_the_numbers_are_cited_with_their_sources():
    source = (load_texts.__globals__["LOCALE_DIR"] / "nl.yaml").read_text(encoding="utf-8")
    for site in ("113.nl", "veiligthuis", "kindertelefoon.nl", "onderwijsinspectie.nl"):
        assert f"https://www.{site}" in source or f"https://english.{site}" in source, site


def test_missing_and_unknown_keys_are_reported_with_lines(tmp_path):
    source = tmp_path / "xx.yaml"
    original = (load_texts.__globals__["LOCALE_DIR"] / "nl.yaml").read_text(encoding="utf-8")
    broken = original.replace("welcome:", "welkom:", 1).replace(
        "  menu: Menu\n", "  menu: Menu\n  extra: X\n"
    )
    source.write_text(broken, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_texts("xx", tmp_path)
    message = str(caught.value)
    assert "unknown text key 'welkom'" in message and "missing text key 'welcome'" in message
    assert "unknown button key 'extra'" in message
    assert str(source) in message


def test_invalid_yaml_is_reported(tmp_path):
    (tmp_path / "xx.yaml").write_text("welcome: [kapot\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"xx\.yaml:2: YAML syntax"):
        load_texts("xx", tmp_path)


# Volunteer sentences that are whole sentences (not labels or templates around a header).
VOLUNTEER_SENTENCES = sorted(
    set(TEXTS.sections["volunteer"])
    - {"parent_label", "help", "new", "urgent", "escalated", "summary_note", "no_topic", "nobody"}
    - {"queue_head", "urgent_mark", "distress_mark", "urgent_buddy"}
)


@pytest.mark.parametrize("key", VOLUNTEER_SENTENCES)
def test_volunteer_sentences_are_plain_dutch_with_je(key):
    text = TEXTS.sections["volunteer"][key]
    assert not re.search(r"\b(u|uw)\b", text.replace("'u'", ""), re.IGNORECASE), key
    score = flesch_douma(text)
    assert score is not None and score >= MIN_FLESCH_DOUMA, (key, score)


def test_every_volunteer_command_and_outcome_is_there():
    assert TEXTS.volunteer_commands["volgende"] == "next"
    assert TEXTS.volunteer_commands["afsluiten"] == "close"
    assert set(TEXTS.sections["outcomes"]) >= {"advice", "referred", "no_response"}
    assert "vergeet" not in TEXTS.volunteer_commands  # parents' commands are separate
