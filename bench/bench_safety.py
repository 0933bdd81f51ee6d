"""The safety triage's time per message: rules alone, the model alone, and the engine's check.

Run: `.venv/bin/python -m bench.bench_safety`. Every figure is the median of `--runs` passes
over the same messages (the machine is shared and noisy); the ratio says what the model costs
on top of the rules.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence

from bench import figures
from bot.core.safety import CrisisCheck, fold_message
from bot.triage_training import read_corpus

LONG = 10_000


def per_message(work: Callable[[str], object], messages: Sequence[str], runs: int) -> float:
    """Median over runs of the mean seconds per message."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for message in messages:
            work(message)
        times.append((time.perf_counter() - start) / len(messages))
    return statistics.median(times)


def long_message() -> str:
    """A 10,000-character story with one dark sentence in the middle."""
    school = "Hij is doodmoe na school en wil dolgraag naar een andere klas met minder drukte. "
    dark = "Gisteren zei hij dat het voor hem niet meer hoeft. "
    half = (school * 70)[: LONG // 2]
    return (half + dark + school * 70)[:LONG]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    figures.add_option(parser)
    args = parser.parse_args()
    check = CrisisCheck.load()
    assert check.model is not None
    model = check.model
    messages = [row.message for row in read_corpus()]
    rules = per_message(lambda m: check.rules.fired(fold_message(m)), messages, args.runs)
    learned = per_message(
        lambda m: model.scores(check.rules.mask(fold_message(m)), m), messages, args.runs
    )
    full = per_message(check.triage, messages, args.runs)
    story = long_message()
    long_full = per_message(check.triage, [story], args.runs)
    print(f"{len(messages)} corpus messages, median of {args.runs} runs")
    print(f"rules alone:    {rules * 1e6:8.1f} µs per message")
    print(f"model alone:    {learned * 1e6:8.1f} µs per message")
    print(f"engine's check: {full * 1e6:8.1f} µs per message ({full / rules:.1f}x the rules)")
    print(
        f"10,000 characters: {long_full * 1000:.2f} ms, category "
        f"{check.triage(story).category} (the dark sentence sits in the middle)"
    )
    us = {"rules_us": rules * 1e6, "model_us": learned * 1e6, "check_us": full * 1e6}
    long = {"long_ms": long_full * 1000, "long_category": str(check.triage(story).category)}
    figures.write(args.json, {"messages": len(messages), "runs": args.runs, **us, **long})


if __name__ == "__main__":
    main()
