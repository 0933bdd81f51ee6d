"""Plain-Dutch gate for answers: Flesch-Douma (textstat, language 'nl') of answer and steps.

textstat is an optional dependency (the `test` extra); without it the check says so and skips.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from faq.model import FaqEntry

MIN_FLESCH_DOUMA = 60.0


def _textstat() -> ModuleType | None:
    try:
        module = importlib.import_module("textstat")
    except ImportError:
        return None
    module.set_lang("nl")
    return module


def readable_text(entry: FaqEntry) -> str:
    """The text a parent reads for an entry: the answer followed by its steps."""
    return " ".join([entry.answer, *entry.steps])


def flesch_douma(text: str) -> float | None:
    """Flesch-Douma reading ease of Dutch text; None when textstat is not installed."""
    module = _textstat()
    return None if module is None else float(module.flesch_reading_ease(text))
