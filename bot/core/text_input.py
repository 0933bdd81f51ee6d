"""What a person typed, as the bot should read it: normalised once where a message comes in.

NFKC folds look-alike forms ("²" -> "2", full-width letters -> ASCII), format characters that
hide inside words (soft hyphen, zero-width space or joiner) are removed, and lone surrogates,
which no database can store, become U+FFFD. Numbers are read only as plain ASCII digits with a
length limit, so "①" or a 5,000-digit string never raises.
"""

from __future__ import annotations

import re
import unicodedata

_ASCII_NUMBER = re.compile(r"[0-9]{1,12}")


def normalise(text: str | None) -> str | None:
    """The text as a person reads it (None stays None); never raises."""
    if text is None:
        return None
    safe = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    # hidden characters go before NFKC too: "e", a zero-width joiner and an accent compose to
    # "é" only once the joiner is gone, so the result is read the same a second time (#15)
    return _visible(unicodedata.normalize("NFKC", _visible(safe)))


def _visible(text: str) -> str:
    """Without format characters (zero-width, direction marks) and NUL, which no database
    text keeps."""
    if text.isascii():
        return text.replace("\x00", "")
    return "".join(c for c in text if c != "\x00" and unicodedata.category(c) != "Cf")


def ascii_number(text: str) -> int | None:
    """The number in a text of 1 to 12 ASCII digits, else None ("²", "①", "9" * 5000)."""
    return int(text) if _ASCII_NUMBER.fullmatch(text) else None
