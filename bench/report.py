"""The benchmark report (#15): run every benchmark (or `--only` some), keep each one's figures
in bench/results/<name>.json and regenerate bench/README.md from all results there.

    .venv/bin/python -m bench.report [--quick] [--only matcher,telegram] [--render-only]

Every benchmark runs as its own subprocess (`python -m bench.bench_<name> … --json FILE`), one
after the other, so none measures while another runs; `--quick` gives each small sizes (the
whole report in about 3 minutes), full mode their defaults (about an hour, see the README).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
README = ROOT / "bench" / "README.md"


@dataclass(frozen=True)
class Run:
    """One invocation of a benchmark: a label (e.g. "100 ms") and its arguments per mode."""

    label: str
    full: tuple[str, ...] = ()
    quick: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bench:
    """A benchmark of the report: results file name, module, its runs, a time limit per run."""

    name: str
    module: str
    runs: tuple[Run, ...]
    timeout: float = 3600.0


def _telegram(ms: int) -> Run:
    """bench_telegram at `ms` simulated Bot API latency on every call."""
    latency = ("--latency", f"{ms / 1000:g}")
    quick = (*latency, "--parents", "30", "--messages", "2", "--baseline-parents", "6")
    return Run(f"{ms} ms", latency, quick)


BENCHMARKS: tuple[Bench, ...] = (
    Bench("matcher", "bench.bench_matcher",
          (Run("", (), ("--rounds", "2", "--synthetic", "100")),)),
    Bench("matcher_decision", "bench.bench_matcher_decision", (Run("", (), ("--set", "heldout")),)),
    Bench("engine", "bench.bench_engine", (Run("", (), ("--messages", "200")),)),
    Bench("storage", "bench.bench_storage", (Run("", (), ("--turns", "300", "--budget", "2")),)),
    Bench("handoff", "bench.bench_handoff", (Run("", (), ("--runs", "1", "--handoffs", "200",
          "--volunteers", "10", "--contended", "20")),)),
    Bench("reply_latency", "bench.bench_reply_latency",
          (Run("", (), ("--runs", "1", "--parents", "3", "--questions", "3")),)),
    Bench("safety", "bench.bench_safety", (Run("", (), ("--runs", "1")),)),
    Bench("scrub", "bench.bench_scrub", (Run("", (), ("--runs", "1")),)),
    Bench("stats", "bench.bench_stats", (Run("", (), ("--events", "20000", "--repeat", "1")),)),
    Bench("telegram", "bench.bench_telegram", (_telegram(100), _telegram(300))),
    Bench("web", "bench.bench_web", (Run("", (), ("--runs", "1", "--parents", "20",
          "--messages", "2")),)),
    Bench("scale", "bench.bench_scale", (Run("", (), ("--tiny",)),), timeout=7200.0),
)  # fmt: skip
NAMES = tuple(b.name for b in BENCHMARKS)


def command(bench: Bench, run: Run, quick: bool) -> list[str]:
    """The command line as a reader would type it (without `--json`)."""
    return [".venv/bin/python", "-m", bench.module, *(run.quick if quick else run.full)]


def git_commit() -> str:
    """The checkout's commit, with "+changes" when tracked files differ from it."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    head = git("rev-parse", "--short=10", "HEAD") or "unknown"
    return head + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def machine() -> dict[str, Any]:
    """Where the figures were measured: cores, Python, load average when the run started."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.machine()}",
        "load_average": [round(x, 2) for x in load],
    }


def run_one(bench: Bench, run: Run, quick: bool, python: str = sys.executable) -> dict[str, Any]:
    """Run one benchmark invocation as a subprocess; its figures, output and exit status."""
    shown = command(bench, run, quick)
    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        target = Path(folder) / "figures.json"
        started = time.perf_counter()
        try:
            done = subprocess.run(
                [python, *shown[1:], "--json", str(target)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=bench.timeout,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            status, out, err = done.returncode, done.stdout, done.stderr
        except subprocess.TimeoutExpired as expired:
            status, out = -1, _text(expired.stdout)
            err = _text(expired.stderr) + f"\ntimed out after {bench.timeout:.0f} s"
        seconds = time.perf_counter() - started
        loaded = json.loads(target.read_text()) if target.exists() else None
    return {
        "label": run.label,
        "command": shlex.join(shown),
        "returncode": status,
        "seconds": round(seconds, 1),
        "figures": loaded,
        "output": out.rstrip().splitlines(),
        "error": err.strip().splitlines()[-15:] if status != 0 or loaded is None else [],
    }


def _text(data: bytes | str | None) -> str:
    """What a timed-out subprocess wrote so far."""
    return data.decode(errors="replace") if isinstance(data, bytes) else data or ""


def run_bench(bench: Bench, quick: bool, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Every run of one benchmark, with when, where and on which commit it was measured."""
    started, runs = datetime.now(UTC), list[dict[str, Any]]()
    result: dict[str, Any] = {
        "name": bench.name,
        "mode": "quick" if quick else "full",
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_commit(),
        "machine": machine(),
        "runs": runs,
    }
    for run in bench.runs:
        say(
            f"{' '.join([bench.name, run.label]).strip()}: {shlex.join(command(bench, run, quick))}"
        )
        done = run_one(bench, run, quick)
        runs.append(done)
        outcome = "ok" if done["figures"] is not None and done["returncode"] == 0 else "FAILED"
        say(f"  {outcome} in {done['seconds']:.0f} s" + "".join(f"\n  {e}" for e in done["error"]))
    return result


def save(result: dict[str, Any], folder: Path = RESULTS) -> Path:
    """Write one benchmark's result to <folder>/<name>.json."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{result['name']}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return path


def chosen(only: str | None) -> list[Bench]:
    """The benchmarks `--only` names (all when None); an unknown name is an error."""
    if not only:
        return list(BENCHMARKS)
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = sorted(set(names) - set(NAMES))
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(NAMES)}")
    return [b for b in BENCHMARKS if b.name in names]


def main(argv: Sequence[str] | None = None) -> None:
    """Run the chosen benchmarks, save their results, regenerate bench/README.md."""
    from bench.report_render import render

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: about 3 minutes")
    parser.add_argument("--only", metavar="NAME,…", help=f"only these: {', '.join(NAMES)}")
    parser.add_argument("--render-only", action="store_true", help="run nothing, only render")
    args = parser.parse_args(argv)
    failed: list[str] = []
    started = time.perf_counter()
    if not args.render_only:
        for bench in chosen(args.only):
            result = run_bench(bench, args.quick)
            save(result)
            if any(r["figures"] is None or r["returncode"] != 0 for r in result["runs"]):
                failed.append(bench.name)
    README.write_text(render(RESULTS))
    print(f"wrote {README.relative_to(ROOT)} in {time.perf_counter() - started:.0f} s")
    if failed:
        sys.exit(f"failed: {', '.join(failed)} (their sections say so)")


if __name__ == "__main__":
    main()
