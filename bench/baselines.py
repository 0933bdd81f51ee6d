"""Plain baselines the matcher must beat: BM25 and rapidfuzz WRatio over the phrasings.

Both get no Dutch normalisation beyond lower-casing, and an abstention threshold chosen with
hindsight on the evaluation set itself (the most generous setting for them).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence

from rapidfuzz import fuzz, process

from faq.evaluate import Labelled, evaluate
from faq.matcher import MatchResult, Outcome
from faq.model import FaqEntry

_WORD = re.compile(r"\w+")
Ranker = Callable[[str], tuple[FaqEntry | None, float]]


def bm25_ranker(entries: Sequence[FaqEntry], k1: float = 1.2, b: float = 0.75) -> Ranker:
    """Okapi BM25 with one document per entry (title, keywords, phrasings), plain tokens."""
    docs = [
        Counter(_WORD.findall(" ".join([e.title, *e.keywords, *e.questions]).lower()))
        for e in entries
    ]
    n = len(docs)
    df = Counter(t for d in docs for t in d)
    idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
    avg = sum(sum(d.values()) for d in docs) / n

    def rank(text: str) -> tuple[FaqEntry | None, float]:
        terms = set(_WORD.findall(text.lower()))
        best, best_score = None, 0.0
        for entry, doc in zip(entries, docs, strict=True):
            length = sum(doc.values())
            score = sum(
                idf[t] * doc[t] * (k1 + 1) / (doc[t] + k1 * (1 - b + b * length / avg))
                for t in terms
                if t in doc
            )
            if score > best_score:
                best, best_score = entry, score
        return best, best_score

    return rank


def wratio_ranker(entries: Sequence[FaqEntry]) -> Ranker:
    """The entry of the phrasing with the highest rapidfuzz WRatio."""
    phrasings = [(q.lower(), e) for e in entries for q in e.questions]
    choices = [p for p, _ in phrasings]

    def rank(text: str) -> tuple[FaqEntry | None, float]:
        found = process.extractOne(text.lower(), choices, scorer=fuzz.WRatio)
        return (None, 0.0) if found is None else (phrasings[found[2]][1], float(found[1]))

    return rank


def best_top1(rank: Ranker, data: list[Labelled]) -> tuple[float, float]:
    """Top-1 accuracy of a ranker at its best abstention threshold, and that threshold."""
    ranked = [rank(item.question) for item in data]
    best = (0.0, 0.0)
    for threshold in sorted({score for _, score in ranked} | {0.0}):

        def decide(i: int, cut: float = threshold) -> MatchResult:
            entry, score = ranked[i]
            if entry is None or score < cut:
                return MatchResult(Outcome.NOTHING)
            return MatchResult(Outcome.ANSWER, answer=entry)

        lookup = {item.question: i for i, item in enumerate(data)}
        report = evaluate(lambda q: decide(lookup[q]), data)
        if report.top1 > best[0]:
            best = (report.top1, threshold)
    return best
