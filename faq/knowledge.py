"""Build the bot's FAQ knowledge (validated content + lexicon + matcher) in one call."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from faq.lexicon import DEFAULT_LEXICON_DIR, load_lexicon
from faq.loader import DEFAULT_CATALOGUE, DEFAULT_CONTENT_DIR, ContentLimits, FaqBase, load_faq
from faq.matcher import Matcher, MatcherSettings
from faq.model import ContentError


@dataclass(frozen=True)
class KnowledgeSources:
    """Where the content lives; defaults are the files shipped inside the package."""

    content_dir: Path = DEFAULT_CONTENT_DIR
    catalogue: Path | None = DEFAULT_CATALOGUE
    lexicon_dir: Path = DEFAULT_LEXICON_DIR
    limits: ContentLimits = field(default_factory=ContentLimits)


@dataclass(frozen=True)
class Knowledge:
    faq: FaqBase
    matcher: Matcher


def load_knowledge(
    sources: KnowledgeSources | None = None, settings: MatcherSettings | None = None
) -> Knowledge:
    """Load and validate everything the matcher needs; raises ContentError with every problem."""
    sources = sources or KnowledgeSources()
    problems = []
    faq: FaqBase | None = None
    try:
        faq = load_faq(sources.content_dir, sources.catalogue, sources.limits)
    except ContentError as error:
        problems.extend(error.problems)
    try:
        lexicon = load_lexicon(sources.lexicon_dir)
    except ContentError as error:
        problems.extend(error.problems)
    if problems or faq is None:
        raise ContentError(sorted(problems))
    return Knowledge(faq, Matcher(faq, lexicon, settings))
