"""`ouderlijn tree check|diagram`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from bot.cli.sources import warn_stale
from faq.decision_tree import DEFAULT_TREE, check_tree
from faq.loader import check_faq
from faq.plain_words import plain_word_problems, tree_texts
from faq.sources import DEFAULT_MAX_AGE_MONTHS
from faq.tree_diagram import to_mermaid

DEFAULT_DIAGRAM = DEFAULT_TREE.with_suffix(".mmd")


def add_parsers(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `tree` command group."""
    tree = subparsers.add_parser("tree", help="the decision tree 'School lukt niet, wat nu?'")
    tree_commands = tree.add_subparsers(dest="tree_command", required=True)
    for name, text in (("check", "validate the tree"), ("diagram", "write the Mermaid diagram")):
        sub = tree_commands.add_parser(name, help=text)
        sub.add_argument("--file", type=Path, default=DEFAULT_TREE)
    tree_commands.choices["diagram"].add_argument(
        "--output", type=Path, default=None, help="default: beside the tree (.mmd); '-' = stdout"
    )


def run_tree(
    args: argparse.Namespace,
    max_age_months: int = DEFAULT_MAX_AGE_MONTHS,
    out: TextIO = sys.stdout,
) -> int:
    """Validate the tree against the shipped FAQ ids, or write its diagram."""
    entries, _ = check_faq()
    tree, problems = check_tree(args.file, {e.id for e in entries})
    if tree is not None and args.tree_command == "check":
        plain, _ = plain_word_problems(tree_texts(tree))
        problems = sorted([*problems, *plain])
        leaves = [(tree.source_file, n.id, n.line, n.provenance) for n in tree.nodes.values()]
        warn_stale(leaves, max_age_months, out)
    for problem in problems:
        print(problem, file=out)
    if problems or tree is None:
        print(f"{len(problems)} problem(s) in the decision tree", file=out)
        return 1
    if args.tree_command == "check":
        count = sum(1 for node in tree.nodes.values() if node.is_leaf)
        print(f"ok: {len(tree.nodes)} nodes, {count} leaves", file=out)
        return 0
    diagram = to_mermaid(tree)
    target = args.output or args.file.with_suffix(".mmd")
    if str(target) == "-":
        out.write(diagram)
    else:
        target.write_text(diagram, encoding="utf-8")
        print(f"wrote {target}", file=out)
    return 0
