"""The FAQ entry as the rest of the bot sees it, and the problems that loading can report."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FaqEntry:
    """One curated question with its answer; built only by the loader after validation."""

    id: str
    title: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    answer: str
    steps: tuple[str, ...]
    related: tuple[str, ...]
    sources: tuple[str, ...]
    more: str | None = None
    offer_person: bool = False
    source_file: str = ""
    line: int = 0


@dataclass(frozen=True, order=True)
class ContentProblem:
    """A single content error with the file and line where an editor can fix it."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class ContentError(Exception):
    """Raised when content does not validate; carries every problem found, not just the first."""

    problems: list[ContentProblem] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [str(p) for p in sorted(self.problems)]
        return f"{len(lines)} content problem(s):\n" + "\n".join(lines)
