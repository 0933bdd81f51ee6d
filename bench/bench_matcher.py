"""Matcher benchmark: latency (median, p99) with the shipped FAQ and with 5,000 synthetic
entries, memory of the index, a 10,000-character message, and plain baselines on the held-out set.

Run from the project root:
    .venv/bin/python -m bench.bench_matcher [--eval FILE.tsv]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench import figures
from bench.baselines import (
    best_top1,
    bm25_entry_ranker,
    bm25_phrasing_ranker,
    plain_top1,
    wratio_ranker,
)
from faq.evaluate import Labelled, evaluate, read_labelled
from faq.knowledge import load_knowledge
from faq.lexicon import load_lexicon
from faq.loader import FaqBase
from faq.matcher import Matcher
from faq.model import FaqEntry

# The repo's own held-out set, so the benchmark works in a fresh clone (pass --eval for another).
DEFAULT_EVAL = Path(__file__).resolve().parent / "data" / "faq_heldout.tsv"


def latencies(match: Callable[[str], object], questions: Sequence[str], rounds: int) -> list[float]:
    """Seconds per call, each question matched `rounds` times (first round warms caches)."""
    for q in questions:
        match(q)
    samples = []
    for _ in range(rounds):
        for q in questions:
            start = time.perf_counter()
            match(q)
            samples.append(time.perf_counter() - start)
    return samples


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    median = statistics.median(ordered) * 1000
    return f"median {median:.3f} ms, p99 {p99 * 1000:.3f} ms (n={len(ordered)})"


def synthetic_entries(real: Sequence[FaqEntry], count: int, seed: int = 7) -> list[FaqEntry]:
    """Entries built from the real vocabulary plus invented words, shaped like real ones."""
    rng = random.Random(seed)
    words = sorted({w for e in real for q in e.questions for w in q.lower().split() if w.isalpha()})
    letters = "abcdefghijklmnoprstuvwz"
    invented = [
        "".join(rng.choice(letters) for _ in range(rng.randint(5, 11))) for _ in range(20_000)
    ]

    def sentence() -> str:
        picks = rng.sample(words, rng.randint(3, 7)) + rng.sample(invented, rng.randint(1, 3))
        rng.shuffle(picks)
        return " ".join(picks)

    return [
        FaqEntry(
            id=f"synthetisch-{i}",
            title=sentence()[:60],
            questions=tuple(sentence() for _ in range(8)),
            keywords=tuple(rng.sample(invented, 3)),
            answer=" ".join(sentence() for _ in range(6)),
            steps=(sentence(),),
            related=(),
        )
        for i in range(count)
    ]


def with_typos(text: str, rng: random.Random) -> str:
    """The text with one typing error (swap, drop, double or replace a letter) in each long word."""
    words = text.split()
    for i, word in enumerate(words):
        if len(word) >= 6 and word.isalpha() and rng.random() < 0.7:
            at = rng.randrange(1, len(word) - 2)
            kind = rng.randrange(4)
            if kind == 0:
                word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
            elif kind == 1:
                word = word[:at] + word[at + 1 :]
            elif kind == 2:
                word = word[:at] + word[at] + word[at:]
            else:
                word = word[:at] + rng.choice("aeiourstn") + word[at + 1 :]
            words[i] = word
    return " ".join(words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--synthetic", type=int, default=5000)
    figures.add_option(parser)
    args = parser.parse_args()
    data: list[Labelled] = read_labelled(args.eval) if args.eval.exists() else []
    questions = [d.question for d in data] or ["wat is een opp", "mijn kind zit thuis"]
    out: dict[str, Any] = {"rounds": args.rounds, "synthetic": args.synthetic}

    start = time.perf_counter()
    knowledge = load_knowledge()
    out["load_ms"] = (time.perf_counter() - start) * 1000
    print(
        f"load + index shipped FAQ ({len(knowledge.faq.entries)} entries): {out['load_ms']:.0f} ms"
    )
    shipped = latencies(knowledge.matcher.match, questions, args.rounds)
    out["shipped"] = figures.latency_ms(shipped)
    print("shipped content:   ", summary(shipped))

    long_message = (" ".join(questions) * 20)[:10_000]
    long = latencies(knowledge.matcher.match, [long_message], 20)
    out["long_message"] = figures.latency_ms(long)
    print("10,000-char message:", summary(long))

    real = list(knowledge.faq.entries)
    big = FaqBase(tuple(real + synthetic_entries(real, args.synthetic)))
    tracemalloc.start()
    start = time.perf_counter()
    big_matcher = Matcher(big, load_lexicon(), knowledge.matcher.settings)
    build = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"index of {len(big.entries)} entries: built in {build:.1f} s, "
        f"{current / 2**20:.1f} MiB held, {peak / 2**20:.1f} MiB peak while building"
    )
    big_samples = latencies(big_matcher.match, questions, 3)
    print(f"{len(big.entries)} entries:     ", summary(big_samples))
    out["big"] = {
        "entries": len(big.entries),
        "build_s": build,
        "held_mib": current / 2**20,
        "peak_mib": peak / 2**20,
        **figures.latency_ms(big_samples),
    }
    if data:
        big_report = evaluate(big_matcher.match, data)
        out["big"]["top1"] = big_report.top1
        print(f"  dev top-1 with the synthetic entries mixed in: {big_report.top1:.3f}")

    if data:
        ours = evaluate(knowledge.matcher.match, data)
        out["eval"] = {"set": args.eval.name, "n": len(data), "top1": ours.top1}
        out["eval"]["confident_wrong_rate"] = ours.confident_wrong_rate
        print(f"\nTop-1 on {args.eval.name} ({len(data)} questions):")
        print(
            f"  ouderlijn matcher:   {ours.top1:.3f} "
            f"(confident wrong {ours.confident_wrong_rate:.1%})"
        )
        baselines = (
            ("BM25 over phrasings", bm25_phrasing_ranker(real)),
            ("WRatio over phrasings", wratio_ranker(real)),
            ("BM25 per entry", bm25_entry_ranker(real)),
        )
        out["baselines"] = {}
        print(f"  {'baseline':<22} {'plain':>6} {'ours +':>7}   {'best cut':>8} {'ours +':>7}")
        for name, ranker in baselines:
            plain = plain_top1(ranker, data)
            tuned, _ = best_top1(ranker, data)
            speed = figures.latency_ms(latencies(ranker, questions, 1))
            out["baselines"][name] = {"plain": plain, "best_cut": tuned, **speed}
            print(
                f"  {name:<22} {plain:6.3f} {(ours.top1 - plain) * 100:+7.1f}   "
                f"{tuned:8.3f} {(ours.top1 - tuned) * 100:+7.1f}   "
                f"median {speed['p50_ms']:.3f} ms"
            )
        no_typo = Matcher(
            knowledge.faq, load_lexicon(), replace(knowledge.matcher.settings, max_typo_edits=0)
        )
        rng = random.Random(11)
        typos = [Labelled(d.topic, with_typos(d.question, rng)) for d in data]
        out["typos"] = {
            "ours": evaluate(knowledge.matcher.match, typos).top1,
            "without_correction": evaluate(no_typo.match, typos).top1,
            "without_original_text": evaluate(no_typo.match, data).top1,
            "bm25_phrasings": plain_top1(bm25_phrasing_ranker(real), typos),
        }
        print("\nSame questions with injected typos (one per long word, 70% of long words):")
        print(f"  ouderlijn matcher:        {out['typos']['ours']:.3f}")
        print(f"  without typo correction:  {out['typos']['without_correction']:.3f}")
        print(f"  without, original text:   {out['typos']['without_original_text']:.3f}")
        print(f"  plain BM25 over phrasings: {out['typos']['bm25_phrasings']:.3f}")
    figures.write(args.json, out)


if __name__ == "__main__":
    main()
