"""Quality gate on the labelled dev set (shared/eval/faq_dev.tsv), as measured by `faq eval`."""

from __future__ import annotations

from pathlib import Path

import pytest

from faq.evaluate import evaluate, read_labelled
from tests.conftest import SHARED

DEV = SHARED / "eval" / "faq_dev.tsv"
needs_dev = pytest.mark.skipif(not DEV.exists(), reason="shared/eval not present")


@needs_dev
def test_dev_top1_and_confident_errors(knowledge):
    report = evaluate(knowledge.matcher.match, read_labelled(DEV))
    assert report.total >= 100
    assert report.top1 >= 0.90, "\n".join(report.lines())
    assert report.confident_wrong_rate <= 0.05, "\n".join(report.lines())


@needs_dev
def test_dev_answerable_questions_mostly_offer_the_right_entry(knowledge):
    report = evaluate(knowledge.matcher.match, read_labelled(DEV))
    assert report.suggestion_recall >= 0.90
    assert report.abstention_precision >= 0.75


HELDOUT = Path(__file__).resolve().parents[1] / "bench" / "data" / "faq_heldout.tsv"


def test_independent_heldout_set_generalises(knowledge):
    """Written from the topic catalogue only, without seeing the FAQ phrasings or the dev set."""
    report = evaluate(knowledge.matcher.match, read_labelled(HELDOUT))
    assert report.total == 190
    assert report.top1 >= 0.85, "\n".join(report.lines())
    assert report.confident_wrong_rate <= 0.03, "\n".join(report.lines())
