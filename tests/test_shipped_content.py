"""The shipped FAQ: complete, plain Dutch (Flesch-Douma >= 60), consistent "u", offers a person."""

from __future__ import annotations

import re

import pytest
import yaml

from faq.loader import DEFAULT_CATALOGUE, DEFAULT_CONTENT_DIR, check_faq
from faq.readability import MIN_FLESCH_DOUMA, flesch_douma, readable_text

ENTRIES, PROBLEMS = check_faq()
BY_ID = {e.id: e for e in ENTRIES}


def test_shipped_content_has_no_problems():
    assert PROBLEMS == []


def test_every_catalogue_id_has_an_entry():
    catalogue = yaml.safe_load(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))
    assert set(catalogue["required_ids"]) <= set(BY_ID)
    assert len(catalogue["required_ids"]) == 73


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_answer_is_plain_dutch(entry):
    score = flesch_douma(readable_text(entry))
    assert score is not None and score >= MIN_FLESCH_DOUMA, f"{entry.id}: {score}"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_parent_is_addressed_with_u(entry):
    text = " ".join([entry.answer, *entry.steps])
    assert not re.search(r"\b(je|jij|jou|jouw|jullie)\b", text, re.IGNORECASE), entry.id


@pytest.mark.parametrize("entry_id", ["buddy-meegaan", "ervaringsdeskundige", "over-de-lijn"])
def test_person_entries_offer_the_handoff(entry_id):
    assert BY_ID[entry_id].offer_person


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_entry_has_enough_sources_and_steps(entry):
    assert (entry.provenance.sources or entry.about_helpline) and 1 <= len(entry.steps) <= 5
    assert len(entry.questions) >= 8, "write enough phrasings for matching to generalise"


def test_placeholders_are_known():
    allowed = {"openingstijden", "bewaartermijn", "contact"}
    for entry in ENTRIES:
        found = set(re.findall(r"\{(\w+)\}", entry.answer + " ".join(entry.steps)))
        assert found <= allowed, (entry.id, found)


def test_content_files_are_in_the_package_data():
    assert DEFAULT_CONTENT_DIR.is_dir() and len(list(DEFAULT_CONTENT_DIR.glob("*.yaml"))) >= 4
