"""`faq check` as a function: every problem in the FAQ and lexicon files of one source set.
The command line prints them; the coordinators' review refuses a phrasing that adds one."""

from __future__ import annotations

from dataclasses import dataclass

from faq.knowledge import KnowledgeSources
from faq.lexicon import load_lexicon
from faq.loader import check_faq
from faq.model import ContentError, ContentProblem, FaqEntry
from faq.plain_words import faq_texts, plain_word_problems


@dataclass(frozen=True)
class CheckResult:
    """The valid entries, every problem found, and whether readability could be checked."""

    entries: list[FaqEntry]
    problems: list[ContentProblem]
    readability_checked: bool


def check_content(sources: KnowledgeSources) -> CheckResult:
    """Validate the FAQ files, the lexicon and the plain-word rules of `sources`."""
    entries, problems = check_faq(sources.content_dir, sources.catalogue, sources.limits)
    try:
        load_lexicon(sources.lexicon_dir)
    except ContentError as error:
        problems.extend(error.problems)
    plain, readability_checked = plain_word_problems(faq_texts(entries), sources.lexicon_dir)
    problems.extend(plain)
    return CheckResult(entries, sorted(problems), readability_checked)
