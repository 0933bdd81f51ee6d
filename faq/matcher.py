"""Find the FAQ entry a parent means: a confident answer, a few suggestions, or nothing."""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from enum import Enum

from rapidfuzz import fuzz

from faq.analyzer import Analyzer
from faq.index import FaqIndex
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

    answer_threshold: float = 0.55
    answer_margin: float = 0.08
    suggest_threshold: float = 0.30
    suggest_window: float = 0.20
    max_suggestions: int = 3
    candidates: int = 25
    unknown_word_weight: float = 0.5
    typo_cutoff: float = 80.0
    max_terms: int = 400
    answer_only_weight: float = 0.5
    evidence_scale: float = 1.5
    weight_recall: float = 0.3
    weight_precision: float = 0.25
    weight_evidence: float = 0.3
    weight_fuzzy: float = 0.0
    weight_bm25: float = 0.15


@dataclass(frozen=True)
class Scored:
    entry: FaqEntry
    score: float


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
            list(faq.entries), Analyzer(lexicon, typo_cutoff=self.settings.typo_cutoff)
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
        if top.score >= s.answer_threshold and top.score - second >= s.answer_margin:
            return MatchResult(Outcome.ANSWER, answer=top.entry, scores=scores)
        floor = max(s.suggest_threshold, top.score - s.suggest_window)
        picks = tuple(r.entry for r in ranked[: s.max_suggestions] if r.score >= floor)
        return MatchResult(Outcome.SUGGESTIONS, suggestions=picks, scores=scores)

    def rank(self, text: str) -> list[Scored]:
        """Candidate entries, best first, with a confidence between 0 and 1."""
        index = self.index
        terms = list(dict.fromkeys(index.analyzer.terms(text)))[: self.settings.max_terms]
        if not terms:
            return []
        bm25: dict[int, float] = {}
        for term in terms:
            for i, weight in index.postings.get(term, ()):
                bm25[i] = bm25.get(i, 0.0) + weight
        if not bm25:
            return []
        idf = {
            t: index.idf[t]
            if t in index.idf
            else index.unknown_idf * self.settings.unknown_word_weight
            for t in terms
        }
        query_mass = sum(idf.values())
        query = frozenset(terms)
        query_text = " ".join(sorted(query))
        best = heapq.nlargest(self.settings.candidates, bm25.items(), key=lambda kv: kv[1])
        top_bm25 = best[0][1]
        w = self.settings
        scored = []
        for i, raw in best:
            item = index.items[i]
            explained = sum(
                idf[t] * (1.0 if t in item.salience else w.answer_only_weight)
                for t in query
                if t in item.weights
            )
            precision = explained / query_mass
            recall = (
                max(
                    sum(idf[t] for t in p & query) / sum(index.term_idf(t) for t in p)
                    for p in item.phrasings
                )
                if item.phrasings
                else 0.0
            )
            salient_mass = sum(idf[t] * item.salience.get(t, 0.0) for t in query)
            evidence = 1.0 - math.exp(-salient_mass / w.evidence_scale)
            fuzzy = max(fuzz.token_set_ratio(query_text, p) for p in item.phrasing_texts) / 100
            score = (
                w.weight_recall * recall
                + w.weight_precision * precision
                + w.weight_evidence * evidence
                + w.weight_fuzzy * fuzzy
                + w.weight_bm25 * raw / top_bm25
            )
            scored.append(Scored(item.entry, score))
        scored.sort(key=lambda s: s.score, reverse=True)
        return scored
