"""Pseudonym codes like "K7" that volunteers see as "Ouder #K7", from a space that never runs out.

A caller draws candidates from `candidate_codes` and takes the first one that no open handoff
uses and none closed in the last week (one indexed lookup per candidate). The stream starts
short and adds a digit after every `tries_per_length` candidates, so a crowded space only makes
codes longer, never makes creating a handoff fail.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator

LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ"  # no I, L, O: nothing to mistake for 1 or 0
DIGITS = "23456789"  # no 0 and 1
FIRST_DIGITS = 2  # "K77": 23 * 8**2 = 1,472 codes before the first extra digit
TRIES_PER_LENGTH = 8


def candidate_codes(
    rng: secrets.SystemRandom | random.Random | None = None,
    *,
    first_digits: int = FIRST_DIGITS,
    tries_per_length: int = TRIES_PER_LENGTH,
) -> Iterator[str]:
    """An endless stream of random codes: a letter and `first_digits` digits, one digit more
    after every `tries_per_length` candidates."""
    if first_digits < 1 or tries_per_length < 1:
        raise ValueError("first_digits and tries_per_length must be at least 1")
    choose = rng or secrets.SystemRandom()
    digits = first_digits
    while True:
        for _ in range(tries_per_length):
            yield choose.choice(LETTERS) + "".join(choose.choices(DIGITS, k=digits))
        digits += 1


def normalise(code: str) -> str:
    """The bare code as stored: '#k7', 'Ouder #K7' and ' k7 ' all become 'K7'."""
    return code.strip().upper().removeprefix("OUDER").strip().lstrip("#").strip()


def is_code(text: str) -> bool:
    """Whether `text` (after `normalise`) has the shape of a code: one letter, then digits."""
    code = normalise(text)
    return len(code) >= 2 and code[0] in LETTERS and all(c in DIGITS for c in code[1:])
