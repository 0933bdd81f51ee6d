"""The benchmark report (bench/report.py): bench/README.md rendered from fixture results
(shaped by the benchmarks' own figure functions where they have one), the stress suites'
section, and one real benchmark through the runner end to end."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from bench import bench_scale, report, report_render
from bench.bench_telegram import Outcome as TelegramOutcome
from bench.bench_telegram import Report as TelegramReport
from bench.bench_telegram import figures_of as telegram_figures
from bench.report_sections import SECTIONS
from bench.scale_figures import figures_of as scale_figures
from bench.scale_world import Claims

MACHINE = {"cores": 2, "python": "3.11.2", "system": "Linux x86_64", "load_average": [3.5]}


def result(name: str, *runs: tuple[str, object], mode: str = "quick") -> dict[str, object]:
    """A results file as report.run_bench writes it, with (label, figures) runs."""
    return {
        "name": name,
        "mode": mode,
        "date": "2026-12-03 18:00 UTC",
        "commit": "abc1234567",
        "machine": MACHINE,
        "runs": [
            {"label": label, "command": f".venv/bin/python -m bench.bench_{name} {label}",
             "returncode": 0, "seconds": 12.0, "figures": figures, "output": [], "error": []}
            for label, figures in runs
        ],
    }  # fmt: skip


def telegram_at(ms: int, replies_per_s: float) -> dict[str, object]:
    """bench_telegram's own figures for one latency: concurrent at `replies_per_s`."""
    fast = TelegramOutcome(20, 2, 40, 40 / replies_per_s, tuple([ms / 1000] * 40))
    slow = TelegramOutcome(5, 2, 10, 2.0, tuple([ms / 500] * 10))
    return telegram_figures([TelegramReport(fast, slow)], ms / 1000)


def scale_result() -> dict[str, object]:
    """bench_scale's figures of a report with both backends, PostgreSQL at 1 and 2 instances."""

    def rate(n: int, per_s: float) -> bench_scale.Throughput:
        return bench_scale.Throughput(n, 300, 300 / per_s, Counter())

    lite = bench_scale.Result("SQLite", claims=[Claims((0.001, 0.002, 0.004), ())])
    lite.rates = {1: [rate(1, 120.0)]}
    pg = bench_scale.Result("PostgreSQL", claims=[Claims((0.005, 0.006, 0.010), ())])
    pg.rates = {1: [rate(1, 100.0)], 2: [rate(2, 150.0)]}
    made = bench_scale.Report(bench_scale.TINY, [lite, pg], [], 42.0)
    return result("scale", ("", scale_figures(made, bench_scale.rows_of(made))))


MATCHER = {
    "load_ms": 900.0, "rounds": 3, "synthetic": 500,
    "shipped": {"p50_ms": 0.5, "p99_ms": 1.5, "n": 570},
    "long_message": {"p50_ms": 4.0, "p99_ms": 6.0, "n": 20},
    "big": {"entries": 573, "build_s": 1.2, "held_mib": 9.0, "peak_mib": 20.0,
            "p50_ms": 0.8, "p99_ms": 2.0, "n": 570, "top1": 0.8},
    "eval": {"set": "faq_heldout.tsv", "n": 190, "top1": 0.85, "confident_wrong_rate": 0.02},
    "baselines": {
        "BM25 over phrasings": {"plain": 0.60, "best_cut": 0.65, "p50_ms": 1.0, "p99_ms": 2.0},
        "WRatio over phrasings": {"plain": 0.40, "best_cut": 0.45, "p50_ms": 2.0, "p99_ms": 3.0},
    },
    "typos": {"ours": 0.8, "without_correction": 0.7, "without_original_text": 0.84,
              "bm25_phrasings": 0.5},
}  # fmt: skip


@pytest.fixture
def results(tmp_path: Path) -> Path:
    """A results folder: matcher, telegram at 100 and 300 ms, scale, a failed web run, and
    stress records: faults clean, crash with one lost message."""
    files = {
        "matcher": result("matcher", ("", MATCHER)),
        "telegram": result("telegram", ("100 ms", telegram_at(100, 20.0)),
                           ("300 ms", telegram_at(300, 10.0)), mode="full"),
        "scale": scale_result(),
        "web": result("web", ("", None)),
        "stress-faults": {"suite": "faults", "form": "full", "runs": {
            "telegram-5%": {"injected": {"timeout": 7, "reset": 3}, "lost": 0, "duplicated": 0},
            "web-20%": {"injected": {"drop": 12}, "lost": 0, "duplicated": 0}}},
        "stress-crash": {"suite": "crash", "form": "full",
                         "crash-run-sqlite": {"kills": 20, "lost": 1, "duplicated": 0}},
    }  # fmt: skip
    files["web"]["runs"][0].update(returncode=1, error=["FAIL: 3 parents got no reply"])  # type: ignore[index]
    for name, content in files.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(content))
    return tmp_path


def section(readme: str, title_start: str) -> str:
    """The text of the `## ` section whose title starts with `title_start`."""
    start = readme.index(f"\n## {title_start}")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end > 0 else None]


def test_the_readme_says_it_is_generated_and_has_a_section_per_benchmark(results):
    readme = report_render.render(results)
    assert "Generated file" in readme and "hand edits here are lost" in readme
    assert readme.count("\n## ") == len(SECTIONS) + 1  # and the stress suites
    for name in ("engine", "storage", "handoff", "stats"):  # no results: not run yet
        assert f"**Not run yet**: `.venv/bin/python -m bench.report --only {name}`" in readme
    # the scale section keeps its hand-written explanation after the generated table
    scale = section(readme, "Scale")
    assert scale.index("PostgreSQL 2 instances / 1 instance") < scale.index("Where the time goes")


def test_sections_show_the_command_the_medians_and_the_ratios(results):
    readme = report_render.render(results)
    matcher = section(readme, "Matcher:")
    assert "`abc1234567`" in matcher and "2 cores, Python 3.11.2" in matcher
    assert ".venv/bin/python -m bench.bench_matcher" in matcher
    assert "| shipped FAQ | 0.500 | 1.500 | 570 |" in matcher
    # ours 0.85 against BM25 0.60 plain / 0.65 best cut; BM25 twice our p50 latency
    assert "| BM25 over phrasings | 0.600 | 0.650 | +25.0 / +20.0 | 1.000 | 2.00× |" in matcher
    assert "| WRatio over phrasings | 0.400 | 0.450 | +45.0 / +40.0 | 2.000 | 4.00× |" in matcher

    telegram = section(readme, "Telegram")
    assert "*full run" in telegram and "--latency" not in telegram  # fixture commands
    assert "| 100 ms | concurrent | 20 × 2 | 20.0 | 0.10 | 0.10 | 0.10 | 4.0× |" in telegram
    assert "300 ms / 100 ms: 0.50× the replies/s, 3.00× the p50 latency" in telegram

    scale = section(readme, "Scale")
    assert "PostgreSQL 2 instances / 1 instance: 1.50×" in scale
    assert "PostgreSQL / SQLite messages/s, 1 instance: 0.83×" in scale
    assert "| claim (/volgende), one at a time: p50/p99 | 2.0 / 4.0 ms | 6.0 / 10.0 ms |" in scale


def test_a_failed_run_says_so_with_its_error(results):
    web = section(report_render.render(results), "Web chat")
    assert "**Failed** (`.venv/bin/python -m bench.bench_web `, exit 1)" in web
    assert "FAIL: 3 parents got no reply" in web and "| replies/s" not in web


def test_stress_suites_show_lost_and_duplicated_and_what_has_not_run(results):
    stress = section(report_render.render(results), "Stress suites")
    assert "| faults | full | 22 injected | **0** | **0** | [below](#stress-faults) |" in stress
    assert "| crash | full | 20 kills | 1 ⚠ | **0** |" in stress  # a lost message is not hidden
    assert "| hostile | not run yet |" in stress and "| soak | not run yet |" in stress
    assert (
        "| run | injected.timeout | injected.reset | lost | duplicated | injected.drop |" in stress
    )
    assert "| `web-20%` | – | – | 0 | 0 | 12 |" in stress
    assert "| `crash-run-sqlite` | 20 | 1 | 0 |" in stress


def test_every_benchmark_has_prose_in_the_template_and_a_runner_entry():
    parts = report_render.prose()
    assert {"intro", "stress", "scale-after"} <= set(parts)
    assert set(SECTIONS) <= set(parts) and set(SECTIONS) == set(report.NAMES)
    with pytest.raises(SystemExit, match="unknown benchmark"):
        report.chosen("matcher,nonsense")
    assert [b.name for b in report.chosen("scale, telegram")] == ["telegram", "scale"]


def test_one_real_benchmark_end_to_end_through_the_runner(tmp_path):
    storage = report.Bench("storage", "bench.bench_storage", (report.Run("", (), ("--turns",
                           "40", "--budget", "5")),), timeout=120)  # fmt: skip
    saved = report.save(report.run_bench(storage, quick=True, say=lambda _: None), tmp_path)
    written = json.loads(saved.read_text())
    assert written["mode"] == "quick" and written["machine"]["cores"] >= 1
    assert len(written["commit"]) >= 7
    run = written["runs"][0]
    assert run["returncode"] == 0 and run["command"].endswith("bench_storage --turns 40 --budget 5")
    scenarios = run["figures"]["scenarios"]
    assert len(scenarios) == 3 and all(
        s["n"] == 40 and s["turns_per_s"] > 0 for s in scenarios.values()
    )
    sync = scenarios["Store (sync, sequential)"]
    readme = report_render.render(tmp_path)
    assert f"| Store (sync, sequential) | {sync['turns_per_s']:,.0f} |" in section(
        readme, "Storage"
    )

    broken = report.Bench("stats", "bench.no_such_benchmark", (report.Run(""),))
    failed = report.run_bench(broken, quick=True, say=lambda _: None)["runs"][0]
    assert failed["returncode"] == 1 and failed["figures"] is None
    assert any("No module named bench.no_such_benchmark" in line for line in failed["error"])
