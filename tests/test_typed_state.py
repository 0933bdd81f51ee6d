"""Typed conversation state: Literal states, one data record, one parser for button ids.

Stored rows stay what they were (old databases load, old buttons in parents' chats work);
whatever a row or a callback holds, the bot reads it without raising."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import get_args

import pytest

from bot.core import buttons
from bot.core.buttons import (
    Case,
    CaseMenu,
    Close,
    Faq,
    FaqFeedback,
    Forget,
    HandoffFeedback,
    Leave,
    Menu,
    Pass,
    PickRole,
    PickTopic,
    QueueStep,
    Release,
    Reopen,
    Stay,
    TreeNav,
    TreeStep,
    Unknown,
    VolunteerFlag,
)
from bot.core.choices import parse_button
from bot.core.engine import Engine
from bot.core.messages import Button
from bot.core.session import Session
from bot.core.state import STATES, TRIAGE_CATEGORIES, ConversationData, State, parse_state
from bot.storage import ConversationState
from bot.testing.fakes import FakeParent
from handoff import model
from tests.test_handoff_regressions import ODD_CHOICES

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

# Every kind of press with the id it has always had (the ids are a stored format: buttons in
# parents' chats are pressed days later).
IDS = [
    (Menu("ask"), "m:ask"),
    (Menu("tree"), "m:tree"),
    (Menu("person"), "m:person"),
    (Menu("menu"), "m:menu"),
    (Forget(yes=True), "m:forget:yes"),
    (Forget(yes=False), "m:forget:no"),
    (Faq("opp"), "f:opp"),
    (FaqFeedback(True, "opp"), "fb:y:opp"),
    (FaqFeedback(False, "thuiszitten-leerplicht"), "fb:n:thuiszitten-leerplicht"),
    (TreeStep("langer-dan-4-weken"), "t:langer-dan-4-weken"),
    (TreeNav("back"), "t:back"),
    (TreeNav("restart"), "t:restart"),
    (TreeNav("resume"), "t:resume"),
    (PickRole("advisor"), "h:role:advisor"),
    (PickRole("buddy"), "h:role:buddy"),
    (PickRole("either"), "h:role:either"),
    (PickTopic("autisme"), "h:topic:autisme"),
    (PickTopic(None), "h:topic:-"),
    (Leave(), "h:leave"),
    (Stay(), "h:stay"),
    (QueueStep("anyone", 7), "h:anyone:7"),
    (QueueStep("either", 7), "h:either:7"),
    (QueueStep("wait", 7), "h:wait:7"),
    (QueueStep("stop", 7), "h:stop:7"),
    (HandoffFeedback(True, 12), "h:fb:y:12"),
    (HandoffFeedback(False, 12), "h:fb:n:12"),
    (Reopen(12), "h:reopen:12"),
    (VolunteerFlag("cancel"), "v:cancel"),
    (VolunteerFlag("available"), "v:available"),
    (VolunteerFlag("away"), "v:away"),
    (Case("claim", 3), "v:claim:3"),
    (Case("switch", 3), "v:switch:3"),
    (Case("say", 3), "v:say:3"),
    (Case("note", 3), "v:note:3"),
    (Case("keep", 3), "v:keep:3"),
    (CaseMenu("pass", 3), "v:passmenu:3"),
    (CaseMenu("release", 3), "v:release:3"),
    (CaseMenu("close", 3), "v:closemenu:3"),
    (Release(3), "v:release!:3"),
    (Close(3, "advice"), "v:close:3:advice"),
    (Close(3, "buddy_contact", sure=True), "v:close!:3:buddy_contact"),
    (Pass(3, "advisor"), "v:pass:3:advisor"),
    (Pass(3, "buddy", sure=True), "v:pass!:3:buddy"),
    (Pass(3, 42), "v:pass:3:42"),
    (Pass(3, 42, sure=True), "v:pass!:3:42"),
    (Case("claim", 999_999_999_999), "v:claim:999999999999"),
]

MALFORMED = [
    "v:claim:abc",  # a number that is no number
    "h:reopen:",
    "x:y",  # an unknown prefix
    "f:" + "a" * 198,  # 200 characters
    "t:",  # no node
    "t:Geen Knoop",  # no node id
    "t:../etc",
    "v:claim:007",  # not as a builder writes it
    "v:claim:①",
    "v:claim:-1",
    "v:claim:1234567890123",  # more digits than a row id has
    "v:claim:1:2",
    "v:close:1:advice:x",
    "v:close:1:opgelost",
    "v:pass:1:coordinator",
    "v:pass:1:",
    "v:release!:",
    "v:frobnicate:1",
    "fb:x:opp",
    "fb:y:",
    "f:OPP",
    "h:role:boss",
    "h:topic:",
    "h:topic:a b",
    "h:fb:y:",
    "h:stop",
    "h::",
    "m:",
    "m:forget:maybe",
    "m:ask:now",
    "",
    ":",
    "ask",
    "f:\udc80",  # a lone surrogate (a forged callback)
    "f:" + "é" * 40,  # short in characters, over Telegram's 64 bytes
]


@pytest.mark.parametrize(("press", "raw"), IDS, ids=[raw for _, raw in IDS])
def test_every_builder_keeps_its_id_and_parses_back(press: buttons.Press, raw: str):
    assert press.id == raw
    assert parse_button(raw) == press
    assert press.button("Label") == Button(raw, "Label")


def test_every_kind_of_press_is_covered_by_the_round_trip():
    kinds = {type(press) for press, _ in IDS}
    assert kinds == set(get_args(buttons.Press)) - {Unknown}


@pytest.mark.parametrize("raw", MALFORMED)
def test_malformed_ids_are_unknown(raw: str):
    assert parse_button(raw) == Unknown(raw)


def test_parsing_never_raises_and_a_parsed_id_builds_back_the_same():
    rng = random.Random(14)
    words = "m f fb t h v : : y n 12 0 007 claim close! pass advisor advice role topic - reopen ①"
    pieces = [*words.split(), " ", "X"]
    fuzzed = ["".join(rng.choices(pieces, k=rng.randint(0, 7))) for _ in range(5_000)]
    for raw in [*ODD_CHOICES, *MALFORMED, *fuzzed]:
        press = parse_button(raw)
        assert isinstance(press, Unknown) or press.id == raw, raw


def test_every_id_the_shipped_content_can_build_parses_back(engine: Engine):
    tree = engine.tree.tree
    presses: list[buttons.Press] = [TreeStep(node) for node in tree.nodes]
    presses += [Faq(entry) for entry in engine.faq.entries]
    presses += [FaqFeedback(True, entry) for entry in engine.faq.entries]
    presses += [PickTopic(topic) for topic in engine.texts.topics]
    for press in presses:
        assert len(press.id.encode()) <= 64, press.id
        assert parse_button(press.id) == press, press.id


def test_the_literal_vocabularies_match_their_sources():
    assert get_args(State) == STATES
    assert get_args(buttons.RequestedRole) == buttons.REQUESTED_ROLES == model.REQUESTED_ROLES
    assert get_args(buttons.Outcome) == buttons.OUTCOMES == model.OUTCOMES
    assert TRIAGE_CATEGORIES == model.CATEGORIES
    pairs = [
        (buttons.MenuAction, buttons.MENU_ACTIONS),
        (buttons.TreeMove, buttons.TREE_MOVES),
        (buttons.QueueKind, buttons.QUEUE_KINDS),
        (buttons.Flag, buttons.FLAGS),
        (buttons.CaseKind, buttons.CASE_KINDS),
        (buttons.PassRole, buttons.PASS_ROLES),
    ]
    for literal, values in pairs:
        assert get_args(literal) == values
    assert set(buttons.MENU_IDS) == set(get_args(buttons.CaseMenuKind))


# -- states and the data record ----------------------------------------------------------------


@pytest.mark.parametrize("stored", ["menu", "asking", "tree", "person", "handoff"])
def test_known_states_parse_to_themselves(stored: str):
    assert parse_state(stored) == stored


@pytest.mark.parametrize("stored", ["wizard", "", "MENU", None, 3, ["menu"]])
def test_an_unknown_state_is_the_menu(stored: object):
    assert parse_state(stored) == "menu"


# What today's code stored, key by key, in the middle of a conversation.
OLD_ROW: dict[str, object] = {
    "shown": [["fb:y:opp", "👍 Ja"], ["fb:n:opp", "👎 Nee"], ["m:person", "Praat met een mens"]],
    "triage": "distress",
    "tree_leaf": True,
    "tree_left": True,
    "faq_asked": ["opp", "tlv"],
    "last_faq": "opp",
    "question_at": "2026-11-20T09:00:00.000000+00:00",
    "question_for": "opp",
    "suggested": True,
    "person_role": "buddy",
    "handoff": 12,
    "acked_at": "2026-11-20T09:01:30+00:00",
    "crisis_told": ["12:harm"],
    "link_attempts": 2,
}


def test_an_old_row_reads_as_typed_fields_and_writes_back_the_same():
    data = ConversationData.from_json(OLD_ROW)
    assert data.shown[0] == Button("fb:y:opp", "👍 Ja")
    assert data.triage == "distress" and data.person_role == "buddy" and data.handoff == 12
    assert data.acked_at == datetime(2026, 11, 20, 9, 1, 30, tzinfo=UTC)
    assert data.faq_asked == ["opp", "tlv"] and data.link_attempts == 2
    assert data.to_json() == OLD_ROW


def test_defaults_are_not_stored():
    assert ConversationData().to_json() == {}
    # Today's code sometimes left these behind; they read the same as absent.
    assert ConversationData.from_json({"tree_leaf": False, "crisis_told": []}).to_json() == {}


def test_keys_this_version_does_not_know_are_kept():
    row = {"handoff": 3, "from_a_newer_instance": {"x": [1]}}
    assert ConversationData.from_json(row).to_json() == row


BAD_ROWS: list[dict[str, object]] = [
    {"shown": "x"},
    {"shown": [[1, 2]], "faq_asked": "opp", "crisis_told": {"a": 1}},
    {"shown": [["m:menu"]], "handoff": "abc"},
    {"handoff": True, "link_attempts": -1},
    {"handoff": 1.5, "link_attempts": "3"},
    {"acked_at": "gisteren"},
    {"acked_at": "2026-11-20T09:00:00"},  # no time zone
    {"acked_at": 17},
    {"triage": "boos", "person_role": 3, "last_faq": ["opp"], "question_at": None},
    {"tree_leaf": "yes", "suggested": 1},
]


@pytest.mark.parametrize("row", BAD_ROWS)
def test_a_malformed_row_gives_defaults_and_never_raises(row: dict[str, object]):
    data = ConversationData.from_json(row)
    assert data == ConversationData()
    assert data.to_json() == {}


def test_a_session_writes_what_it_read():
    stored = ConversationState("c", "fake", "tree", "start", ("start",), True, OLD_ROW, T0, T0)
    session = Session.resume(stored, T0 + timedelta(minutes=1))
    assert session.state == "tree" and session.data.handoff == 12
    state = session.to_state()
    assert state.data == OLD_ROW and state.state == "tree"


# -- through the engine ------------------------------------------------------------------------


async def save(engine: Engine, state: ConversationState) -> None:
    await engine.store.transaction(lambda tx: tx.conversations.save(state))


async def test_a_bad_stored_row_never_gets_a_parent_stuck(engine: Engine):
    garbage: dict[str, object] = {
        "shown": "x", "handoff": "abc", "acked_at": "gisteren", "triage": 7,
        "faq_asked": {"a": 1}, "person_role": "boss", "link_attempts": "many",
    }  # fmt: skip
    await save(
        engine, ConversationState("ouder-1", "fake", "wizard", None, (), False, garbage, T0, T0)
    )
    parent = FakeParent(engine)
    await parent.says("hallo")
    assert parent.labels == ["Vraag stellen", "School lukt niet — wat nu?", "Praat met een mens"]
    stored = await engine.store.read(lambda tx: tx.conversations.load("ouder-1"))
    assert stored is not None and stored.state == "menu"
    assert "handoff" not in stored.data and "acked_at" not in stored.data


async def test_a_handoff_row_whose_handoff_is_gone_returns_to_the_bot(engine: Engine):
    row = {"handoff": 424242, "shown": [["h:leave", "Uit de wachtrij"]]}
    await save(
        engine, ConversationState("ouder-1", "fake", "handoff", None, (), False, row, T0, T0)
    )
    parent = FakeParent(engine)
    await parent.says("wat is een opp")
    assert "OPP" in parent.last and "Heeft dit geholpen?" in parent.last


async def test_an_old_button_in_the_chat_still_works(engine: Engine):
    """A row as the previous version stored it after an answer, and its 👍 pressed later."""
    row = {
        "faq_asked": ["opp"],
        "last_faq": "opp",
        "question_at": "2026-11-20T09:00:00.000000+00:00",
        "question_for": "opp",
        "shown": [
            ["m:person", "Praat met een mens"],
            ["fb:y:opp", "👍 Ja"],
            ["fb:n:opp", "👎 Nee"],
        ],
        "tree_leaf": False,
        "crisis_told": [],
    }
    await save(engine, ConversationState("ouder-1", "fake", "menu", None, (), False, row, T0, T0))
    parent = FakeParent(engine)
    await parent.presses_id("fb:y:opp")
    assert "Fijn dat het heeft geholpen" in parent.last
    await parent.presses_id("fb:y:opp")  # once answered, the same button is stale
    assert "Deze keuze is verlopen" in parent.received[-2].text


@pytest.mark.parametrize("data", [{}, {"tree_left": True}])
def test_the_stored_state_and_the_statistics_agree_in_either_order(data: dict[str, object]):
    """Leaving the tree is counted once, however often a writer asks for the state."""
    for state_first in (True, False):
        stored = ConversationState("c", "fake", "tree", "start", ("start",), False, data, T0, T0)
        session = Session.resume(stored, T0 + timedelta(minutes=1))
        session.state = "menu"
        if state_first:
            written = session.to_state()
            events = session.statistics()
        else:
            events = list(session.statistics())
            written = session.to_state()
        assert [e.outcome for e in events] == ([] if data else ["left"])
        assert [e.outcome for e in session.statistics()] == ([] if data else ["left"])
        assert written.data == {} and written.state == "menu"
