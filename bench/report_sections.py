"""One table (or a few) per benchmark for bench/README.md (#15), from the figures each
benchmark writes with `--json`; ratios are computed here, where both sides are at hand."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Runs = Sequence[dict[str, Any]]  # the successful runs of one benchmark (label, figures)


def cell(value: object, digits: int = 1) -> str:
    """A table cell: thousands separators, `digits` decimals for fractions, "–" for None."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:,.{digits}f}"
    if isinstance(value, list | tuple):
        return ", ".join(cell(v, digits) for v in value)
    return str(value).replace("|", "\\|")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def ms(figures: dict[str, Any], digits: int = 2) -> list[str]:
    """p50 and p99 cells of a latency dict (ms)."""
    return [cell(figures.get("p50_ms"), digits), cell(figures.get("p99_ms"), digits)]


def ratio(a: float | None, b: float | None, digits: int = 2) -> str:
    """a / b as "1.23×", or "–" when either is missing or b is zero."""
    return f"{a / b:.{digits}f}×" if a is not None and b else "–"


def matcher(runs: Runs) -> list[str]:
    f = runs[0]["figures"]
    big = f["big"]
    out = table(
        ["matcher latency", "p50 ms", "p99 ms", "n"],
        [
            ["shipped FAQ", *ms(f["shipped"], 3), cell(f["shipped"]["n"])],
            ["10,000-character message", *ms(f["long_message"], 3), cell(f["long_message"]["n"])],
            [f"{big['entries']:,} entries (synthetic added)", *ms(big, 3), cell(big["n"])],
        ],
    )
    out += [
        "",
        f"Index of {big['entries']:,} entries: built in {big['build_s']:.1f} s, "
        f"{big['held_mib']:.1f} MiB held ({big['peak_mib']:.1f} MiB peak); load and index "
        f"of the shipped FAQ {f['load_ms']:.0f} ms.",
        "",
    ]
    if "eval" not in f:
        return out
    ours, p50 = f["eval"]["top1"], f["shipped"]["p50_ms"]
    rows = [["ouderlijn matcher", cell(ours, 3), "", "", cell(p50, 3), "1.00×"]]
    for name, b in f["baselines"].items():
        rows.append(
            [
                name,
                cell(b["plain"], 3),
                cell(b["best_cut"], 3),
                f"{(ours - b['plain']) * 100:+.1f} / {(ours - b['best_cut']) * 100:+.1f}",
                cell(b["p50_ms"], 3),
                ratio(b["p50_ms"], p50),
            ]
        )
    out += [
        f"Top-1 on `{f['eval']['set']}` ({f['eval']['n']} questions; confident wrong "
        f"{f['eval']['confident_wrong_rate']:.1%}), against plain baselines over the same "
        'phrasings ("best cut": their abstention threshold chosen on this set):',
        "",
    ]
    out += table(["", "top-1", "best cut", "ours − it (points)", "p50 ms", "its time / ours"], rows)
    t = f["typos"]
    out += [
        "",
        "With injected typos: "
        + ", ".join(
            f"{label} {t[key]:.3f}"
            for label, key in (
                ("ours", "ours"),
                ("without typo correction", "without_correction"),
                ("plain BM25", "bm25_phrasings"),
            )
        )
        + f" (without correction on the original text {t['without_original_text']:.3f}).",
    ]
    return out


def matcher_decision(runs: Runs) -> list[str]:
    out: list[str] = []
    keys = (
        "top1",
        "right_confident",
        "wrong_confident",
        "suggestion_recall",
        "abstention_precision",
        "abstention_recall",
    )
    for name, variants in runs[0]["figures"]["sets"].items():
        first = next(iter(variants.values()))
        out += [f"**{name}** ({first['n']} questions)", ""]
        rows = [[v, *(cell(row[k], 3) for k in keys)] for v, row in variants.items()]
        heads = ["variant", "top-1", "right conf.", "wrong conf.", "sugg. R", "abst. P", "abst. R"]
        out += table(heads, rows)
        before, now = variants.get("before (#10 settings)"), variants.get("now (all of #11)")
        if before and now:
            out += [
                "",
                f"now − before: top-1 {(now['top1'] - before['top1']) * 100:+.1f} points, "
                f"wrong confident {now['wrong_confident'] - before['wrong_confident']:+.0f}.",
            ]
        out.append("")
    return out


def engine(runs: Runs) -> list[str]:
    f = runs[0]["figures"]
    rows = [
        [path, cell(r["concurrency"]), cell(r["messages_per_s"], 0), *ms(r)]
        for path in ("direct", "durable")
        for r in f[path]
    ]
    out = [f"{f['messages']:,} FAQ messages from {f['parents']} parents.", ""]
    out += table(["path", "at a time", "messages/s", "p50 ms", "p99 ms"], rows)
    d, u = f["direct"][-1]["messages_per_s"], f["durable"][-1]["messages_per_s"]
    return [
        *out,
        "",
        f"Durable / direct at {f['durable'][-1]['concurrency']} at a time: "
        f"{ratio(u, d)} the messages/s.",
    ]


def storage(runs: Runs) -> list[str]:
    f = runs[0]["figures"]["scenarios"]
    rows = [[name, cell(r["turns_per_s"], 0), *ms(r, 3), cell(r["n"])] for name, r in f.items()]
    out = table(["commit_turn", "turns/s", "p50 ms", "p99 ms", "n"], rows)
    values = list(f.values())
    return [
        *out,
        "",
        f"Last / first scenario: {ratio(values[-1]['turns_per_s'], values[0]['turns_per_s'])} "
        "the turns/s.",
    ]


def handoff(runs: Runs) -> list[str]:
    f = runs[0]["figures"]
    labels = {
        "engine": "/volgende via Engine.handle",
        "store": "claim_next via AsyncStore",
        "contention": f"Oppakken ×{f['volunteers']} at once ({f['contended']} rounds)",
    }
    rows = [
        [
            label,
            cell(f[k]["claims_per_s"], 0),
            cell(f[k]["wall_s"], 2),
            cell(f[k]["p50_ms"], 2),
            cell(f[k]["p95_ms"], 2),
        ]
        for k, label in labels.items()
    ]
    out = [
        f"{f['handoffs']:,} handoffs, {f['volunteers']} volunteers, medians of {f['runs']} "
        "run(s); every run verified (each handoff claimed exactly once, in queue order).",
        "",
    ]
    out += table(["", "claims/s", "wall s", "p50 ms", "p95 ms"], rows)
    return [*out, "", f"Engine / store time per claim: {f['engine_over_store']:.2f}×."]


def reply_latency(runs: Runs) -> list[str]:
    f = runs[0]["figures"]
    out = [
        f"{f['parents']} parents × {f['questions']} questions, closed loop, "
        f"{f['latency_ms']:.0f} ms per Bot API call; medians of {f['runs']} run(s).",
        "",
    ]
    heads = ["replies", "replies/s", "p50 ms", "p90 ms", "p99 ms", "start s", "extra"]
    keys = ("replies", "per_s", "p50_ms", "p90_ms", "p99_ms", "startup_s", "extra")
    return out + table(heads, [[cell(f[k], 0 if k in ("replies", "extra") else 1) for k in keys]])


def safety(runs: Runs) -> list[str]:
    f = runs[0]["figures"]
    rows = [
        ["rules alone", cell(f["rules_us"])],
        ["model alone", cell(f["model_us"])],
        ["engine's check (both)", cell(f["check_us"])],
    ]
    out = [f"{f['messages']} corpus messages, median of {f['runs']} run(s).", ""]
    out += table(["triage", "µs per message"], rows)
    return [
        *out,
        "",
        f"Check / rules: {ratio(f['check_us'], f['rules_us'], 1)}; 10,000 "
        f"characters: {f['long_ms']:.2f} ms ({f['long_category']}).",
    ]


def scrub(runs: Runs) -> list[str]:
    f = runs[0]["figures"]
    rows = [
        [
            mode,
            cell(r["load_s"], 2),
            f"{r['rss_before']:.0f} → {r['rss_loaded']:.0f}",
            cell(r["median_us"], 0),
            cell(r["p90_us"], 0),
            cell(r["long_ms"], 1),
        ]
        for mode, r in f.items()
        if mode in ("cold", "warm")
    ]
    heads = ["start", "load s", "VmRSS MB", "p50 µs/msg", "p90 µs/msg", "10,000 chars ms"]
    return table(heads, rows)


def stats(runs: Runs) -> list[str]:
    sizes = runs[0]["figures"]["sizes"]
    rows = [
        [cell(s["events"]), cell(s["in_range"]), cell(s["report_ms"], 0), cell(s["csv_ms"])]
        for s in sizes
    ]
    out = table(["events", "in range", "report ms", "CSV ms"], rows)
    if len(sizes) > 1:
        a, b = sizes[0], sizes[-1]
        out += [
            "",
            f"{b['events'] / a['events']:.0f}× the events: "
            f"{ratio(b['report_ms'], a['report_ms'], 1)} the report time.",
        ]
    return out


def telegram(runs: Runs) -> list[str]:
    rows, by = [], {r["label"]: r["figures"] for r in runs}
    for label, f in by.items():
        for part in ("concurrent", "baseline"):
            p = f[part]
            rows.append(
                [
                    label,
                    part,
                    f"{p['parents']:.0f} × {p['messages']:.0f}",
                    cell(p["per_s"]),
                    *(cell(p[k] / 1000, 2) for k in ("p50_ms", "p95_ms", "p99_ms")),
                    f"{f['ratio']:.1f}×" if part == "concurrent" else "",
                ]
            )
    out = table(
        [
            "API latency",
            "",
            "parents × msgs",
            "replies/s",
            "p50 s",
            "p95 s",
            "p99 s",
            "concurrent / one at a time",
        ],
        rows,
    )
    if "100 ms" in by and "300 ms" in by:
        a, b = by["100 ms"]["concurrent"], by["300 ms"]["concurrent"]
        out += [
            "",
            f"300 ms / 100 ms: {ratio(b['per_s'], a['per_s'])} the replies/s, "
            f"{ratio(b['p50_ms'], a['p50_ms'])} the p50 latency (ceiling: "
            f"{by['100 ms']['rate_limit']:.0f} messages/s, PTB's rate limiter).",
        ]
    return out


def web(runs: Runs) -> list[str]:
    f = runs[0]["figures"]
    heads = [
        "parents × msgs",
        "replies/s",
        "ack p50/p99 ms",
        "reply p50/p99 ms",
        "errors",
        "RSS MB",
    ]
    row = [
        f"{f['parents']:.0f} × {f['msgs']:.0f}",
        cell(f["replies_per_s"]),
        f"{f['ack_p50'] * 1000:.1f} / {f['ack_p99'] * 1000:.1f}",
        f"{f['reply_p50'] * 1000:.1f} / {f['reply_p99'] * 1000:.1f}",
        cell(f["errors"], 0),
        f"{f['rss_before_mb']:.0f} → {f['rss_after_mb']:.0f}",
    ]
    verdict = "every question got exactly one ack and a reply" if f["ok"] else "**FAILED**"
    return [*table(heads, [row]), "", f"Medians of {f['runs']} run(s); {verdict}."]


def scale(runs: Runs) -> list[str]:
    f = runs[0]["figures"]
    t = f["table"]
    out = [
        f"{f['handoffs']:,} queued, {f['volunteers']} volunteers, {f['messages']:,} messages "
        f"per messages/s run; medians of {f['runs']} run(s), ticks {f['tick_runs']}.",
        "",
    ]
    out += table(["", *t["columns"]], [[cell(c) for c in row] for row in t["rows"]])
    pg, lite = f["backends"].get("PostgreSQL"), f["backends"].get("SQLite")
    notes = [f"skipped: {s}" for s in f.get("skipped", [])]
    if pg:
        notes.append(f"PostgreSQL 2 instances / 1 instance: {ratio(pg['two_over_one'], 1.0)}")
    if pg and lite:
        one = ratio(pg["messages_per_s"].get("1"), lite["messages_per_s"].get("1"))
        notes.append(f"PostgreSQL / SQLite messages/s, 1 instance: {one}")
    return out + ([""] + [f"- {n}" for n in notes] if notes else [])


SECTIONS: dict[str, Callable[[Runs], list[str]]] = {
    "matcher": matcher,
    "matcher_decision": matcher_decision,
    "engine": engine,
    "storage": storage,
    "handoff": handoff,
    "reply_latency": reply_latency,
    "safety": safety,
    "scrub": scrub,
    "stats": stats,
    "telegram": telegram,
    "web": web,
    "scale": scale,
}
TITLES = {
    "matcher": "Matcher: latency and accuracy against BM25 and WRatio",
    "matcher_decision": "Matcher decisions per setting",
    "engine": "Engine: messages per second",
    "storage": "Storage: commit_turn",
    "handoff": "Handoff claims",
    "reply_latency": "Reply latency of the real Telegram process",
    "safety": "Safety triage",
    "scrub": "PII scrubber",
    "stats": "Coordinators' statistics",
    "telegram": "Telegram at 100 and 300 ms Bot API latency",
    "web": "Web chat: WebSocket parents",
    "scale": "Scale: SQLite and PostgreSQL, 1 and 2 instances",
}
