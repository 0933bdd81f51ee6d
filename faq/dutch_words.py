"""Is a word ordinary Dutch? Asked before a word is "corrected" as a typo.

The FAQ's own vocabulary is small, so many real words ("later", "groot") are unknown to it; a
typo corrector that only knew the FAQ would turn them into look-alikes ("lager", "robot").
wordfreq ships Dutch word frequencies inside the package (no download at run time).
"""

from __future__ import annotations

from functools import lru_cache

from wordfreq import zipf_frequency

# Zipf 2 = about once per hundred million words: real but rare words are above it, typos below.
MIN_ZIPF = 2.0


@lru_cache(maxsize=65_536)
def is_dutch_word(word: str) -> bool:
    """True when the word occurs in ordinary Dutch text often enough to be a real word."""
    return zipf_frequency(word, "nl") >= MIN_ZIPF


# Zipf 3.5 = about three times per million words: words every reader knows ("kamp", "toets").
COMMON_ZIPF = 3.5


@lru_cache(maxsize=65_536)
def is_common_dutch_word(word: str) -> bool:
    """True for an everyday Dutch word; parts of a real compound must be this common."""
    return zipf_frequency(word, "nl") >= COMMON_ZIPF
