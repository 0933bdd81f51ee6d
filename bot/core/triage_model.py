"""The learned half of the safety triage: a small linear model over word and character n-grams.

The rules (safety_rules.py) catch the wordings someone wrote down; this model carries to new
wordings ("wil verdwijnen", "ze hebben hem vastgebonden"). It is a multinomial logistic
regression trained by `ouderlijn safety train` on the labelled corpus in
`bot/core/data/triage_corpus_nl.tsv`; its weights are plain JSON, so a review can read them
and a retrain is deterministic. Pure Python: no numeric library, about a tenth of a
millisecond per message.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from faq.model import ContentError, ContentProblem

DEFAULT_MODEL_FILE = Path(__file__).resolve().parent / "data" / "triage_model_nl.json"
LABELS = ("suicide", "harm", "distress", "null")
MODEL_VERSION = 1
CHAR_SIZES = (3, 4, 5)
# Longer messages are read in windows of this many words, so one dark sentence in a long
# story is not drowned by the school question around it.
WINDOW_WORDS = 24
WINDOW_STEP = 12
MAX_WORDS = 1_500  # beyond this a message is cut (10,000-character messages stay fast)
_SENTENCE = re.compile(r" \. ")


def softmax(scores: Sequence[float]) -> list[float]:
    """Probabilities from scores (shifted by the maximum, so exp never overflows)."""
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def _problem(path: Path, message: str) -> ContentProblem:
    return ContentProblem(str(path), 1, message)


def emoji_features(text: str) -> list[str]:
    """Pictographs survive as features ('e:😭'); folding would remove them."""
    found = []
    for char in text:
        if unicodedata.category(char) == "So":
            found.append("e:" + char)
    return found


def features(folded: str, raw: str = "") -> list[str]:
    """The n-gram features of one folded text: words, word pairs and character n-grams.

    `raw` is the unfolded text, read only for emoji.
    """
    words = _SENTENCE.sub(" ", folded).split()[:MAX_WORDS]
    found = [f"w:{w}" for w in words]
    found += [f"b:{a}_{b}" for a, b in itertools.pairwise(words)]
    for word in words:
        padded = f"<{word}>"
        for size in CHAR_SIZES:
            found += [f"c:{padded[i : i + size]}" for i in range(len(padded) - size + 1)]
    return found + emoji_features(raw)


def windows(folded: str) -> Iterator[str]:
    """The whole text when short, else overlapping windows of words (sentence marks kept)."""
    words = folded.split()
    if len(words) <= WINDOW_WORDS:
        yield folded
        return
    words = words[:MAX_WORDS]
    for start in range(0, max(1, len(words) - WINDOW_STEP), WINDOW_STEP):
        yield " ".join(words[start : start + WINDOW_WORDS])


@dataclass(frozen=True)
class TriageModel:
    """Weights per feature for each label; probabilities by softmax."""

    labels: tuple[str, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, Sequence[float]]
    thresholds: dict[str, float] = field(default_factory=dict)  # chosen at training time

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL_FILE) -> TriageModel:
        """Read a model file written by `ouderlijn safety train`; ContentError if unusable."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            problem = _problem(path, f"cannot read the triage model ({error})")
            raise ContentError([problem]) from error
        if not isinstance(data, dict) or data.get("version") != MODEL_VERSION:
            raise ContentError([_problem(path, f"not a version {MODEL_VERSION} triage model")])
        labels = tuple(data.get("labels", ()))
        if labels != LABELS:
            raise ContentError([_problem(path, f"labels must be {', '.join(LABELS)}")])
        weights = data.get("weights", {})
        width = len(labels)
        if not isinstance(weights, dict) or any(
            not isinstance(w, list) or len(w) != width for w in weights.values()
        ):
            raise ContentError([_problem(path, f"every weight row needs {width} numbers")])
        thresholds = data.get("thresholds", {})
        if not isinstance(thresholds, dict) or set(thresholds) - set(labels[:-1]):
            names = ", ".join(labels[:-1])
            raise ContentError([_problem(path, f"thresholds are per category ({names})")])
        return cls(
            labels,
            tuple(float(b) for b in data["bias"]),
            weights,
            {k: float(v) for k, v in thresholds.items()},
        )

    def to_json(self) -> dict[str, object]:
        return {
            "version": MODEL_VERSION,
            "labels": list(self.labels),
            "thresholds": self.thresholds,
            "bias": [round(b, 4) for b in self.bias],
            "weights": {k: [round(x, 4) for x in v] for k, v in sorted(self.weights.items())},
        }

    def probabilities(self, found: Sequence[str]) -> dict[str, float]:
        """Softmax over the labels for one feature list (features count once, scaled);
        all weight on 'null' when none of the features is known."""
        unique = set(found)
        scale = 1.0 / math.sqrt(len(unique)) if unique else 0.0
        scores = list(self.bias)
        known = 0
        for feature in unique:
            row = self.weights.get(feature)
            if row is not None:
                known += 1
                for i, weight in enumerate(row):
                    scores[i] += weight * scale
        if not known:  # nothing the model has ever seen ("👍", "9"): it has no opinion
            return {label: float(label == "null") for label in self.labels}
        return dict(zip(self.labels, softmax(scores), strict=True))

    def scores(self, folded: str, raw: str = "") -> dict[str, float]:
        """Per label, the highest probability over the message's windows ('null': the lowest)."""
        best = dict.fromkeys(self.labels, 0.0)
        best["null"] = 1.0
        emoji = emoji_features(raw)
        for part in windows(folded):
            probs = self.probabilities(features(part) + emoji)
            for label, p in probs.items():
                if label == "null":
                    best[label] = min(best[label], p)
                else:
                    best[label] = max(best[label], p)
        return best
