"""Quality gate on the labelled dev set (shared/eval/faq_dev.tsv), as measured by `faq eval`."""

from __future__ import annotations

import pytest

from faq.evaluate import evaluate, read_labelled
from tests.conftest import SHARED

DEV = SHARED / "eval" / "faq_dev.tsv"
pytestmark = pytest.mark.skipif(not DEV.exists(), reason="shared/eval not present")


def test_dev_top1_and_confident_errors(knowledge):
    report = evaluate(knowledge.matcher.match, read_labelled(DEV))
    assert report.total >= 100
    assert report.top1 >= 0.90, "\n".join(report.lines())
    assert report.confident_wrong_rate <= 0.05, "\n".join(report.lines())


def test_dev_answerable_questions_mostly_offer_the_right_entry(knowledge):
    report = evaluate(knowledge.matcher.match, read_labelled(DEV))
    assert report.suggestion_recall >= 0.90
    assert report.abstention_precision >= 0.75
