"""The scale benchmark's report as numbers (#15), for `bench_scale --json`: per backend the
medians of claims, FAQ replies and ticks, messages/s of 1 and 2 instances and their ratio."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bench import scale_world as w
from bench.figures import nearest

if TYPE_CHECKING:
    from bench.bench_scale import Report, Result

med = statistics.median


def _pct(samples: Sequence[Sequence[float]]) -> dict[str, float] | None:
    """Median over the runs of p50 and p99 (ms); None when a part did not run."""
    if not samples or not all(samples):
        return None
    p50, p99 = (med(nearest(s, f) * 1000 for s in samples) for f in (0.5, 0.99))
    return {"p50_ms": p50, "p99_ms": p99}


def _tick(ticks: Sequence[w.TickRun]) -> dict[str, Any] | None:
    """A tick's median seconds, rows and the FAQ replies asked while it ran."""
    if not ticks:
        return None
    asked = [t.asked for t in ticks if t.asked is not None]
    return {
        "seconds": med(t.seconds for t in ticks),
        "rows": med(t.rows for t in ticks),
        "most_to_one": med(t.most_to_one for t in ticks),
        "faq": _pct([a.latencies for a in asked]),
        "faq_unanswered": med(a.unanswered for a in asked) if asked else None,
    }


def backend(result: Result) -> dict[str, Any]:
    """One backend's figures."""
    rates = {n: med(t.rate for t in runs) for n, runs in result.rates.items() if runs}
    ratio = rates[2] / rates[1] if 1 in rates and 2 in rates else None
    return {
        "seeding_s": result.seeding,
        "claim": _pct([c.latencies for c in result.claims]),
        "claim_concurrent": _pct([c.latencies for c in result.concurrent]),
        "verified": result.verified,
        "faq_idle": _pct([a.latencies for a in result.idle]),
        "first_tick": _tick(result.first),
        "steady_tick": _tick(result.steady),
        "escalation_tick": _tick(result.escalation),
        "messages_per_s": {str(n): rate for n, rate in sorted(rates.items())},
        "two_over_one": ratio,
        "warnings": result.warnings.total(),
    }


def figures_of(report: Report, rows: list[tuple[str, list[str]]]) -> dict[str, Any]:
    """The whole report: the plan, each backend's figures, the printed table and what was
    skipped (PostgreSQL without a server)."""
    plan = report.plan
    return {
        "handoffs": plan.size.handoffs,
        "volunteers": plan.size.volunteers,
        "messages": plan.messages,
        "runs": plan.runs,
        "tick_runs": plan.tick_runs,
        "backends": {r.backend: backend(r) for r in report.results},
        "table": {
            "columns": [r.backend for r in report.results],
            "rows": [[label, *cells] for label, cells in rows],
        },
        "skipped": list(report.skipped),
        "seconds": report.seconds,
    }
