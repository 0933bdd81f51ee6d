"""Plain words: an abbreviation a parent may not know is written out once, in the same answer."""

from __future__ import annotations

from faq.plain_words import (
    ShownText,
    acronym_problems,
    load_acronyms,
    readability_problems,
    unexplained,
)
from tests.test_cli import ouderlijn
from tests.test_content_check import GOOD, write

ACRONYMS = load_acronyms()


def test_an_abbreviation_without_its_long_form_is_found():
    assert unexplained("School vraagt een TLV aan.", ACRONYMS) == ["TLV"]
    assert unexplained("School vraagt een toelaatbaarheidsverklaring (TLV) aan.", ACRONYMS) == []


def test_whole_words_only_and_case_matters():
    assert unexplained("Hij zei: SOS! Het is zo.", ACRONYMS) == []
    assert unexplained("Vraag de IB'er om hulp.", ACRONYMS) == ["IB"]
    assert unexplained("Vraag de intern begeleider (IB'er) om hulp.", ACRONYMS) == []


def test_the_regions_of_the_law_are_explained_too():
    assert unexplained("Dit staat in artikel 5 onder a.", ACRONYMS) == ["artikel 5 onder a"]


def test_problem_points_at_the_entry_and_names_the_long_form():
    [problem] = acronym_problems([ShownText("a.yaml", 3, "entry 'x'", "Bel DUO.")], ACRONYMS)
    assert str(problem) == (
        "a.yaml:3: entry 'x' uses DUO without saying what it means "
        "(DUO = dienst uitvoering onderwijs); write it out once or avoid it"
    )


def test_faq_check_fails_on_an_unexplained_abbreviation(tmp_path):
    content_dir, _ = write(tmp_path, GOOD.replace("Dit is het antwoord.", "Vraag een OPP."))
    done = ouderlijn("faq", "check", env={"OUDERLIJN_FAQ_DIR": str(content_dir)})
    assert done.returncode == 1 and "entry 'eerste' uses OPP" in done.stdout


def test_a_hard_text_is_reported_and_an_easy_one_is_not():
    hard = ShownText("a.yaml", 4, "entry 'x'", "Multidisciplinaire perspectiefplannen.")
    easy = ShownText("a.yaml", 9, "entry 'y'", "Bel de school. Vraag om een plan.")
    found = readability_problems([hard, easy])
    assert found is not None, "textstat is part of the test extra"
    [problem] = found
    assert problem.line == 4 and "reads too hard" in problem.message
