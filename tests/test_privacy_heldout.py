"""The scrubber on a corpus written by someone who never saw its rules or its own corpus
(bench/data/pii_heldout.txt): the issue's floor holds there too."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.privacy import default_scrubber
from bot.privacy.evaluate import measure_recall, read_corpus

HELDOUT = Path(__file__).resolve().parents[1] / "bench" / "data" / "pii_heldout.txt"


@pytest.fixture(scope="module")
def recall():
    return measure_recall(default_scrubber(), read_corpus(HELDOUT))


@pytest.mark.parametrize("kind", ["NAAM", "TELEFOON", "EMAIL", "BSN", "POSTCODE"])
def test_the_five_kinds_reach_95_percent_on_the_held_out_corpus(recall, kind):
    assert recall.total[kind] >= 25
    assert recall.rate(kind) >= 0.95, recall.misses


def test_school_names_are_mostly_found_there_too(recall):
    assert recall.rate("SCHOOL") >= 0.85
