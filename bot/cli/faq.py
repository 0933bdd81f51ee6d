"""`ouderlijn faq …`: check content, ask the matcher, export entries, evaluate on a TSV."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from bot.cli.sources import print_sources, warn_stale
from bot.config import Settings
from faq.content_check import check_content
from faq.evaluate import evaluate, read_labelled
from faq.knowledge import Knowledge, load_knowledge
from faq.matcher import MatchResult, Outcome
from faq.model import ContentError


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `faq` command group."""
    faq = subparsers.add_parser("faq", help="FAQ content and matcher")
    commands = faq.add_subparsers(dest="faq_command", required=True)
    check = commands.add_parser("check", help="validate every FAQ and lexicon file")
    check.add_argument(
        "--max-age-months",
        type=int,
        default=None,
        help="warn about sources checked longer ago (default: [faq] source_max_age_months, 12)",
    )
    sources = commands.add_parser("sources", help="table of entry, claim, source and date")
    sources.add_argument("--json", action="store_true", help="one JSON list instead of a table")
    ask = commands.add_parser("ask", help="match a question (or stdin lines) against the FAQ")
    ask.add_argument("question", nargs="*", help="the question; omit to read lines from stdin")
    ask.add_argument("--json", action="store_true", help="one JSON object per stdin line")
    export = commands.add_parser("export", help="print all entries")
    export.add_argument("--json", action="store_true", required=True)
    ev = commands.add_parser("eval", help="accuracy report for a labelled TSV")
    ev.add_argument("file", type=Path)


def run(args: argparse.Namespace, settings: Settings, out: TextIO = sys.stdout) -> int:
    """Dispatch a parsed `faq` command; returns the process exit code."""
    if args.faq_command == "check":
        return _check(settings, args.max_age_months, out)
    if args.faq_command == "sources":
        return print_sources(settings, args.json, out)
    try:
        knowledge = load_knowledge(settings.knowledge, settings.matcher)
    except ContentError as error:
        print(error, file=sys.stderr)
        return 2
    if args.faq_command == "ask":
        return _ask(knowledge, args, out)
    if args.faq_command == "export":
        rows = [
            {"id": e.id, "questions": list(e.questions), "answer": e.answer}
            for e in knowledge.faq.entries
        ]
        json.dump(rows, out, ensure_ascii=False, indent=1)
        out.write("\n")
        return 0
    return _eval(knowledge, args.file, out)


def _check(settings: Settings, max_age_months: int | None, out: TextIO) -> int:
    sources = settings.knowledge
    checked = check_content(sources)
    entries, problems = checked.entries, checked.problems
    if not checked.readability_checked:
        print("note: readability not checked (install the 'test' extra for textstat)", file=out)
    months = max_age_months or sources.limits.max_source_age_months
    items = [(e.source_file, e.id, e.line, e.provenance) for e in entries]
    warn_stale(items, months, out)
    for problem in problems:
        print(problem, file=out)
    if problems:
        print(f"{len(problems)} problem(s) in FAQ content", file=out)
        return 1
    claims = sum(len(e.provenance.sources) for e in entries)
    print(
        f"ok: {len(entries)} entries, {sum(len(e.questions) for e in entries)} phrasings, "
        f"{claims} sourced claims",
        file=out,
    )
    return 0


def _describe(result: MatchResult) -> list[str]:
    scores = ", ".join(f"{k} {v:.2f}" for k, v in result.scores.items())
    if result.outcome is Outcome.ANSWER and result.answer:
        entry = result.answer
        lines = [f"answer: {entry.id} — {entry.title}", "", entry.answer]
        lines += [f"  • {step}" for step in entry.steps]
    elif result.outcome is Outcome.SUGGESTIONS:
        lines = ["suggestions (bedoelt u…):"] + [
            f"  - {e.id}: {e.title}" for e in result.suggestions
        ]
    else:
        lines = ["nothing: no FAQ entry fits"]
    return [*lines, f"scores: {scores or '-'}", ""]


def _ask(knowledge: Knowledge, args: argparse.Namespace, out: TextIO) -> int:
    matcher = knowledge.matcher
    if args.question and not args.json:
        out.write("\n".join(_describe(matcher.match(" ".join(args.question)))) + "\n")
        return 0
    interactive = sys.stdin.isatty() and not args.json
    if interactive:
        print("Type a parent's question (Ctrl-D to stop).", file=out)
    while True:
        if interactive:
            out.write("> ")
            out.flush()
        line = sys.stdin.readline()
        if not line:
            return 0
        result = matcher.match(line.rstrip("\n"))
        if args.json:
            out.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
            out.flush()
        else:
            out.write("\n".join(_describe(result)) + "\n")


def _eval(knowledge: Knowledge, path: Path, out: TextIO) -> int:
    try:
        data = read_labelled(path)
    except OSError as error:
        print(f"cannot read {path}: {error}", file=sys.stderr)
        return 2
    report = evaluate(knowledge.matcher.match, data)
    out.write("\n".join(report.lines()) + "\n")
    return 0
