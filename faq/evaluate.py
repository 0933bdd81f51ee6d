"""Measure a matcher on a labelled TSV (topic<TAB>question; topic 'none' = no entry fits)."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from faq.matcher import MatchResult, Outcome

NONE = "none"


@dataclass(frozen=True)
class Labelled:
    topic: str
    question: str


@dataclass
class EvalReport:
    """Evaluation numbers; top-1 is the best-ranked entry unless the matcher abstained."""

    total: int = 0
    top1_correct: int = 0
    confident_wrong: int = 0
    answered: int = 0
    suggestion_hits: int = 0
    answerable: int = 0
    abstained: int = 0
    abstained_on_none: int = 0
    none_total: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def top1(self) -> float:
        return self.top1_correct / self.total if self.total else 0.0

    @property
    def confident_wrong_rate(self) -> float:
        return self.confident_wrong / self.total if self.total else 0.0

    @property
    def suggestion_recall(self) -> float:
        return self.suggestion_hits / self.answerable if self.answerable else 0.0

    @property
    def abstention_precision(self) -> float:
        return self.abstained_on_none / self.abstained if self.abstained else 1.0

    @property
    def abstention_recall(self) -> float:
        return self.abstained_on_none / self.none_total if self.none_total else 1.0

    def add(self, topic: str, result: MatchResult) -> None:
        """Count one labelled question and what the matcher made of it."""
        self.total += 1
        ranked = (
            result.answer.id
            if result.answer
            else (result.suggestions[0].id if result.suggestions else NONE)
        )
        offered = {result.answer.id} if result.answer else {e.id for e in result.suggestions}
        if ranked == topic:
            self.top1_correct += 1
        else:
            self.confusion[(topic, ranked)] += 1
        if result.outcome is Outcome.ANSWER:
            self.answered += 1
            if ranked != topic:
                self.confident_wrong += 1
        if topic == NONE:
            self.none_total += 1
        else:
            self.answerable += 1
            self.suggestion_hits += topic in offered
        if result.outcome is Outcome.NOTHING:
            self.abstained += 1
            self.abstained_on_none += topic == NONE

    def lines(self) -> list[str]:
        """A readable report, numbers first, then the confusions most frequent first."""
        out = [
            f"questions:             {self.total}",
            f"top-1 accuracy:        {self.top1:.3f}",
            f"confident answers:     {self.answered} ({self.confident_wrong} wrong, "
            f"{self.confident_wrong_rate:.1%} of all questions)",
            f"suggestion recall:     {self.suggestion_recall:.3f}",
            f"abstention precision:  {self.abstention_precision:.3f}",
            f"abstention recall:     {self.abstention_recall:.3f}",
        ]
        if self.confusion:
            out.append("confusion (expected -> got: count):")
            out += [f"  {want} -> {got}: {n}" for (want, got), n in self.confusion.most_common()]
        return out


def read_labelled(path: Path) -> list[Labelled]:
    """Read a TSV with a header row 'topic<TAB>question'; blank lines are skipped."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    if rows and [c.strip().lower() for c in rows[0][:2]] == ["topic", "question"]:
        rows = rows[1:]
    return [Labelled(r[0].strip(), r[1].strip()) for r in rows if len(r) >= 2 and r[1].strip()]


def evaluate(match: Callable[[str], MatchResult], data: Iterable[Labelled]) -> EvalReport:
    """Run every labelled question through `match` and collect the report."""
    report = EvalReport()
    for item in data:
        report.add(item.topic, match(item.question))
    return report
