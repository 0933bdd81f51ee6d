"""Character-level folding of Dutch text: the first, language-light step before analysis."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")
# Elided Dutch forms that chat writers use ("m'n", "z'n", "'t"); folded before punctuation goes.
_ELISIONS = {
    "m'n": "mijn",
    "mn": "mijn",
    "z'n": "zijn",
    "zn": "zijn",
    "d'r": "haar",
    "'t": "het",
    "'n": "een",
}
_ELISION_RE = re.compile(r"(?<![\w'])(m'n|z'n|d'r|'t|'n)(?![\w'])")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})


def strip_accents(text: str) -> str:
    """Remove diacritics ("één" -> "een", "geïnteresseerd" -> "geinteresseerd")."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free text with single spaces; elisions expanded."""
    text = strip_accents(text.translate(_APOSTROPHES)).casefold()
    text = _ELISION_RE.sub(lambda m: " " + _ELISIONS[m.group(1)] + " ", text)
    return _NON_WORD.sub(" ", text).strip()


def tokens(text: str) -> list[str]:
    """Folded words of the text, in order."""
    folded = fold(text)
    return folded.split() if folded else []
