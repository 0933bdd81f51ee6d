"""What typed text means before the FAQ is searched: a request for a person, a greeting, thanks.

The patterns are data (`bot/core/data/intents_nl.yaml`), not code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from faq.model import ContentError
from faq.textfold import fold
from faq.yamlsource import ProblemList, YamlNode, read_yaml

DEFAULT_INTENTS_FILE = Path(__file__).resolve().parent / "data" / "intents_nl.yaml"
_KINDS = ("person", "greeting", "thanks")
PERSON_MAX_WORDS = 15
STORY_WORDS = 4  # beside a request for a person, this many other words are a story


def _compile(node: YamlNode | None, name: str, problems: ProblemList) -> re.Pattern[str]:
    """One alternation of a list of patterns; every broken one is reported with its line."""
    items = node.value if node is not None and isinstance(node.value, list) else []
    if not items:
        problems.add(node.line if node else 1, f"'{name}' must be a non-empty list of patterns")
    compiled: list[str] = []
    for item in items:
        try:
            re.compile(str(item.value))
            compiled.append(f"(?:{item.value})")
        except re.error as error:
            problems.add(item.line, f"pattern does not compile: {error}")
    return re.compile("|".join(compiled) or "(?!)")


@dataclass(frozen=True)
class Intents:
    """Checked after the crisis check and the buttons, before the FAQ."""

    person: re.Pattern[str]
    greeting: re.Pattern[str]
    thanks: re.Pattern[str]

    @classmethod
    def load(cls, path: Path = DEFAULT_INTENTS_FILE) -> Intents:
        """Read and compile the patterns; raises ContentError listing every problem."""
        problems = ProblemList(str(path))
        root = read_yaml(path)
        fields = problems.fields(root, _KINDS, "the file") if root else {}
        person = _compile(fields.get("person"), "person", problems)
        greeting = _compile(fields.get("greeting"), "greeting", problems)
        thanks = _compile(fields.get("thanks"), "thanks", problems)
        if problems.problems:
            raise ContentError(problems.problems)
        return cls(person, greeting, thanks)

    def wants_person(self, text: str) -> bool:
        """Whether a short message asks to talk to a person (a long one is a question)."""
        folded = fold(text[:500])
        return len(folded.split()) <= PERSON_MAX_WORDS and self.person.search(folded) is not None

    def only_asks_for_person(self, text: str) -> bool:
        """A request for a person and nothing more ("ik wil iemand spreken"); with a story
        beside it ("…, mijn zoon wil niet meer naar school") the volunteer should read it."""
        if not self.wants_person(text):
            return False
        rest = self.person.sub(" ", fold(text[:500])).split()
        return len(rest) < STORY_WORDS

    def is_thanks(self, text: str) -> bool:
        """Whether a message is only thanks ("dank u wel!", "top, bedankt")."""
        return len(text) < 80 and self.thanks.search(fold(text).replace(",", " ")) is not None

    def is_greeting(self, text: str) -> bool:
        """Whether a message is only a greeting ("hallo", "goedemorgen!")."""
        return len(text) < 60 and self.greeting.search(fold(text)) is not None
