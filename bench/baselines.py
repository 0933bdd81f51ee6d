"""Plain baselines the matcher must beat: BM25 and rapidfuzz WRatio over the phrasings.

Both get no Dutch normalisation beyond lower-casing, and an abstention threshold chosen with
hindsight on the evaluation set itself (the most generous setting for them).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial

from rapidfuzz import fuzz, process

from faq.evaluate import Labelled, evaluate
from faq.matcher import MatchResult, Outcome
from faq.model import FaqEntry

_WORD = re.compile(r"\w+")
Ranker = Callable[[str], tuple[FaqEntry | None, float]]


def _bm25(docs: list[Counter[str]], k1: float, b: float) -> Callable[[str], list[float]]:
    """Okapi BM25 scores of a query against every document, plain lower-cased word tokens."""
    n = len(docs)
    df = Counter(t for d in docs for t in d)
    idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
    lengths = [sum(d.values()) for d in docs]
    avg = sum(lengths) / n

    def scores(text: str) -> list[float]:
        terms = set(_WORD.findall(text.lower()))
        return [
            sum(
                idf[t] * d[t] * (k1 + 1) / (d[t] + k1 * (1 - b + b * size / avg))
                for t in terms
                if t in d
            )
            for d, size in zip(docs, lengths, strict=True)
        ]

    return scores


def bm25_phrasing_ranker(entries: Sequence[FaqEntry], k1: float = 1.2, b: float = 0.75) -> Ranker:
    """Plain BM25 with one document per phrasing; the entry of the best phrasing wins."""
    owners = [e for e in entries for _ in e.questions]
    scores = _bm25([Counter(_WORD.findall(q.lower())) for e in entries for q in e.questions], k1, b)

    def rank(text: str) -> tuple[FaqEntry | None, float]:
        values = scores(text)
        best = max(range(len(values)), key=values.__getitem__)
        return (owners[best], values[best]) if values[best] > 0 else (None, 0.0)

    return rank


def bm25_entry_ranker(entries: Sequence[FaqEntry], k1: float = 1.2, b: float = 0.75) -> Ranker:
    """A stronger BM25: one document per entry (title, keywords and all phrasings)."""
    docs = [
        Counter(_WORD.findall(" ".join([e.title, *e.keywords, *e.questions]).lower()))
        for e in entries
    ]
    scores = _bm25(docs, k1, b)

    def rank(text: str) -> tuple[FaqEntry | None, float]:
        values = scores(text)
        best = max(range(len(values)), key=values.__getitem__)
        return (entries[best], values[best]) if values[best] > 0 else (None, 0.0)

    return rank


def wratio_ranker(entries: Sequence[FaqEntry]) -> Ranker:
    """The entry of the phrasing with the highest rapidfuzz WRatio."""
    phrasings = [(q.lower(), e) for e in entries for q in e.questions]
    choices = [p for p, _ in phrasings]

    def rank(text: str) -> tuple[FaqEntry | None, float]:
        found = process.extractOne(text.lower(), choices, scorer=fuzz.WRatio)
        if found is None or found[1] == 0:
            return None, 0.0
        return phrasings[found[2]][1], float(found[1])

    return rank


def plain_top1(rank: Ranker, data: list[Labelled]) -> float:
    """Top-1 accuracy when the ranker always answers its best entry (abstains only on no match)."""
    ranked = {item.question: rank(item.question) for item in data}
    return evaluate(lambda q: _decide(ranked[q], 0.0), data).top1


def best_top1(rank: Ranker, data: list[Labelled]) -> tuple[float, float]:
    """Top-1 accuracy of a ranker at its best abstention threshold, and that threshold."""
    ranked = {item.question: rank(item.question) for item in data}
    best = (0.0, 0.0)
    for threshold in sorted({score for _, score in ranked.values()} | {0.0}):
        report = evaluate(partial(_decide_for, ranked, threshold), data)
        if report.top1 > best[0]:
            best = (report.top1, threshold)
    return best


def _decide_for(
    ranked: dict[str, tuple[FaqEntry | None, float]], cut: float, question: str
) -> MatchResult:
    return _decide(ranked[question], cut)


def _decide(ranked: tuple[FaqEntry | None, float], cut: float) -> MatchResult:
    entry, score = ranked
    if entry is None or score < cut:
        return MatchResult(Outcome.NOTHING)
    return MatchResult(Outcome.ANSWER, answer=entry)
