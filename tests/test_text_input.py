"""Odd input never raises: what a person typed is normalised once, numbers are plain digits."""

from __future__ import annotations

import pytest

from bot.core.engine import Engine
from bot.core.text_input import ascii_number, normalise
from bot.testing.fakes import FakeParent


@pytest.mark.parametrize("text", ["²", "①", "₂", "9" * 5000, "٣", "1.5", "", " 3"])
def test_only_plain_short_digits_are_numbers(text):
    assert ascii_number(text) is None


def test_plain_digits_are_numbers():
    assert ascii_number("3") == 3 and ascii_number("000000000012") == 12


def test_normalise_reads_what_a_person_reads():
    assert normalise("zelf\u00admoord") == "zelfmoord"  # a soft hyphen inside the word
    assert normalise("ik wil do\u200bod") == "ik wil dood"  # a zero-width space
    assert normalise("ｍｉｊｎ ｚｏｏｎ") == "mijn zoon"  # full-width letters
    assert normalise("bad \ud800 half") == "bad \ufffd half"  # a lone surrogate
    assert normalise(None) is None


@pytest.mark.parametrize("text", ["²", "①", "₂", "9" * 5000, "\ud83d", "\u200b"])
async def test_odd_digits_and_characters_get_an_answer_not_an_error(engine: Engine, text):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.says(text)
    assert parent.last  # a friendly answer; nothing raised


async def test_hidden_characters_do_not_hide_a_crisis(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("hij praat over zelf\u00admoord")
    assert "113" in parent.last


async def test_a_volunteer_button_with_odd_digits_is_just_stale(line):
    sanne = await line.volunteer("Sanne")
    await sanne.presses_id("v:claim:①")
    assert "werkt niet meer" in sanne.last
