"""The PII scrubber's cost: load time, memory (VmRSS) and time per message.

Run: `.venv/bin/python -m bench.bench_scrub [--runs 5] [--deduce]`. Each measurement runs in a
fresh child process so memory is the scrubber's own: "cold" starts from a bare interpreter,
"warm" first loads wordfreq's Dutch list as the bot's FAQ matcher already does. Time per
message is each corpus line's median over the runs; the median and p90 over the lines are
printed. `--deduce` also loads full deduce (slow, about a gigabyte) and measures its recall.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import figures

ROOT = Path(__file__).resolve().parents[1]
LONG = 10_000


def rss_mb() -> float:
    """This process's resident memory in MB (VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(mode: str, runs: int) -> dict[str, float]:
    """Measure in this (fresh) process; mode "warm" loads wordfreq's Dutch list first."""
    if mode == "warm":
        from wordfreq import zipf_frequency

        zipf_frequency("school", "nl")
    before = rss_mb()
    started = time.perf_counter()
    from bot.privacy import default_scrubber
    from bot.privacy.evaluate import read_corpus

    scrubber = default_scrubber()
    load = time.perf_counter() - started
    loaded = rss_mb()
    messages = [line.text for line in read_corpus()]
    times: list[list[float]] = [[] for _ in messages]
    for _ in range(runs):
        for i, message in enumerate(messages):
            start = time.perf_counter()
            scrubber.scrub(message)
            times[i].append(time.perf_counter() - start)
    per = sorted(statistics.median(t) for t in times)
    story = " ".join(messages)[:LONG]
    start = time.perf_counter()
    scrubber.scrub(story)
    return {
        "messages": len(messages),
        "rss_before": before,
        "rss_loaded": loaded,
        "rss_after": rss_mb(),
        "load_s": load,
        "median_us": per[len(per) // 2] * 1e6,
        "p90_us": per[int(len(per) * 0.9)] * 1e6,
        "long_ms": (time.perf_counter() - start) * 1000,
    }


def deduce_child() -> dict[str, float]:
    """Full deduce on the corpus: load time, memory, recall of any personal span (any kind)."""
    before = rss_mb()
    started = time.perf_counter()
    import deduce  # type: ignore[import-untyped,import-not-found,unused-ignore]

    model = deduce.Deduce()
    load = time.perf_counter() - started
    from bot.privacy.evaluate import read_corpus

    corpus = read_corpus()
    found = total = 0
    start = time.perf_counter()
    for line in corpus:
        doc = model.deidentify(line.text)
        spans = [(a.start_char, a.end_char) for a in doc.annotations]
        for span in line.spans:
            total += 1
            found += all(
                line.text[i].isspace() or any(s <= i < e for s, e in spans)
                for i in range(span.start, span.end)
            )
    per = (time.perf_counter() - start) / len(corpus)
    return {
        "rss_before": before,
        "rss_after": rss_mb(),
        "load_s": load,
        "recall_any_kind": found / total,
        "mean_us": per * 1e6,
    }


def spawn(*args: str) -> dict[str, float]:
    """Run this module as a child with args; its last stdout line is the JSON result."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_scrub", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Spawn the children and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--deduce", action="store_true", help="also measure full deduce")
    parser.add_argument("--child", choices=("cold", "warm", "deduce"), help=argparse.SUPPRESS)
    figures.add_option(parser)
    args = parser.parse_args()
    if args.child:
        result = deduce_child() if args.child == "deduce" else child(args.child, args.runs)
        print(json.dumps(result))
        return
    out: dict[str, dict[str, float]] = {}
    for mode in ("cold", "warm"):
        r = out[mode] = spawn("--child", mode, "--runs", str(args.runs))
        print(
            f"{mode}: load {r['load_s']:.2f} s; VmRSS {r['rss_before']:.0f} MB before, "
            f"{r['rss_loaded']:.0f} MB loaded, {r['rss_after']:.0f} MB after "
            f"{int(r['messages'])} messages x {args.runs}"
        )
        print(
            f"      per message: median {r['median_us']:.0f} µs, p90 {r['p90_us']:.0f} µs; "
            f"{LONG:,} characters: {r['long_ms']:.1f} ms"
        )
    if args.deduce:
        d = out["deduce"] = spawn("--child", "deduce")
        print(
            f"deduce: load {d['load_s']:.1f} s; VmRSS {d['rss_before']:.0f} -> "
            f"{d['rss_after']:.0f} MB; recall (any kind) {d['recall_any_kind']:.1%}; "
            f"{d['mean_us']:.0f} µs per message"
        )
    figures.write(args.json, {"runs": args.runs, **out})


if __name__ == "__main__":
    main()
