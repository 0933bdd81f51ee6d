"""Turn Dutch text into matching terms: chat spellings, synonyms, stop words, compounds,
typos and stems, in that order, applied the same way to content and to parents' messages."""

from __future__ import annotations

from collections.abc import Iterable

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from faq.dutch_words import is_common_dutch_word, is_dutch_word
from faq.lexicon import MAX_PHRASE_WORDS, Lexicon
from faq.textfold import tokens

_LINKS = ("s", "en", "e")
_MIN_PART = 4
_MIN_COMPOUND = 8
_MIN_TYPO_WORD = 5
_CACHE_LIMIT = 50_000
# No Dutch word is longer (the content's longest has 32 letters): a longer one is pasted or
# hostile text, never split, corrected or cached, so unique long words cannot fill memory or
# make every cut of them a frequency look-up (#15).
_MAX_WORD = 48


class Analyzer:
    """Stateless-looking text analysis; keeps caches because parents repeat the same words."""

    def __init__(
        self,
        lexicon: Lexicon,
        vocabulary: Iterable[str] = (),
        max_typo_edits: int = 3,
        stemmer: str = "dutch_porter",
        part_weight: float = 1.0,
    ) -> None:
        self.lexicon = lexicon
        self.max_typo_edits = max_typo_edits
        self.part_weight = part_weight
        self._protected = lexicon.canonical
        self._stemmer = snowballstemmer.stemmer(stemmer)
        self._stems: dict[str, str] = {}
        self._resolved: dict[str, tuple[tuple[str, float], ...]] = {}
        self.vocabulary: frozenset[str] = frozenset()
        self._parts: frozenset[str] = frozenset()
        self._by_length: dict[int, list[str]] = {}
        self._typos: dict[str, str] = {}
        self.set_vocabulary(vocabulary)

    def set_vocabulary(self, words: Iterable[str]) -> None:
        """Words the content uses: targets for typo correction and compound splitting."""
        self.vocabulary = frozenset(w for w in words if w not in self.lexicon.stopwords)
        self._parts = self.vocabulary | self._protected
        self._by_length = {}
        for word in sorted(self.vocabulary):
            self._by_length.setdefault(len(word), []).append(word)
        self._typos = self._content_typos()
        self._resolved.clear()

    def _content_typos(self) -> dict[str, str]:
        """Typos written on purpose in content phrasings ("onderwjis"), mapped to the real word,
        so they do not become known words that stop a parent's typo from being corrected.
        Strict: one edit away from exactly one ordinary Dutch content word."""
        typos = {}
        lexicon_words = self._protected | set(self.lexicon.single)
        real: dict[int, list[str]] = {}
        for size, words in self._by_length.items():
            real[size] = [w for w in words if is_dutch_word(w)]
        for word in self.vocabulary:
            if len(word) < _MIN_TYPO_WORD or not word.isalpha() or word in lexicon_words:
                continue
            if is_dutch_word(word) or self._is_compound(word):
                continue
            window = [w for size in range(len(word) - 1, len(word) + 2) for w in real.get(size, ())]
            near = process.extract(word, window, scorer=OSA.distance, score_cutoff=1, limit=2)
            near = [found for found in near if found[0] != word]
            if len(near) == 1:
                typos[word] = str(near[0][0])
        return typos

    def surface(self, text: str) -> list[str]:
        """Folded words after chat spellings, phrase synonyms and stop-word removal."""
        words = [w for token in tokens(text) for w in self.lexicon.chat.get(token, (token,))]
        out: list[str] = []
        i = 0
        while i < len(words):
            for size in range(min(MAX_PHRASE_WORDS, len(words) - i), 1, -1):
                canonical = self.lexicon.phrases.get(tuple(words[i : i + size]))
                if canonical is not None:
                    out.append(canonical)
                    i += size
                    break
            else:
                word = self.lexicon.single.get(words[i], words[i])
                if word not in self.lexicon.stopwords:
                    out.append(word)
                i += 1
        return out

    def terms(self, text: str) -> list[str]:
        """Matching terms of the text, in order; compounds add their parts after themselves."""
        return self.terms_of(self.surface(text))

    def terms_of(self, words: list[str]) -> list[str]:
        """Matching terms for words that already went through `surface`."""
        return [term for word in words for term, _ in self.resolve(word)]

    def weighted_terms(self, text: str) -> list[tuple[str, float]]:
        """Terms of a message with their weight: a compound's parts count less than whole words
        ("zomervakantie" is about the summer holiday, not about "vakantie" in general)."""
        return [pair for word in self.surface(text) for pair in self.resolve(word)]

    def resolve(self, word: str) -> tuple[tuple[str, float], ...]:
        """Terms for one surface word (itself or its correction, then compound parts, stemmed),
        each with its weight: 1 for the word, `part_weight` for a part."""
        if len(word) > _MAX_WORD:
            return ((word, 1.0),)
        cached = self._resolved.get(word)
        if cached is not None:
            return cached
        if len(self._resolved) > _CACHE_LIMIT:
            self._resolved.clear()
        if word in self._protected or word.isdigit():
            result: tuple[tuple[str, float], ...] = ((word, 1.0),)
        else:
            known = self._typos.get(word) or (word if word in self.vocabulary else None)
            parts = [] if word in self._typos else self._split(word)
            if known is None and not parts and not self._is_compound(word):
                known = self._correct(word)
            base = known or word
            base = self.lexicon.single.get(base, base)
            weight = self.part_weight
            result = ((self._stem(base), 1.0), *[(self._stem(p), weight) for p in parts])
        self._resolved[word] = result
        return result

    def _is_compound(self, word: str) -> bool:
        """A real Dutch compound of two ordinary words ("zomerkamp"), which is no typo even when
        the FAQ does not know it, so typo correction must leave it alone."""
        if len(word) < _MIN_COMPOUND or not word.isalpha():
            return False
        for cut in range(_MIN_PART, len(word) - _MIN_PART + 1):
            head, tail = word[:cut], word[cut:]
            if not is_common_dutch_word(tail):
                continue
            heads = [head] + [head[: -len(link)] for link in _LINKS if head.endswith(link)]
            if any(len(h) >= _MIN_PART and is_common_dutch_word(h) for h in heads):
                return True
        return False

    def _stem(self, word: str) -> str:
        if word in self._protected:
            return word
        stem = self._stems.get(word)
        if stem is None:
            if len(self._stems) > _CACHE_LIMIT:  # a flood of unique words stays bounded
                self._stems.clear()
            stem = str(self._stemmer.stemWord(word))
            self._stems[word] = stem
        return stem

    def _split(self, word: str) -> list[str]:
        """Split a Dutch compound into two known words ("dyslexieonderzoek"); [] if it is none."""
        if len(word) < _MIN_COMPOUND:
            return []
        vocab = self._parts
        for cut in range(len(word) - _MIN_PART, _MIN_PART - 1, -1):
            head, tail = word[:cut], word[cut:]
            if tail not in vocab or tail in self.lexicon.stopwords:
                continue
            if head in vocab:
                return [self.lexicon.single.get(head, head), self.lexicon.single.get(tail, tail)]
            for link in _LINKS:
                stripped = head[: -len(link)]
                if head.endswith(link) and len(stripped) >= _MIN_PART and stripped in vocab:
                    return [
                        self.lexicon.single.get(stripped, stripped),
                        self.lexicon.single.get(tail, tail),
                    ]
        return []

    def _correct(self, word: str) -> str | None:
        """The closest content word for a probable typo, or None when nothing is close enough.

        Edits allowed grow with length (one for 5-7 letters, two for 8-12, three beyond), counted
        as optimal string alignment so that a swapped pair of letters is one edit.
        """
        if len(word) < _MIN_TYPO_WORD or not word.isalpha() or is_dutch_word(word):
            return None
        edits = min(self.max_typo_edits, 1 if len(word) < 8 else 2 if len(word) <= 12 else 3)
        if edits <= 0:
            return None
        candidates = [
            w
            for size in range(len(word) - edits, len(word) + edits + 1)
            for w in self._by_length.get(size, ())
        ]
        found = process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=edits)
        return None if found is None else str(found[0])
