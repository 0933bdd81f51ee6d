"""The learned half of the triage: training is deterministic, the shipped model is good enough on
the held-out split, and broken files are refused with a clear message."""

from __future__ import annotations

import json

import pytest

from bot.core.safety import CrisisCheck
from bot.core.safety_rules import RuleSet
from bot.core.triage_model import DEFAULT_MODEL_FILE, TriageModel, features, windows
from bot.triage_training import DEFAULT_CORPUS, Row, evaluate, read_corpus, read_labelled, train
from faq.model import ContentError

TINY = [
    Row("train", "suicide", "hij wil er niet meer zijn", 2),
    Row("train", "suicide", "ze wil verdwijnen voor altijd", 3),
    Row("train", "harm", "de stiefvader slaat hem elke avond", 4),
    Row("train", "harm", "ze is opgesloten in een kast", 5),
    Row("train", "distress", "ik kan niet meer ik ben op", 6),
    Row("train", "distress", "ik huil de hele dag en ben kapot", 7),
    Row("train", "null", "wat is een opp precies", 8),
    Row("train", "null", "hoe vraag ik een tlv aan", 9),
]


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return RuleSet.load()


def test_training_is_deterministic_and_learns(rules):
    one, two = train(TINY, rules, epochs=5), train(TINY, rules, epochs=5)
    assert one.to_json() == two.to_json()
    scores = one.probabilities(features("ik kan echt niet meer"))
    assert max(scores, key=lambda label: scores[label]) == "distress"


def test_a_model_without_known_features_has_no_opinion(rules):
    model = train(TINY, rules, epochs=5)
    assert model.probabilities(["w:qwertyuiop"])["null"] == 1.0


def test_long_messages_are_read_in_windows_so_one_dark_sentence_counts():
    story = " ".join(["school"] * 200 + ["wil", "dood"] + ["school"] * 200)
    parts = list(windows(story))
    assert len(parts) > 10 and any("dood" in part for part in parts)


def test_the_shipped_model_matches_its_labels_and_loads():
    model = TriageModel.load(DEFAULT_MODEL_FILE)
    assert model.labels == ("suicide", "harm", "distress", "null")
    assert set(model.thresholds) == {"suicide", "harm", "distress"}


def test_the_engines_check_on_the_held_out_split_stays_good():
    """A floor, not the figure: `ouderlijn safety eval` reports the exact numbers."""
    check = CrisisCheck.load()
    rows = [r for r in read_corpus() if r.split == "test"]
    report = evaluate(lambda m: check.triage(m).category, rows)
    crisis = [r for r in rows if r.label in ("suicide", "harm")]
    caught = sum(1 for r in crisis if check.triage(r.message).crisis)
    everyday = [r for r in rows if r.label == "null"]
    alarms = sum(1 for r in everyday if check.triage(r.message).crisis)
    assert caught / len(crisis) >= 0.88, report.lines()
    assert alarms / len(everyday) <= 0.06, report.lines()
    assert report.recall("distress") >= 0.75, report.lines()


def test_rules_alone_are_weaker_than_rules_and_model_together():
    rows = [r for r in read_corpus() if r.split == "test" and r.label in ("suicide", "harm")]
    both, rules_only = CrisisCheck.load(), CrisisCheck.load(model_path=None)
    caught = sum(1 for r in rows if both.triage(r.message).crisis)
    assert caught > sum(1 for r in rows if rules_only.triage(r.message).crisis)


def test_a_broken_corpus_is_refused_with_file_and_line(tmp_path):
    path = tmp_path / "corpus.tsv"
    path.write_text(
        "split\tlabel\tmessage\ntrain\tnull\thallo\ntrain\tcrisis\tx\ntest\tnull\tHallo\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as caught:
        read_corpus(path)
    text = str(caught.value)
    assert "corpus.tsv:3: expected split, label, message" in text
    assert "corpus.tsv:4: duplicate of line 2" in text


def test_a_labelled_file_is_read_and_checked(tmp_path):
    path = tmp_path / "fresh.tsv"
    path.write_text("label\tmessage\nharm\tx y z\nnull\tok\n", encoding="utf-8")
    assert [r.label for r in read_labelled(path)] == ["harm", "null"]
    path.write_text("label\tmessage\nweird\tx\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"fresh\.tsv:2"):
        read_labelled(path)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "cannot read the triage model"),
        (json.dumps({"version": 9}), "not a version 1 triage model"),
        (
            json.dumps({"version": 1, "labels": ["a"], "bias": [0], "weights": {}}),
            "labels must be",
        ),
        (
            json.dumps(
                {
                    "version": 1,
                    "labels": ["suicide", "harm", "distress", "null"],
                    "bias": [0, 0, 0, 0],
                    "weights": {"w:x": [1, 2]},
                }
            ),
            "every weight row needs 4 numbers",
        ),
    ],
)
def test_a_broken_model_file_is_refused(tmp_path, content, problem):
    path = tmp_path / "model.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ContentError, match=problem):
        TriageModel.load(path)


def test_the_corpus_is_big_enough_and_keeps_a_held_out_split():
    rows = read_corpus(DEFAULT_CORPUS)
    assert len(rows) >= 400
    for label in ("suicide", "harm", "distress", "null"):
        test = [r for r in rows if r.label == label and r.split == "test"]
        assert len(test) >= 25, label
