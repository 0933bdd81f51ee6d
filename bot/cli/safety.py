"""`ouderlijn safety check|train|eval`: the engine's triage from the command line."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TextIO

from bot.core.safety import CrisisCheck
from bot.core.safety_rules import RuleSet
from bot.core.triage_model import DEFAULT_MODEL_FILE
from bot.triage_training import (
    DEFAULT_CORPUS,
    evaluate,
    everyday_rows,
    read_corpus,
    read_labelled,
    train,
)
from faq.model import ContentError


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `safety` command group."""
    safety = subparsers.add_parser("safety", help="the safety triage (crisis check)")
    commands = safety.add_subparsers(dest="safety_command", required=True)
    check = commands.add_parser("check", help="triage messages from stdin, one per line")
    check.add_argument(
        "--json", action="store_true", help='print {"crisis": …, "category": …} per line'
    )
    learn = commands.add_parser("train", help="train the triage model on the corpus")
    learn.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    learn.add_argument("--output", type=Path, default=DEFAULT_MODEL_FILE)
    measure = commands.add_parser("eval", help="precision and recall on the corpus's test split")
    measure.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    measure.add_argument("--split", choices=("test", "train", "all"), default="test")
    measure.add_argument(
        "--everyday",
        type=Path,
        action="append",
        default=[],
        help="a TSV whose last column holds everyday messages: count the false alarms",
    )
    measure.add_argument(
        "--labelled", type=Path, help="measure a (label, message) TSV instead of the corpus"
    )
    measure.add_argument("--misses", action="store_true", help="list every wrong triage")


def run(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    """Dispatch a parsed `safety` command; returns the process exit code."""
    try:
        if args.safety_command == "train":
            return _train(args, out)
        check = CrisisCheck.load()
        if args.safety_command == "eval":
            return _eval(check, args, out)
    except ContentError as error:
        print(error, file=sys.stderr)
        return 2
    for line in sys.stdin:
        found = check.triage(line.rstrip("\n"))
        if args.json:
            out.write(json.dumps(found.to_json()) + "\n")
        else:
            out.write(f"{(found.category or 'ok').upper():<9} {line}")
        out.flush()
    return 0


def _train(args: argparse.Namespace, out: TextIO) -> int:
    rows = [r for r in read_corpus(args.corpus) if r.split == "train"] + everyday_rows()
    started = time.perf_counter()
    model = train(rows, RuleSet.load())
    args.output.write_text(
        json.dumps(model.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n",
        encoding="utf-8",
    )
    seconds = time.perf_counter() - started
    print(
        f"trained on {len(rows)} messages in {seconds:.1f} s: "
        f"{len(model.weights)} features, wrote {args.output}",
        file=out,
    )
    return 0


def _eval(check: CrisisCheck, args: argparse.Namespace, out: TextIO) -> int:
    if args.labelled is not None:
        rows, name = read_labelled(args.labelled), args.labelled.name
    else:
        rows = [r for r in read_corpus(args.corpus) if args.split in ("all", r.split)]
        name = f"{args.corpus.name}, split {args.split}"
    report = evaluate(lambda m: check.triage(m).category, rows)
    print(f"{name}: {len(rows)} messages", file=out)
    for line in report.lines():
        print(line, file=out)
    if args.misses:
        for gold, predicted, message in report.misses:
            print(f"  {gold:>8} -> {predicted:<8} {message}", file=out)
    for path in args.everyday:
        messages = [
            line.rsplit("\t", 1)[-1]
            for line in path.read_text(encoding="utf-8").splitlines()[1:]
            if line.strip()
        ]
        found = [(m, check.triage(m)) for m in messages]
        alarms = [(m, t) for m, t in found if t.crisis]
        distress = [(m, t) for m, t in found if t.category == "distress"]
        print(
            f"{path.name}: {len(alarms)} false crisis alarms and {len(distress)} distress "
            f"in {len(messages)} everyday messages",
            file=out,
        )
        if args.misses:
            for message, triage in alarms + distress:
                print(f"  {triage.category:<8} {message}", file=out)
    return 0
