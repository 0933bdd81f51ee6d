"""Plain-words gate for what a parent reads: Flesch-Douma and explained abbreviations.

Flesch-Douma alone is fooled by acronyms (short words score as easy), so every abbreviation
from `lexicon/acronyms.yaml` must come with one of its long forms in the same text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from faq.decision_tree import DecisionTree
from faq.lexicon import DEFAULT_LEXICON_DIR
from faq.model import ContentError, ContentProblem, FaqEntry
from faq.readability import MIN_FLESCH_DOUMA, flesch_douma, readable_text
from faq.yamlsource import ProblemList, read_yaml

DEFAULT_ACRONYMS = DEFAULT_LEXICON_DIR / "acronyms.yaml"


@dataclass(frozen=True)
class ShownText:
    """One text as a parent sees it (answer with steps, or a leaf with steps), with its place."""

    path: str
    line: int
    item: str
    text: str

    def problem(self, message: str) -> ContentProblem:
        """A content problem about this text, at its place."""
        return ContentProblem(self.path, self.line, f"{self.item} {message}")


def faq_texts(entries: Iterable[FaqEntry]) -> list[ShownText]:
    """What a parent reads per FAQ entry: the answer followed by its steps."""
    return [ShownText(e.source_file, e.line, f"entry '{e.id}'", readable_text(e)) for e in entries]


def tree_texts(tree: DecisionTree) -> list[ShownText]:
    """What a parent reads per tree leaf: the text followed by its steps."""
    return [
        ShownText(tree.source_file, n.line, f"leaf '{n.id}'", " ".join([n.text, *n.steps]))
        for n in tree.nodes.values()
        if n.is_leaf
    ]


def load_acronyms(path: Path = DEFAULT_ACRONYMS) -> dict[str, tuple[str, ...]]:
    """Abbreviation -> accepted long forms (lower case); raises ContentError on a bad file."""
    out = ProblemList(str(path))
    root = read_yaml(path)
    if root is None or not isinstance(root.value, dict):
        raise ContentError([ContentProblem(str(path), 1, "expected 'ABBR: [long form, ...]'")])
    acronyms: dict[str, tuple[str, ...]] = {}
    for key, node in root.value.items():
        forms = node.plain()
        if not isinstance(forms, list) or not forms or not all(isinstance(f, str) for f in forms):
            out.add(node.line, f"'{key}' needs a list of long forms")
            continue
        acronyms[key] = tuple(str(f).lower() for f in forms)
    if out.problems:
        raise ContentError(out.problems)
    return acronyms


def _pattern(acronym: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w'-]){re.escape(acronym)}(?![\w-])")


def unexplained(text: str, acronyms: Mapping[str, tuple[str, ...]]) -> list[str]:
    """Abbreviations used in text without any of their long forms in the same text."""
    lowered = " ".join(text.lower().split())
    return [
        acronym
        for acronym, forms in acronyms.items()
        if _pattern(acronym).search(text) and not any(form in lowered for form in forms)
    ]


def _problems(
    texts: Iterable[ShownText], message: Callable[[ShownText], str | None]
) -> list[ContentProblem]:
    """One problem per text for which `message` says what is wrong (None: nothing)."""
    return [shown.problem(said) for shown in texts if (said := message(shown))]


def acronym_problems(
    texts: Iterable[ShownText], acronyms: Mapping[str, tuple[str, ...]]
) -> list[ContentProblem]:
    """One problem per shown text that uses an abbreviation it never explains."""

    def message(shown: ShownText) -> str | None:
        missing = unexplained(shown.text, acronyms)
        if not missing:
            return None
        forms = "; ".join(f"{a} = {acronyms[a][0]}" for a in missing)
        return (
            f"uses {', '.join(missing)} without saying what it means "
            f"({forms}); write it out once or avoid it"
        )

    return _problems(texts, message)


def readability_problems(
    texts: Iterable[ShownText], minimum: float = MIN_FLESCH_DOUMA
) -> list[ContentProblem] | None:
    """One problem per text that reads too hard; None when textstat is not installed."""
    if flesch_douma("Dit is een zin.") is None:
        return None

    def message(shown: ShownText) -> str | None:
        score = flesch_douma(shown.text) or 0.0
        if score >= minimum:
            return None
        return (
            f"reads too hard: Flesch-Douma {score:.0f} "
            f"(minimum {minimum:.0f}); use shorter sentences and words"
        )

    return _problems(texts, message)


def plain_word_problems(
    texts: Iterable[ShownText], lexicon_dir: Path = DEFAULT_LEXICON_DIR
) -> tuple[list[ContentProblem], bool]:
    """Acronym and readability problems of the texts, and whether readability could be checked."""
    texts = list(texts)
    path = lexicon_dir / "acronyms.yaml"
    try:
        problems = acronym_problems(texts, load_acronyms(path)) if path.exists() else []
    except ContentError as error:
        problems = list(error.problems)
    readability = readability_problems(texts)
    return problems + (readability or []), readability is not None
