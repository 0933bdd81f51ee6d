"""Removing personal data from parents' messages before they are stored for review.

Pure Python (no channel library): `default_scrubber().scrub(text)` replaces names, phone
numbers, e-mail, BSN, postcodes, addresses, dates of birth, ages, schools and URLs by
placeholders such as "[NAAM]".
"""

from bot.privacy.model import KINDS, Finding
from bot.privacy.scrubber import Scrubber, default_scrubber

__all__ = ["KINDS", "Finding", "Scrubber", "default_scrubber"]
