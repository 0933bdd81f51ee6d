"""What a person chose: a button id read back into its press, or typed text that means one
("2", "terug" or "langer dan 4 weken" count as a press), or a command ("/menu").

`parse_button` is the one parser of button ids (`bot.core.buttons` builds them). It gives
`Unknown` for what it does not recognise: a forged or stale callback, an unknown prefix, a
number that is no number, a value outside its list, an id that is too long. Whether a
well-formed press still means something now (the FAQ entry exists, the tree node is a choice
of the current step, the handoff is the parent's latest) the flows decide.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from bot.core.buttons import (
    CASE_KINDS,
    FAQ,
    FEEDBACK,
    FLAGS,
    HANDOFF,
    MENU,
    MENU_ACTIONS,
    MENU_IDS,
    NO_TOPIC,
    OUTCOMES,
    PASS_ROLES,
    QUEUE_KINDS,
    REQUESTED_ROLES,
    TREE,
    TREE_MOVES,
    VOLUNTEER,
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
    PassRole,
    PickRole,
    PickTopic,
    Press,
    QueueStep,
    Release,
    Reopen,
    Stay,
    TreeNav,
    TreeStep,
    Unknown,
    VolunteerFlag,
    one_of,
)
from bot.core.messages import Button
from bot.core.text_input import ascii_number
from faq.textfold import fold

__all__ = [  # the prefixes too, where other modules have always found them
    "FAQ",
    "FEEDBACK",
    "HANDOFF",
    "MENU",
    "TREE",
    "TYPED_CHOICE_CUTOFF",
    "VOLUNTEER",
    "parse_button",
    "split_command",
    "typed_choice",
]

MAX_ID_BYTES = 64  # Telegram's limit for callback data
# FAQ entry and tree node ids: lower-case words joined by "-" (faq.loader, faq.decision_tree).
_CONTENT_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_TOPIC = re.compile(r"[^:\s]+")  # a key of the locale's open `topics` section
TYPED_CHOICE_CUTOFF = 88.0


def split_command(text: str | None) -> tuple[str, str] | None:
    """("menu", "") for "/menu", ("aanmelden", "K7QM-3XPD") for "/aanmelden@bot K7QM-3XPD";
    None when the text is not a command."""
    stripped = (text or "").strip()
    if not stripped.startswith("/"):
        return None
    word, _, arg = stripped[1:].partition(" ")
    return word.split("@")[0].lower(), arg.strip()


def typed_choice(text: str, shown: list[Button]) -> Button | None:
    """The shown button a typed message means: its number, or a close match of its label."""
    number = ascii_number(text.strip().rstrip(".)"))
    if number is not None:
        index = number - 1
        return shown[index] if 0 <= index < len(shown) else None
    typed = fold(text)
    if not typed:  # emoji only: "👍" presses "👍 Ja"
        symbols = text.strip()
        return next((b for b in shown if symbols and b.label.startswith(symbols)), None)
    if len(typed) > 80:
        return None
    labels = {b.id: fold(b.label) for b in shown}
    found = process.extractOne(typed, labels, scorer=fuzz.ratio, score_cutoff=TYPED_CHOICE_CUTOFF)
    if found is None:
        return None
    return next(b for b in shown if b.id == found[2])


# -- parsing ----------------------------------------------------------------------------------


def parse_button(raw: str) -> Press:
    """The press an id stands for; `Unknown(raw)` when it is none (never raises)."""
    if len(raw) > MAX_ID_BYTES or len(raw.encode("utf-8", "replace")) > MAX_ID_BYTES:
        return Unknown(raw)
    prefix, colon, rest = raw.partition(":")
    parse = _PARSERS.get(prefix + colon)
    found = parse(rest.split(":")) if parse is not None else None
    return found if found is not None else Unknown(raw)


def _row(text: str) -> int | None:
    """A row id as the builders write it: 1 to 12 ASCII digits without leading zeros ("①",
    "-1", "007", "" and 40 digits are none), so a parsed id always builds back the same."""
    row = ascii_number(text)
    return row if row is not None and str(row) == text else None


def _yes_no(text: str, yes: str, no: str) -> bool | None:
    return True if text == yes else False if text == no else None


def _menu(parts: list[str]) -> Press | None:
    match parts:
        case [word]:
            action = one_of(word, MENU_ACTIONS)
            return Menu(action) if action is not None else None
        case ["forget", answer]:
            yes = _yes_no(answer, "yes", "no")
            return Forget(yes) if yes is not None else None
    return None


def _faq(parts: list[str]) -> Press | None:
    match parts:
        case [entry] if _CONTENT_ID.fullmatch(entry):
            return Faq(entry)
    return None


def _feedback(parts: list[str]) -> Press | None:
    match parts:
        case [answer, entry] if _CONTENT_ID.fullmatch(entry):
            helped = _yes_no(answer, "y", "n")
            return FaqFeedback(helped, entry) if helped is not None else None
    return None


def _tree(parts: list[str]) -> Press | None:
    match parts:
        case [word]:
            move = one_of(word, TREE_MOVES)
            if move is not None:
                return TreeNav(move)
            return TreeStep(word) if _CONTENT_ID.fullmatch(word) else None
    return None


def _handoff(parts: list[str]) -> Press | None:
    match parts:
        case ["leave"]:
            return Leave()
        case ["stay"]:
            return Stay()
        case ["role", word]:
            role = one_of(word, REQUESTED_ROLES)
            return PickRole(role) if role is not None else None
        case ["topic", word] if _TOPIC.fullmatch(word):
            return PickTopic(None if word == NO_TOPIC else word)
        case ["fb", answer, number]:
            helped, row = _yes_no(answer, "y", "n"), _row(number)
            return HandoffFeedback(helped, row) if helped is not None and row is not None else None
        case ["reopen", number]:
            row = _row(number)
            return Reopen(row) if row is not None else None
        case [word, number]:
            kind, row = one_of(word, QUEUE_KINDS), _row(number)
            return QueueStep(kind, row) if kind is not None and row is not None else None
    return None


def _volunteer(parts: list[str]) -> Press | None:
    match parts:
        case [word]:
            flag = one_of(word, FLAGS)
            return VolunteerFlag(flag) if flag is not None else None
        case ["release!", number]:
            row = _row(number)
            return Release(row) if row is not None else None
        case [("close" | "close!") as word, number, outcome_word]:
            row, outcome = _row(number), one_of(outcome_word, OUTCOMES)
            if row is None or outcome is None:
                return None
            return Close(row, outcome, sure=word == "close!")
        case [("pass" | "pass!") as word, number, target_word]:
            row = _row(number)
            target: PassRole | int | None = one_of(target_word, PASS_ROLES) or _row(target_word)
            if row is None or target is None:
                return None
            return Pass(row, target, sure=word == "pass!")
        case [word, number]:
            row = _row(number)
            if row is None:
                return None
            kind = one_of(word, CASE_KINDS)
            if kind is not None:
                return Case(kind, row)
            menu = next((m for m, name in MENU_IDS.items() if name == word), None)
            return CaseMenu(menu, row) if menu is not None else None
    return None


_PARSERS = {
    MENU: _menu,
    FAQ: _faq,
    FEEDBACK: _feedback,
    TREE: _tree,
    HANDOFF: _handoff,
    VOLUNTEER: _volunteer,
}
