"""Button ids and typed choices: "2" or "terug" or "langer dan 4 weken" count as a press."""

from __future__ import annotations

from rapidfuzz import fuzz, process

from bot.core.messages import Button
from bot.core.text_input import ascii_number
from faq.textfold import fold

# Button id prefixes: short and stable, so they fit Telegram's 64-byte callback data.
MENU = "m:"  # m:ask, m:tree, m:person, m:menu
FAQ = "f:"  # f:<faq id>
FEEDBACK = "fb:"  # fb:y:<faq id>, fb:n:<faq id>
TREE = "t:"  # t:<node id>, t:back, t:restart, t:resume
HANDOFF = (
    "h:"  # parent: h:role:<role>, h:topic:<id>, h:leave, h:anyone:<n>, h:fb:y:<n>, h:reopen:<n>
)
VOLUNTEER = "v:"  # volunteer: v:claim:<n>, v:switch:<n>, v:pass:<target>, v:close:<outcome>, ...
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
