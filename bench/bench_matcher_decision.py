"""How each matcher change moves the decision: top-1, confident answers right and wrong,
suggestion recall and abstention, per labelled set, for the settings of issue #10 and each
change of issue #11 alone and together (stemmer, compound parts, score weights, thresholds,
wide margin). All variants run on today's content.

Run from the project root; it reads only the sets in bench/data, which ship with the repo:
    .venv/bin/python -m bench.bench_matcher_decision
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench import figures
from faq.evaluate import EvalReport, evaluate, read_labelled
from faq.knowledge import load_knowledge
from faq.lexicon import load_lexicon
from faq.matcher import Matcher, MatcherSettings

ROOT = Path(__file__).resolve().parents[1]
SETS = {
    "heldout": ROOT / "bench" / "data" / "faq_heldout.tsv",
    "blind": ROOT / "bench" / "data" / "faq_blind.tsv",
    "blind2": ROOT / "bench" / "data" / "faq_blind2.tsv",
    "blind3": ROOT / "bench" / "data" / "faq_blind3.tsv",
}
DEFAULT = MatcherSettings()
# The matcher as issue #10 left it: Porter stemmer, whole-weight compound parts, no wide-margin
# rule (a threshold of 1.0 never fires), and the score weights and thresholds of then.
BEFORE = replace(
    DEFAULT,
    stemmer="dutch_porter",
    compound_part_weight=1.0,
    wide_margin_threshold=1.0,
    wide_margin=1.0,
    evidence_scale=4.0,
    weight_bm25=0.1,
    answer_threshold=0.55,
    answer_margin=0.05,
    suggest_threshold=0.40,
)
SCORE_WEIGHTS: dict[str, Any] = {
    "evidence_scale": DEFAULT.evidence_scale,
    "weight_bm25": DEFAULT.weight_bm25,
}
THRESHOLDS: dict[str, Any] = {
    "answer_threshold": DEFAULT.answer_threshold,
    "answer_margin": DEFAULT.answer_margin,
    "suggest_threshold": DEFAULT.suggest_threshold,
}
# The wide-margin rule is off by default; these are the values it was measured with.
WIDE: dict[str, Any] = {"wide_margin_threshold": 0.55, "wide_margin": 0.08}
VARIANTS = {
    "before (#10 settings)": BEFORE,
    "+ stemmer dutch": replace(BEFORE, stemmer="dutch"),
    "+ compound parts weighted": replace(BEFORE, compound_part_weight=DEFAULT.compound_part_weight),
    "+ score weights": replace(BEFORE, **SCORE_WEIGHTS),
    "+ thresholds": replace(BEFORE, **THRESHOLDS),
    "+ wide margin": replace(BEFORE, **WIDE),
    "now (all of #11)": DEFAULT,
    "now, porter stemmer": replace(DEFAULT, stemmer="dutch_porter"),
    "now + wide margin": replace(DEFAULT, **WIDE),
}


def row(name: str, report: EvalReport) -> str:
    """One line of figures; 'right conf.' is the share of all questions answered right."""
    right = (report.answered - report.confident_wrong) / report.total
    return (
        f"{name:<28} {report.total:>4} {report.top1:>6.3f} {right:>10.1%} "
        f"{report.confident_wrong:>4} ({report.confident_wrong_rate:>4.1%}) "
        f"{report.suggestion_recall:>7.3f} {report.abstention_precision:>7.3f} "
        f"{report.abstention_recall:>7.3f}"
    )


def figures_of(report: EvalReport) -> dict[str, float]:
    """The figures of one row, for `--json`."""
    return {
        "n": report.total,
        "top1": report.top1,
        "right_confident": (report.answered - report.confident_wrong) / report.total,
        "wrong_confident": report.confident_wrong,
        "wrong_confident_rate": report.confident_wrong_rate,
        "suggestion_recall": report.suggestion_recall,
        "abstention_precision": report.abstention_precision,
        "abstention_recall": report.abstention_recall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", choices=sorted(SETS), help="only these sets")
    figures.add_option(parser)
    args = parser.parse_args()
    chosen = {name: path for name, path in SETS.items() if path.exists()}
    for name in sorted(set(SETS) - set(chosen)):
        print(f"note: {name} set not found at {SETS[name]}; skipped")
    if args.set:
        chosen = {name: chosen[name] for name in args.set if name in chosen}
    data = {name: read_labelled(path) for name, path in chosen.items()}
    faq, lexicon = load_knowledge().faq, load_lexicon()
    matchers = {name: Matcher(faq, lexicon, settings) for name, settings in VARIANTS.items()}
    out: dict[str, dict[str, dict[str, float]]] = {}
    for set_name, labelled in data.items():
        print(f"\n== {set_name} ({chosen[set_name].relative_to(ROOT.parent)})")
        print(
            f"{'variant':<28} {'n':>4} {'top-1':>6} {'right conf.':>10} "
            f"{'wrong conf.':>11} {'sugg.R':>7} {'abst.P':>7} {'abst.R':>7}"
        )
        out[set_name] = {}
        for name, matcher in matchers.items():
            report = evaluate(matcher.match, labelled)
            out[set_name][name] = figures_of(report)
            print(row(name, report))
    figures.write(args.json, {"sets": out})


if __name__ == "__main__":
    main()
