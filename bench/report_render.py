"""bench/README.md from bench/results/*.json (#15): a section per benchmark (its command, a
table of medians, the ratios that matter) with prose from bench/report_text.md, and the stress
suites' figures from bench/results/stress-*.json."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bench.report_sections import SECTIONS, TITLES, cell, table

TEMPLATE = Path(__file__).resolve().parent / "report_text.md"
STRESS = ("crash", "faults", "hostile", "soak")  # soak: every stress-soak-*.json
_MARK = re.compile(r"^<!-- ([\w-]+) -->\s*$", re.MULTILINE)
COUNTED = ("lost", "duplicated")
HEADLINE = ("kills", "crashes", "injected", "faults", "inputs", "tried", "messages")


def prose(template: Path = TEMPLATE) -> dict[str, str]:
    """The template's parts by name: the text after each `<!-- name -->` line."""
    parts = _MARK.split(template.read_text())
    return {name: text.strip() for name, text in zip(parts[1::2], parts[2::2], strict=True)}


def load(path: Path) -> dict[str, Any] | None:
    """A result file's content; None when it is absent or unreadable."""
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def provenance(result: dict[str, Any]) -> str:
    """When, where and how long: one line under a section's heading."""
    m = result.get("machine", {})
    took = sum(r.get("seconds", 0) for r in result.get("runs", []))
    load = "/".join(f"{x:g}" for x in m.get("load_average", [])[:1]) or "?"
    return (
        f"*{result.get('mode', '?')} run, {result.get('date', '?')}, commit "
        f"`{result.get('commit', '?')}`, {m.get('cores', '?')} cores, Python "
        f"{m.get('python', '?')}, load average {load} at the start; took {took:.0f} s.*"
    )


def bench_section(
    name: str, result: dict[str, Any] | None, text: str, after: str = ""
) -> list[str]:
    """One benchmark's section: heading, prose, commands, tables (or why there are none), and
    the template's `<name>-after` part (e.g. figures recorded by hand) at the end."""
    out = [f"## {TITLES[name]}", ""]
    if text:
        out += [text, ""]
    end = [after, ""] if after else []
    if result is None:
        how = f"**Not run yet**: `.venv/bin/python -m bench.report --only {name}`"
        return [*out, how, "", *end]
    runs = result.get("runs", [])
    out += [provenance(result), "", "```bash", *(r["command"] for r in runs), "```", ""]
    good = [r for r in runs if r.get("figures") is not None and r.get("returncode") == 0]
    for bad in (r for r in runs if r not in good):
        out += [f"**Failed** (`{bad['command']}`, exit {bad.get('returncode')}):", "", "```"]
        out += [*bad.get("error", [])[-8:], "```", ""]
    if good:
        try:
            out += SECTIONS[name](good)
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as error:
            out += [f"(figures in an unexpected shape: {error!r}; see bench/results/{name}.json)"]
        out.append("")
    return out + end


def totals(figures: object, keys: Sequence[str] = COUNTED) -> dict[str, int]:
    """The sum of every number under one of `keys`, at any depth of a stress record."""
    found = dict.fromkeys(keys, 0)
    if isinstance(figures, dict):
        for key, value in figures.items():
            if key in found and isinstance(value, int | float) and not isinstance(value, bool):
                found[key] += int(value)
            else:
                for k, v in totals(value, keys).items():
                    found[k] += v
    elif isinstance(figures, list):
        for item in figures:
            for k, v in totals(item, keys).items():
                found[k] += v
    return found


def _sum(value: object) -> int:
    """Every number in a value (a count, or counts by kind), added up."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, dict):
        return sum(_sum(v) for v in value.values())
    return sum(_sum(v) for v in value) if isinstance(value, list) else 0


def headline(record: dict[str, Any]) -> str:
    """What a suite did, e.g. "20 kills, 22 injected": the counts under the keys of
    HEADLINE (or keys starting with one) anywhere in the record, added up per key."""
    found: dict[str, int] = {}

    def walk(value: object) -> None:
        items = value.items() if isinstance(value, dict) else []
        for key, inner in items:
            word = next((h for h in HEADLINE if str(key).startswith(h)), None)
            if word is None:
                walk(inner)
            else:
                found[word] = found.get(word, 0) + _sum(inner)
        for inner in value if isinstance(value, list) else []:
            walk(inner)

    walk(record)
    return ", ".join(f"{n:,} {word}" for word, n in found.items()) or "–"


def _flat(prefix: str, value: object) -> Iterable[tuple[str, object]]:
    """(dotted key, scalar) pairs of a nested record, for one table row."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flat(f"{prefix}.{k}" if prefix else str(k), v)
    else:
        yield prefix, value


def stress_table(record: dict[str, Any]) -> list[str]:
    """A stress record as a table: one row per run when it holds runs, else one per figure."""
    body = {k: v for k, v in record.items() if k not in ("suite", "form", "command")}
    nested = {k: v for k, v in body.items() if isinstance(v, dict)}
    runs = nested.get("runs") if len(nested) == 1 and "runs" in nested else None
    if runs is None and nested and all(isinstance(v, dict) for v in body.values()):
        runs = body  # one dict per scenario, e.g. "crash-run-sqlite": {...}
    if isinstance(runs, dict) and all(isinstance(v, dict) for v in runs.values()):
        flat = {name: dict(_flat("", v)) for name, v in runs.items()}
        columns = list(dict.fromkeys(k for row in flat.values() for k in row))
        rows = [[f"`{name}`", *(cell(row.get(c)) for c in columns)] for name, row in flat.items()]
        return table(["run", *(c.replace("_", " ") for c in columns)], rows)
    pairs = list(_flat("", body))
    return table(["figure", "value"], [[k.replace("_", " "), cell(v)] for k, v in pairs])


def stress_section(folder: Path, text: str) -> list[str]:
    """The stress suites' figures, "not run yet" for each suite without a record."""
    out = ["## Stress suites", ""] + ([text, ""] if text else [])
    summary: list[list[str]] = []
    details: list[str] = []
    for suite in STRESS:
        paths = sorted(folder.glob(f"stress-{suite}*.json"))
        if not paths:
            summary.append([suite, "not run yet", "", "", "", ""])
        for path in paths:
            record = load(path)
            name = path.stem.removeprefix("stress-")
            if record is None:
                summary.append([name, "unreadable", "", "", "", ""])
                continue
            found, did = totals(record), headline(record)
            form = str(record.get("form", "?"))
            lost, dup = (f"{found[k]} ⚠" if found[k] else "**0**" for k in COUNTED)
            summary.append([name, form, did, lost, dup, f"[below](#stress-{name})"])
            details += [f"### stress-{name}", "", *stress_table(record), ""]
    heads = ["suite", "form", "what it survived", "lost", "duplicated", "figures"]
    out += [*table(heads, summary), ""]
    return out + details


def render(folder: Path, template: Path = TEMPLATE) -> str:
    """The whole README: the template's intro, every benchmark, the stress suites."""
    parts = prose(template)
    out = [parts.get("intro", "# Benchmarks"), ""]
    index = [f"- [{TITLES[n]}](#{anchor(TITLES[n])})" for n in SECTIONS] + [
        "- [Stress suites](#stress-suites)"
    ]
    out += [*index, ""]
    for name in SECTIONS:
        result, after = load(folder / f"{name}.json"), parts.get(f"{name}-after", "")
        out += bench_section(name, result, parts.get(name, ""), after)
    out += stress_section(folder, parts.get("stress", ""))
    if parts.get("end"):
        out += [parts["end"], ""]
    return "\n".join(out).rstrip() + "\n"


def anchor(title: str) -> str:
    """GitHub's anchor for a heading."""
    kept = re.sub(r"[^\w\- ]", "", title.lower())
    return kept.replace(" ", "-")
