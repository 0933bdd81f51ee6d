"""Term statistics of the FAQ: field-weighted BM25 postings and per-phrasing term sets."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, replace

from faq.analyzer import Analyzer
from faq.model import FaqEntry

# How much a term counts, by the field it appears in: the phrasings and keywords say what an
# entry is about; the answer mostly says things around it.
FIELD_WEIGHTS = {"title": 1.5, "keywords": 2.0, "questions": 1.0, "answer": 0.3}
PHRASING_FIELDS = ("title", "keywords", "questions")
_K1 = 1.2
_B = 0.5


@dataclass(frozen=True)
class IndexedEntry:
    """An entry's analysed form: its terms by weight, and each phrasing as a set of terms."""

    entry: FaqEntry
    weights: dict[str, float]
    phrasings: tuple[frozenset[str], ...]
    salience: dict[str, float]
    phrasing_mass: tuple[float, ...] = ()
    term_phrasings: dict[str, tuple[int, ...]] = field(default_factory=dict)


class FaqIndex:
    """Inverted index over analysed entries; idf makes rare, telling words count more."""

    def __init__(self, entries: list[FaqEntry], analyzer: Analyzer) -> None:
        surfaces = [_surface_fields(e, analyzer) for e in entries]
        vocabulary = {
            w for fields in surfaces for texts in fields.values() for t in texts for w in t
        }
        vocabulary |= set(analyzer.lexicon.canonical) | set(analyzer.lexicon.single)
        analyzer.set_vocabulary(vocabulary)
        self.analyzer = analyzer
        items = [
            _index_entry(e, fields, analyzer) for e, fields in zip(entries, surfaces, strict=True)
        ]
        df: Counter[str] = Counter(t for item in items for t in item.weights)
        n = max(len(items), 1)
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self.unknown_idf = math.log(1 + (n + 0.5) / 0.5)
        self.items = [
            replace(item, phrasing_mass=tuple(sum(self.idf[t] for t in p) for p in item.phrasings))
            for item in items
        ]
        lengths = [sum(item.weights.values()) for item in self.items]
        average = sum(lengths) / n if lengths else 1.0
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for i, (item, length) in enumerate(zip(self.items, lengths, strict=True)):
            norm = _K1 * (1 - _B + _B * length / average)
            for term, tf in item.weights.items():
                weight = self.idf[term] * tf * (_K1 + 1) / (tf + norm)
                self.postings.setdefault(term, []).append((i, weight))


def _surface_fields(entry: FaqEntry, analyzer: Analyzer) -> dict[str, list[list[str]]]:
    """Each field's texts as surface words (done once; the vocabulary is built from them)."""
    fields = {
        "title": [entry.title],
        "keywords": list(entry.keywords),
        "questions": list(entry.questions),
        "answer": [entry.answer, *entry.steps],
    }
    return {name: [analyzer.surface(text) for text in texts] for name, texts in fields.items()}


def _index_entry(
    entry: FaqEntry, fields: dict[str, list[list[str]]], analyzer: Analyzer
) -> IndexedEntry:
    """Field-weighted term counts, phrasing term sets and term salience for one entry."""
    weights: dict[str, float] = {}
    phrasings: list[frozenset[str]] = []
    keyword_terms: set[str] = set()
    spoken: list[frozenset[str]] = []
    for name, texts in fields.items():
        for words in texts:
            terms = frozenset(analyzer.terms_of(words))
            for term in terms:
                weights[term] = weights.get(term, 0.0) + FIELD_WEIGHTS[name]
            if name in PHRASING_FIELDS and terms:
                phrasings.append(terms)
            if name == "keywords":
                keyword_terms |= terms
            elif name in PHRASING_FIELDS and terms:
                spoken.append(terms)
    # Salience: the share of the title and questions that use a term, the keyword list counting
    # as one more; many short keywords must not thin out the entry's own core word.
    spoken.append(frozenset(keyword_terms))
    counts = Counter(t for p in spoken for t in p)
    salience = {t: c / len(spoken) for t, c in counts.items()}
    term_phrasings: dict[str, list[int]] = {}
    for i, phrasing in enumerate(phrasings):
        for term in phrasing:
            term_phrasings.setdefault(term, []).append(i)
    return IndexedEntry(
        entry,
        weights,
        tuple(phrasings),
        salience,
        term_phrasings={t: tuple(ps) for t, ps in term_phrasings.items()},
    )
