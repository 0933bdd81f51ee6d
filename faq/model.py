"""The FAQ entry as the rest of the bot sees it, and the problems that loading can report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class SourceRef:
    """One claim and where it was checked: a web page, a law article and/or a document."""

    claim: str
    checked: date
    url: str | None = None
    law: str | None = None
    doc: str | None = None

    @property
    def where(self) -> str:
        """The reference as one line of text: law, document and link, whichever are given."""
        return " · ".join(part for part in (self.law, self.doc, self.url) if part)


@dataclass(frozen=True)
class RegionalNote:
    """A detail that holds in one region only; not shown to every parent as if general."""

    region: str
    text: str
    source: SourceRef


@dataclass(frozen=True)
class Provenance:
    """The sources, parent-facing link and regional notes of one entry or tree leaf."""

    sources: tuple[SourceRef, ...] = ()
    link: str | None = None
    regional: tuple[RegionalNote, ...] = ()


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
    provenance: Provenance = field(default_factory=Provenance)
    offer_person: bool = False
    about_helpline: bool = False
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
