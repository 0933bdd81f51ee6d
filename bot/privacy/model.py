"""What the scrubber finds: a kind of personal data and where it sits in the text."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = (
    "NAAM", "TELEFOON", "EMAIL", "BSN", "POSTCODE", "ADRES", "GEBOORTEDATUM", "LEEFTIJD",
    "SCHOOL", "URL",
)  # fmt: skip
# When two findings overlap, the longer wins; on a tie, the kind earlier here.
PRIORITY = {
    kind: rank
    for rank, kind in enumerate(
        (
            "EMAIL",
            "URL",
            "BSN",
            "TELEFOON",
            "POSTCODE",
            "ADRES",
            "GEBOORTEDATUM",
            "SCHOOL",
            "NAAM",
            "LEEFTIJD",
        )
    )
}


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind (one of KINDS) and the span text[start:end]."""

    kind: str
    start: int
    end: int

    @property
    def placeholder(self) -> str:
        """The text that replaces it, e.g. "[NAAM]"."""
        return f"[{self.kind}]"


def resolve(findings: list[Finding]) -> list[Finding]:
    """Keep non-overlapping findings, longest first (an e-mail beats the name inside it)."""
    chosen: list[Finding] = []
    for f in sorted(set(findings), key=lambda f: (f.start - f.end, PRIORITY[f.kind], f.start)):
        if f.end > f.start and all(f.end <= c.start or f.start >= c.end for c in chosen):
            chosen.append(f)
    return sorted(chosen, key=lambda f: f.start)


def replace(text: str, findings: list[Finding]) -> str:
    """The text with every (non-overlapping, sorted) finding replaced by its placeholder."""
    parts: list[str] = []
    at = 0
    for f in findings:
        parts.append(text[at : f.start])
        parts.append(f.placeholder)
        at = f.end
    parts.append(text[at:])
    return "".join(parts)
