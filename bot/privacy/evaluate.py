"""Measuring the scrubber: recall per kind on the labelled corpus, changes to normal questions.

Run: `.venv/bin/python -m bot.privacy.evaluate [--misses]`. A labelled span counts as found
when each of its non-space characters lies inside a finding of the same kind.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.privacy.lexicon import ROOT
from bot.privacy.model import KINDS, Finding
from bot.privacy.scrubber import Scrubber, default_scrubber

DATA = ROOT / "tests" / "data"
CORPUS = DATA / "pii_corpus.txt"
NORMAL = DATA / "normal_questions.txt"
FAQ_CONTENT = ROOT / "faq" / "content"
SHARED_EVAL = ROOT.parent / "shared" / "eval"
LABEL = re.compile(r"\{([A-Z]+):([^{}]*)\}")


@dataclass(frozen=True)
class Labelled:
    """One corpus line without its labels, and the labelled spans in that clean text."""

    text: str
    spans: tuple[Finding, ...]


def parse_line(line: str) -> Labelled:
    """ "bel {TELEFOON:06-12345678}" → the clean text and a TELEFOON span over the number."""
    parts: list[str] = []
    spans: list[Finding] = []
    at = length = 0
    for match in LABEL.finditer(line):
        if match.group(1) not in KINDS:
            raise ValueError(f"unknown kind {match.group(1)!r} in {line!r}")
        before = line[at : match.start()]
        parts.append(before)
        length += len(before)
        spans.append(Finding(match.group(1), length, length + len(match.group(2))))
        parts.append(match.group(2))
        length += len(match.group(2))
        at = match.end()
    parts.append(line[at:])
    return Labelled("".join(parts), tuple(spans))


def read_corpus(path: Path = CORPUS) -> list[Labelled]:
    """Every non-comment line of the labelled corpus."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [parse_line(line) for line in lines if line.strip() and not line.startswith("#")]


def covered(span: Finding, findings: Iterable[Finding], text: str, same_kind: bool) -> bool:
    """True when every non-space character of span lies in a (same-kind) finding."""
    inside = [f for f in findings if not same_kind or f.kind == span.kind]
    return all(
        text[i].isspace() or any(f.start <= i < f.end for f in inside)
        for i in range(span.start, span.end)
    )


@dataclass
class Recall:
    """Counts per kind: labelled, found as that kind, found only as another kind."""

    total: Counter[str] = field(default_factory=Counter)
    found: Counter[str] = field(default_factory=Counter)
    other: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # kind, span text, line
    extra: list[tuple[str, str, str]] = field(default_factory=list)  # unlabelled findings
    lower_names: list[int] = field(default_factory=lambda: [0, 0])  # found, total

    def rate(self, kind: str) -> float:
        """Recall of one kind (1.0 when nothing of that kind is labelled)."""
        return self.found[kind] / self.total[kind] if self.total[kind] else 1.0

    def lines(self) -> list[str]:
        """One report line per kind."""
        rows = [
            f"{kind:<14} {self.found[kind]:>4} / {self.total[kind]:<4} {self.rate(kind):7.1%}"
            f"  (as another kind: {self.other[kind]})"
            for kind in KINDS
        ]
        low_found, low_total = self.lower_names
        rows.append(f"{'lower-case NAAM':<14} {low_found:>4} / {low_total:<4}")
        rows.append(f"unlabelled findings in the corpus: {len(self.extra)}")
        return rows


def measure_recall(scrubber: Scrubber, corpus: list[Labelled]) -> Recall:
    """Recall per kind over the labelled corpus, with the misses and unlabelled findings."""
    result = Recall()
    for line in corpus:
        findings = scrubber.findings(line.text)
        for span in line.spans:
            result.total[span.kind] += 1
            piece = line.text[span.start : span.end]
            hit = covered(span, findings, line.text, same_kind=True)
            if span.kind == "NAAM" and piece.islower():
                result.lower_names[1] += 1
                result.lower_names[0] += hit
            if hit:
                result.found[span.kind] += 1
            elif covered(span, findings, line.text, same_kind=False):
                result.other[span.kind] += 1
                result.misses.append((span.kind + "~", piece, line.text))
            else:
                result.misses.append((span.kind, piece, line.text))
        for f in findings:
            if not any(f.start < s.end and s.start < f.end for s in line.spans):
                result.extra.append((f.kind, line.text[f.start : f.end], line.text))
    return result


def faq_questions(content: Path = FAQ_CONTENT) -> list[str]:
    """Every question phrasing of the FAQ entries (plain YAML, no validation needed)."""
    questions: list[str] = []
    for path in sorted(content.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            questions.extend(str(q) for q in entry.get("questions", []))
    return questions


def text_lines(path: Path) -> list[str]:
    """Non-empty, non-comment lines of a text file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def shared_questions(folder: Path = SHARED_EVAL) -> dict[str, list[str]]:
    """The last column of each TSV beside the repository (read-only), by file name."""
    found: dict[str, list[str]] = {}
    for path in sorted(folder.glob("*.tsv")) if folder.is_dir() else []:
        rows = path.read_text(encoding="utf-8").splitlines()[1:]
        found[path.name] = [row.rsplit("\t", 1)[-1] for row in rows if row.strip()]
    return found


def normal_sources() -> dict[str, list[str]]:
    """Every set of ordinary questions without personal data, by name."""
    sources = {"faq questions": faq_questions(), NORMAL.name: text_lines(NORMAL)}
    sources.update(shared_questions())
    return sources


def changed(scrub: Callable[[str], str], questions: list[str]) -> list[tuple[str, str]]:
    """The questions the scrubber changes, with their scrubbed text."""
    return [(q, s) for q in questions if (s := scrub(q)) != q]


def main() -> None:
    """Print recall per kind and the share of normal questions changed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--misses", action="store_true", help="list misses and changes")
    args = parser.parse_args()
    scrubber = default_scrubber()
    recall = measure_recall(scrubber, read_corpus())
    print(f"{CORPUS.name}: recall per kind")
    for row in recall.lines():
        print("  " + row)
    for name, questions in normal_sources().items():
        diffs = changed(scrubber.scrub, questions)
        share = len(diffs) / len(questions) if questions else 0.0
        print(f"{name}: {len(diffs)} / {len(questions)} changed ({share:.1%})")
        if args.misses:
            for before, after in diffs:
                print(f"    {before}\n  → {after}")
    if args.misses:
        for kind, piece, line in recall.misses:
            print(f"  MISS {kind:<15} {piece!r:<28} {line}")
        for kind, piece, line in recall.extra:
            print(f"  EXTRA {kind:<14} {piece!r:<28} {line}")


if __name__ == "__main__":
    main()
