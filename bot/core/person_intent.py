"""Typed requests for a person ("ik wil iemand spreken"): patterns kept as data, not code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from faq.model import ContentError
from faq.textfold import fold
from faq.yamlsource import ProblemList, read_yaml

DEFAULT_PERSON_FILE = Path(__file__).resolve().parent / "data" / "person_request_nl.yaml"


@dataclass(frozen=True)
class PersonIntent:
    """Recognises a parent asking for a human; checked before the FAQ, after the crisis check."""

    pattern: re.Pattern[str]

    @classmethod
    def load(cls, path: Path = DEFAULT_PERSON_FILE) -> PersonIntent:
        """Read and compile the patterns; every broken one is reported with its line."""
        problems = ProblemList(str(path))
        root = read_yaml(path)
        fields = problems.fields(root, ["patterns"], "the file") if root else {}
        node = fields.get("patterns")
        items = node.value if node is not None and isinstance(node.value, list) else []
        if not items:
            problems.add(node.line if node else 1, "'patterns' must be a non-empty list")
        compiled: list[str] = []
        for item in items:
            try:
                re.compile(str(item.value))
                compiled.append(f"(?:{item.value})")
            except re.error as error:
                problems.add(item.line, f"pattern does not compile: {error}")
        if problems.problems:
            raise ContentError(problems.problems)
        return cls(re.compile("|".join(compiled)))

    def wants_person(self, text: str) -> bool:
        """Whether a message asks to talk to a person."""
        return self.pattern.search(fold(text[:500])) is not None
