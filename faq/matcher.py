"""Find the FAQ entry a parent means: a confident answer, a few suggestions, or nothing."""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from enum import Enum

from faq.analyzer import Analyzer
from faq.index import FaqIndex, IndexedEntry
from faq.lexicon import Lexicon
from faq.loader import FaqBase
from faq.model import FaqEntry


class Outcome(Enum):
    ANSWER = "answer"
    SUGGESTIONS = "suggestions"
    NOTHING = "nothing"


@dataclass(frozen=True)
class MatcherSettings:
    """Thresholds and weights; defaults are tuned on the dev set, overridable in configuration."""

    answer_threshold: float = 0.60
    answer_margin: float = 0.06
    # Optional: a lower score still answers when the runner-up is far behind. Off by default
    # (1.0): on the blind sets it bought few right answers for each extra wrong one.
    wide_margin_threshold: float = 1.0
    wide_margin: float = 1.0
    suggest_threshold: float = 0.50
    # Once the best entry is worth suggesting, the runners-up need only this much.
    suggest_others_threshold: float = 0.40
    suggest_window: float = 0.20
    max_suggestions: int = 3
    candidates: int = 25
    unknown_word_weight: float = 1.0
    max_typo_edits: int = 3
    stemmer: str = "dutch"
    max_terms: int = 400
    answer_only_weight: float = 0.5
    evidence_scale: float = 2.0
    weight_recall: float = 0.2
    weight_precision: float = 0.2
    weight_evidence: float = 0.3
    weight_bm25: float = 0.0
    information_scale: float = 0.7
    compound_part_weight: float = 0.5


@dataclass(frozen=True)
class Signals:
    """Evidence that an entry fits: phrasing recall, message precision, salient evidence,
    and how much the matched words say at all
    (a message of only common words like "school" cannot give a confident answer)."""

    recall: float
    precision: float
    evidence: float
    information: float
    matched_terms: int = 0


@dataclass(frozen=True)
class Scored:
    entry: FaqEntry
    score: float
    matched_terms: int = 1


@dataclass(frozen=True)
class MatchResult:
    """What the matcher decided, with the scores of the best candidates for transparency."""

    outcome: Outcome
    answer: FaqEntry | None = None
    suggestions: tuple[FaqEntry, ...] = ()
    scores: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        """The stable probe shape: {"answer": id|null, "suggestions": [ids], "scores": {...}}."""
        return {
            "answer": self.answer.id if self.answer else None,
            "suggestions": [e.id for e in self.suggestions],
            "scores": self.scores,
        }


class Matcher:
    """Scores every plausible entry for a message and decides answer/suggestions/nothing."""

    def __init__(
        self, faq: FaqBase, lexicon: Lexicon, settings: MatcherSettings | None = None
    ) -> None:
        self.settings = settings or MatcherSettings()
        self.index = FaqIndex(
            list(faq.entries),
            Analyzer(
                lexicon,
                max_typo_edits=self.settings.max_typo_edits,
                stemmer=self.settings.stemmer,
                part_weight=self.settings.compound_part_weight,
            ),
        )

    def match(self, text: str) -> MatchResult:
        """Match one parent message; never raises on odd input (empty, emoji, huge)."""
        return self.decide(self.rank(text))

    def decide(self, ranked: list[Scored]) -> MatchResult:
        """Turn ranked candidates into an answer, suggestions or nothing, by the thresholds."""
        s = self.settings
        scores = {r.entry.id: round(r.score, 3) for r in ranked[:5]}
        if not ranked or ranked[0].score < s.suggest_threshold:
            return MatchResult(Outcome.NOTHING, scores=scores)
        top = ranked[0]
        second = ranked[1].score if len(ranked) > 1 else 0.0
        margin = top.score - second
        clear = top.score >= s.answer_threshold and margin >= s.answer_margin
        # The wide-margin rule needs two matched words: one word alone ("test") is too thin.
        wide = (
            top.score >= s.wide_margin_threshold
            and margin >= s.wide_margin
            and top.matched_terms >= 2
        )
        if clear or wide:
            return MatchResult(Outcome.ANSWER, answer=top.entry, scores=scores)
        floor = max(s.suggest_others_threshold, top.score - s.suggest_window)
        picks = tuple(r.entry for r in ranked[: s.max_suggestions] if r.score >= floor)
        return MatchResult(Outcome.SUGGESTIONS, suggestions=picks, scores=scores)

    def rank(self, text: str) -> list[Scored]:
        """Candidate entries, best first, with a confidence between 0 and 1."""
        index, w = self.index, self.settings
        strength: dict[str, float] = {}
        for term, weight in index.analyzer.weighted_terms(text):
            if term in strength or len(strength) < w.max_terms:
                strength[term] = max(strength.get(term, 0.0), weight)
        bm25: dict[int, float] = {}
        for term, factor in strength.items():
            for i, weight in index.postings.get(term, ()):
                bm25[i] = bm25.get(i, 0.0) + weight * factor
        if not bm25:
            return []
        unknown = index.unknown_idf * w.unknown_word_weight
        idf = {t: index.idf.get(t, unknown) * factor for t, factor in strength.items()}
        query_mass = sum(idf.values())
        best = heapq.nlargest(w.candidates, bm25.items(), key=lambda kv: kv[1])
        top_bm25 = best[0][1]
        total_weight = w.weight_recall + w.weight_precision + w.weight_evidence + w.weight_bm25
        scored = []
        for i, raw in best:
            signals = self._signals(index.items[i], idf, query_mass)
            score = (
                w.weight_recall * signals.recall
                + w.weight_precision * signals.precision
                + w.weight_evidence * signals.evidence
                + w.weight_bm25 * raw / top_bm25
            ) / total_weight
            score *= signals.information
            scored.append(Scored(index.items[i].entry, score, signals.matched_terms))
        scored.sort(key=lambda s: s.score, reverse=True)
        return scored

    def _signals(self, item: IndexedEntry, idf: dict[str, float], query_mass: float) -> Signals:
        """How well one entry fits the query terms (idf-weighted), each signal in [0, 1]."""
        w = self.settings
        explained = salient = 0.0
        matched = 0
        hits: dict[int, float] = {}
        for term, weight in idf.items():
            if term not in item.weights:
                continue
            matched += 1
            salience = item.salience.get(term, 0.0)
            explained += weight if salience else weight * w.answer_only_weight
            salient += weight * salience
            for p in item.term_phrasings.get(term, ()):
                hits[p] = hits.get(p, 0.0) + weight
        recall = max((mass / item.phrasing_mass[p] for p, mass in hits.items()), default=0.0)
        return Signals(
            recall=recall,
            precision=explained / query_mass,
            evidence=1.0 - math.exp(-salient / w.evidence_scale),
            information=1.0 - math.exp(-explained / w.information_scale),
            matched_terms=matched,
        )
