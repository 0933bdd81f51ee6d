"""Train and measure the triage model on the labelled corpus (`ouderlijn safety train|eval`).

The corpus (`bot/core/data/triage_corpus_nl.tsv`: split, label, message) was written for this
project; its `test` split is never trained on, so `eval` reports how the check does on wordings
it has not seen. Training is deterministic: a fixed seed, a fixed number of passes.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.safety import CATEGORIES, DEFAULT_THRESHOLDS, fold_message
from bot.core.safety_rules import RuleSet
from bot.core.texts import load_texts
from bot.core.triage_model import LABELS, TriageModel, features, softmax
from faq.decision_tree import load_tree
from faq.loader import check_faq
from faq.model import ContentError, ContentProblem

DEFAULT_CORPUS = Path(__file__).resolve().parent / "core" / "data" / "triage_corpus_nl.tsv"
SPLITS = ("train", "test")
EPOCHS = 40
LEARNING_RATE = 0.5
L2 = 1e-4
SEED = 20261202
# Every label counts the same; recall comes from the low crisis thresholds (safety.py).
CLASS_WEIGHTS = {"suicide": 1.0, "harm": 1.0, "distress": 1.0, "null": 1.0}
PRUNE_BELOW = 0.002  # weights this small change no decision; leaving them out keeps the file small


@dataclass(frozen=True)
class Row:
    split: str
    label: str
    message: str
    line: int


def _lines(path: Path) -> list[str]:
    """The file's lines; ContentError (file:1) when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        problem = ContentProblem(str(path), 1, f"cannot read file ({error.strerror})")
        raise ContentError([problem]) from error


def read_corpus(path: Path = DEFAULT_CORPUS) -> list[Row]:
    """The corpus rows; ContentError with file:line for every malformed line."""
    lines = _lines(path)
    problems: list[ContentProblem] = []
    if not lines or lines[0].split("\t") != ["split", "label", "message"]:
        problems.append(
            ContentProblem(str(path), 1, "the header must be 'split<TAB>label<TAB>message'")
        )
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for number, text in enumerate(lines[1:], start=2):
        if not text.strip():
            continue
        parts = text.split("\t")
        if len(parts) != 3 or parts[0] not in SPLITS or parts[1] not in LABELS or not parts[2]:
            problems.append(
                ContentProblem(str(path), number, f"expected split, label, message ({text[:40]!r})")
            )
            continue
        key = parts[2].strip().lower()
        if key in seen:
            problems.append(ContentProblem(str(path), number, f"duplicate of line {seen[key]}"))
        seen[key] = number
        rows.append(Row(parts[0], parts[1], parts[2], number))
    if problems:
        raise ContentError(problems)
    return rows


def read_labelled(path: Path) -> list[Row]:
    """A two-column TSV (label, message) measured as a whole, e.g. a fresh held-out set;
    ContentError with file:line for malformed lines."""
    lines = _lines(path)
    rows, problems = [], []
    for number, text in enumerate(lines[1:], start=2):
        label, _, message = text.partition("\t")
        if not text.strip():
            continue
        if label not in LABELS or not message:
            problems.append(ContentProblem(str(path), number, "expected label, message"))
            continue
        rows.append(Row("heldout", label, message, number))
    if problems:
        raise ContentError(problems)
    return rows


def everyday_rows() -> list[Row]:
    """The shipped FAQ's phrasings, button labels and tree choices as everyday (null)
    training messages: the corpus alone has too few ordinary questions and short answers
    ("Een paar dagen", "Terug"), and the model must stay quiet on them."""
    entries, _ = check_faq()
    texts = load_texts("nl")
    tree = load_tree()
    found = [question for entry in entries for question in entry.questions]
    found += [*texts.buttons.values(), *texts.topics.values()]
    found += [choice.label for node in tree.nodes.values() for choice in node.choices]
    unique = list(dict.fromkeys(found))
    return [Row("train", "null", text, 0) for text in unique]


def _features(message: str, rules: RuleSet) -> list[str]:
    """What the model reads: the folded message with everyday expressions masked."""
    return features(rules.mask(fold_message(message)), message)


def train(
    rows: Sequence[Row], rules: RuleSet, epochs: int = EPOCHS, seed: int = SEED
) -> TriageModel:
    """Multinomial logistic regression by AdaGrad SGD over the rows (deterministic); `rules`
    masks the everyday expressions, as the check does."""
    index = {label: i for i, label in enumerate(LABELS)}
    examples = [(sorted(set(_features(r.message, rules))), index[r.label]) for r in rows]
    width = len(LABELS)
    weights: dict[str, list[float]] = defaultdict(lambda: [0.0] * width)
    squares: dict[str, list[float]] = defaultdict(lambda: [1e-8] * width)
    bias, bias_squares = [0.0] * width, [1e-8] * width
    rng = random.Random(seed)
    order = list(range(len(examples)))
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            found, gold = examples[i]
            scale = 1.0 / math.sqrt(len(found)) if found else 0.0
            scores = list(bias)
            for f in found:
                row = weights[f]
                for k in range(width):
                    scores[k] += row[k] * scale
            weight = CLASS_WEIGHTS[LABELS[gold]]
            grads = [weight * (p - (k == gold)) for k, p in enumerate(softmax(scores))]
            for k in range(width):
                bias_squares[k] += grads[k] ** 2
                bias[k] -= LEARNING_RATE * grads[k] / math.sqrt(bias_squares[k])
            for f in found:
                row, sq = weights[f], squares[f]
                for k in range(width):
                    g = grads[k] * scale + L2 * row[k]
                    sq[k] += g * g
                    row[k] -= LEARNING_RATE * g / math.sqrt(sq[k])
    kept = {f: w for f, w in weights.items() if max(abs(x) for x in w) >= PRUNE_BELOW}
    return TriageModel(LABELS, tuple(bias), kept, dict(DEFAULT_THRESHOLDS))


@dataclass(frozen=True)
class Report:
    """Precision and recall per category over labelled rows, and the confusions."""

    counts: dict[str, Counter[str]]  # gold label -> predicted label -> count
    misses: list[tuple[str, str, str]]  # (gold, predicted, message)

    def precision(self, category: str) -> float:
        predicted = sum(c[category] for c in self.counts.values())
        return self.counts.get(category, Counter())[category] / predicted if predicted else 1.0

    def recall(self, category: str) -> float:
        gold = sum(self.counts.get(category, Counter()).values())
        return self.counts[category][category] / gold if gold else 1.0

    def lines(self) -> list[str]:
        out = [f"{'category':<10} {'n':>4} {'precision':>9} {'recall':>7}"]
        for category in (*CATEGORIES, "null"):
            n = sum(self.counts.get(category, Counter()).values())
            out.append(
                f"{category:<10} {n:>4} {self.precision(category):>9.3f} "
                f"{self.recall(category):>7.3f}"
            )
        crisis_gold = ("suicide", "harm")
        caught = sum(
            n
            for g in crisis_gold
            for p, n in self.counts.get(g, Counter()).items()
            if p in crisis_gold
        )
        total = sum(sum(self.counts.get(g, Counter()).values()) for g in crisis_gold)
        out.append(f"crisis (suicide or harm) caught as a crisis: {caught}/{total}")
        return out


def evaluate(classify: Callable[[str], str | None], rows: Iterable[Row]) -> Report:
    """Run `classify` (message -> category or None) over rows and count the outcomes."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    misses: list[tuple[str, str, str]] = []
    for row in rows:
        predicted = classify(row.message) or "null"
        counts[row.label][predicted] += 1
        if predicted != row.label:
            misses.append((row.label, predicted, row.message))
    return Report(dict(counts), misses)
