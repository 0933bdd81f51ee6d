"""Term statistics of the FAQ: field-weighted BM25 postings and per-phrasing term sets."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace

from faq.analyzer import Analyzer
from faq.model import FaqEntry

# How much a term counts, by the field it appears in: the phrasings and keywords say what an
# entry is about; the answer mostly says things around it.
FIELD_WEIGHTS = {"title": 1.5, "keywords": 2.0, "questions": 1.0, "answer": 0.3}
_K1 = 1.2
_B = 0.5


@dataclass(frozen=True)
class IndexedEntry:
    """An entry's analysed form: its terms by weight, and each phrasing as a set of terms."""

    entry: FaqEntry
    weights: dict[str, float]
    phrasings: tuple[frozenset[str], ...]
    phrasing_texts: tuple[str, ...]
    salience: dict[str, float]
    phrasing_mass: tuple[float, ...] = ()


class FaqIndex:
    """Inverted index over analysed entries; idf makes rare, telling words count more."""

    def __init__(self, entries: list[FaqEntry], analyzer: Analyzer) -> None:
        vocabulary = {w for e in entries for text in _texts(e) for w in analyzer.surface(text)}
        vocabulary |= set(analyzer.lexicon.canonical) | set(analyzer.lexicon.single)
        analyzer.set_vocabulary(vocabulary)
        self.analyzer = analyzer
        self.items = [self._index_entry(e) for e in entries]
        df: Counter[str] = Counter(t for item in self.items for t in item.weights)
        n = max(len(self.items), 1)
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self.unknown_idf = math.log(1 + (n + 0.5) / 0.5)
        self.items = [
            replace(item, phrasing_mass=tuple(sum(self.idf[t] for t in p) for p in item.phrasings))
            for item in self.items
        ]
        lengths = [sum(item.weights.values()) for item in self.items]
        average = sum(lengths) / n if lengths else 1.0
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for i, (item, length) in enumerate(zip(self.items, lengths, strict=True)):
            norm = _K1 * (1 - _B + _B * length / average)
            for term, tf in item.weights.items():
                weight = self.idf[term] * tf * (_K1 + 1) / (tf + norm)
                self.postings.setdefault(term, []).append((i, weight))

    def _index_entry(self, entry: FaqEntry) -> IndexedEntry:
        weights: dict[str, float] = {}
        fields = {
            "title": [entry.title],
            "keywords": list(entry.keywords),
            "questions": list(entry.questions),
            "answer": [entry.answer, *entry.steps],
        }
        for field, texts in fields.items():
            for text in texts:
                for term in set(self.analyzer.terms(text)):
                    weights[term] = weights.get(term, 0.0) + FIELD_WEIGHTS[field]
        phrasing_texts = [*entry.questions, *entry.keywords, entry.title]
        phrasings = tuple(p for q in phrasing_texts if (p := frozenset(self.analyzer.terms(q))))
        counts = Counter(t for p in phrasings for t in p)
        salience = {t: c / len(phrasings) for t, c in counts.items()}
        return IndexedEntry(
            entry, dict(weights), phrasings, tuple(" ".join(sorted(p)) for p in phrasings), salience
        )

    def term_idf(self, term: str) -> float:
        """Inverse document frequency; unseen terms get the highest value."""
        return self.idf.get(term, self.unknown_idf)


def _texts(entry: FaqEntry) -> list[str]:
    return [entry.title, entry.answer, *entry.questions, *entry.keywords, *entry.steps]
