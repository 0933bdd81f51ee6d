"""Properties for arbitrary text (#15, hypothesis): reading input never raises, button ids
round-trip, the matcher and the crisis check never raise and stay in range, and what goes to
Telegram is always a text it accepts."""

from __future__ import annotations

import math
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.channels.telegram.render import MAX_CALLBACK_BYTES, keyboard, split_text
from bot.core import buttons as b
from bot.core.choices import parse_button, split_command, typed_choice
from bot.core.messages import Button, Outbound, pieces
from bot.core.safety import CATEGORIES, CrisisCheck
from bot.core.text_input import ascii_number, normalise
from faq.knowledge import Knowledge
from tests.hostile_corpus import CONTROL, DIRECTION, EMOJI, UNICODE, ZERO_WIDTH, corpus, iter_texts
from tests.stress import size

pytestmark = pytest.mark.stress
SETTINGS = settings(
    max_examples=size(100, 2000),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TELEGRAM_UNITS = 4096  # Telegram counts a message's length in UTF-16 code units

# Any text, with the hostile characters (and emoji sequences) much more likely than in plain
# st.text(): every code point can come, lone surrogates too.
hostile_piece = st.one_of(
    st.characters(codec=None),
    st.sampled_from(ZERO_WIDTH + DIRECTION + CONTROL + EMOJI + ("\x00", "<", "&", "*", "_")),
)


def texts(
    min_size: int = 0, max_size: int = 300, extra: tuple[str, ...] = ()
) -> st.SearchStrategy[str]:
    """Texts made of hostile pieces (and `extra` ones)."""
    piece = hostile_piece | st.sampled_from(extra) if extra else hostile_piece
    return st.lists(piece, min_size=min_size, max_size=max_size).map("".join)


hostile_text = st.one_of(
    texts(),
    st.sampled_from(list(iter_texts(corpus(400)))),
    st.sampled_from(UNICODE),
)


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@SETTINGS
@given(hostile_text)
@example("e\u200d\u0301")  # composes only once the joiner is gone
@example("\u1100\u00ad\u1161")
def test_normalise_never_raises_and_leaves_nothing_a_database_or_reader_trips_on(text):
    read = normalise(text)
    assert read is not None
    assert "\x00" not in read
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in read)
    assert not any(unicodedata.category(c) == "Cf" for c in read)
    assert normalise(read) == read  # the inbox and the engine both normalise


@SETTINGS
@given(texts(max_size=40))
def test_ascii_number_is_a_plain_bounded_number_or_none(text):
    number = ascii_number(text)
    assert number is None or (0 <= number < 10**12 and text == text.strip())


@SETTINGS
@given(hostile_text)
def test_any_callback_data_parses_to_a_press_and_never_raises(raw):
    press = parse_button(raw)
    if isinstance(press, b.Unknown):
        assert press.raw == raw
    else:  # a press read from an id builds that same id back
        assert press.id == raw
        assert len(raw.encode()) <= MAX_CALLBACK_BYTES


content_id = st.from_regex(r"[a-z0-9]{1,12}(-[a-z0-9]{1,8}){0,3}", fullmatch=True)
row = st.integers(min_value=0, max_value=10**12 - 1)
presses = st.one_of(
    st.builds(b.Menu, st.sampled_from(b.MENU_ACTIONS)),
    st.builds(b.Forget, st.booleans()),
    st.builds(b.Faq, content_id),
    st.builds(b.FaqFeedback, st.booleans(), content_id),
    st.builds(b.TreeNav, st.sampled_from(b.TREE_MOVES)),
    st.builds(b.TreeStep, content_id.filter(lambda node: node not in b.TREE_MOVES)),
    st.builds(b.PickRole, st.sampled_from(b.REQUESTED_ROLES)),
    st.builds(b.PickTopic, st.none() | st.from_regex(r"[a-z_]{1,20}", fullmatch=True)),
    st.just(b.Leave()),
    st.just(b.Stay()),
    st.builds(b.QueueStep, st.sampled_from(b.QUEUE_KINDS), row),
    st.builds(b.HandoffFeedback, st.booleans(), row),
    st.builds(b.Reopen, row),
    st.builds(b.VolunteerFlag, st.sampled_from(b.FLAGS)),
    st.builds(b.Case, st.sampled_from(b.CASE_KINDS), row),
    st.builds(b.CaseMenu, st.sampled_from(tuple(b.MENU_IDS)), row),
    st.builds(b.Release, row),
    st.builds(b.Close, row, st.sampled_from(b.OUTCOMES), st.booleans()),
    st.builds(b.Pass, row, st.sampled_from(b.PASS_ROLES) | row, st.booleans()),
)


@SETTINGS
@given(presses)
def test_every_press_round_trips_through_its_id(press):
    if len(press.id.encode()) > MAX_CALLBACK_BYTES:
        assert isinstance(parse_button(press.id), b.Unknown)  # too long for Telegram
    else:
        assert parse_button(press.id) == press
        assert keyboard([press.button("Knop")]) is not None  # Telegram takes it


@SETTINGS
@given(hostile_text, st.lists(presses, max_size=6))
def test_commands_and_typed_choices_never_raise(text, shown):
    command = split_command(text)
    assert command is None or text.strip().startswith("/")
    labels = ("👍 Ja", "👎 Nee", "Terug", *EMOJI)
    buttons = [press.button(label) for press, label in zip(shown, labels, strict=False)]
    chosen = typed_choice(text, buttons)
    assert chosen is None or chosen in buttons


@SETTINGS
@given(hostile_text)
def test_the_matcher_never_raises_and_scores_stay_between_0_and_1(knowledge: Knowledge, text):
    result = knowledge.matcher.match(normalise(text) or "")
    for score in result.scores.values():
        assert not math.isnan(score) and 0.0 <= score <= 1.0
    assert result.answer is None or result.answer.id in result.scores


@pytest.fixture(scope="module")
def crisis(content) -> CrisisCheck:
    """The session's crisis check (loading one costs seconds)."""
    _, safety, _ = content
    return safety  # type: ignore[no-any-return]


@SETTINGS
@given(hostile_text)
def test_the_crisis_check_never_raises(crisis: CrisisCheck, text):
    for message in (text, normalise(text)):
        triage = crisis.triage(message)
        assert triage.category is None or triage.category in CATEGORIES


@SETTINGS
@given(texts(max_size=9_000, extra=("\n", " ", "\n\n", "woord ")))
@example("😭" * 3000)  # 3,000 characters, 6,000 UTF-16 code units
@example(("🇳🇱 " * 1000) + "x" * 5000)
def test_what_goes_to_telegram_is_never_too_long_or_empty(text):
    text = normalise(text) or ""
    message = Outbound("ouder", text=text, buttons=(b.Menu("menu").button("Menu"),))
    sent = [piece.text for piece in pieces(message)]
    for piece in sent:
        assert utf16_units(piece) <= TELEGRAM_UNITS
        assert piece.strip() or not text.strip()  # an empty text only for an empty message
    for piece in split_text(text):  # the channel's safety net cuts the same way
        assert utf16_units(piece) <= TELEGRAM_UNITS
    kept = "".join("".join(piece.split()) for piece in sent)
    assert kept == "".join(text.split())  # nothing but white space is lost at the cuts


@SETTINGS
@given(st.lists(st.tuples(presses, texts(min_size=1, max_size=30)), max_size=8))
def test_a_keyboard_never_carries_callback_data_telegram_refuses(pairs):
    shown = [press.button(label) for press, label in pairs]
    fitting = [button for button in shown if len(button.id.encode()) <= MAX_CALLBACK_BYTES]
    markup = keyboard(fitting)
    keys = [key for row in (markup.inline_keyboard if markup else ()) for key in row]
    assert [key.callback_data for key in keys] == [button.id for button in fitting]
    assert all(isinstance(button, Button) for button in fitting)
