"""Normalisation, chat language, synonyms, compounds and typos, on the shipped lexicon."""

from __future__ import annotations

import pytest

from faq.analyzer import Analyzer
from faq.lexicon import load_lexicon
from faq.textfold import fold, strip_accents

VOCABULARY = [
    "dyslexie",
    "behandeling",
    "onderzoek",
    "school",
    "angst",
    "vergoed",
    "ontwikkeling",
    "leerplicht",
    "verzuim",
    "tekenen",
    "schorsing",
]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(load_lexicon(), VOCABULARY)


def test_fold_lowercases_strips_accents_and_punctuation():
    assert fold("Één OPP?! Geïnteresseerd…") == "een opp geinteresseerd"
    assert strip_accents("café") == "cafe"


def test_fold_expands_elisions():
    assert fold("m'n zoon, z’n juf en 't OPP") == "mijn zoon zijn juf en het opp"


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "😀🙏😭", "???!!!", "学校", "Ребёнок"])
def test_empty_emoji_and_non_latin_give_no_terms(analyzer, text):
    assert analyzer.terms(text) == []


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("ontwikkelingsperspectiefplan", "opp"),
        ("OPP", "opp"),
        ("TLV", "tlv"),
        ("toelaatbaarheidsverklaring", "tlv"),
        ("SWV", "samenwerkingsverband"),
        ("speciaal basisonderwijs", "sbo"),
        ("SBO", "sbo"),
        ("speciaal onderwijs", "so"),
        ("voortgezet speciaal onderwijs", "vso"),
        ("intern begeleider", "ib"),
        ("IB'er", "ib"),
        ("ib-er", "ib"),
        ("MDO", "ondersteuningsteam"),
        ("OT", "ondersteuningsteam"),
        ("ASS", "autisme"),
        ("autist", "autisme"),
        ("AD(H)D", "adhd"),
        ("ADD", "adhd"),
        ("HB", "hoogbegaafd"),
        ("hoogbegaafdheid", "hoogbegaafd"),
        ("rugzakje", "rugzak"),
        ("de juf", "leerkracht"),
        ("blijven zitten", "doubleren"),
    ],
)
def test_synonyms_and_abbreviations_map_to_one_term(analyzer, variant, canonical):
    assert analyzer.terms(variant) == [canonical]


def test_chat_spellings_are_expanded(analyzer):
    assert analyzer.surface("ff vragen wnr mn zoon leerplichtig is") == analyzer.surface(
        "even vragen wanneer mijn zoon leerplichtig is"
    )


def test_stop_words_are_dropped(analyzer):
    assert analyzer.surface("wat is dat nou eigenlijk") == []


def test_compounds_are_split_into_known_words(analyzer):
    terms = analyzer.terms("dyslexieonderzoek")
    assert analyzer.terms("dyslexie")[0] in terms and analyzer.terms("onderzoek")[0] in terms
    assert set(analyzer.terms("angst voor school")) <= set(analyzer.terms("schoolangst"))


def test_typos_are_corrected_to_content_words(analyzer):
    assert analyzer.terms("dyslexi behandling") == analyzer.terms("dyslexie behandeling")
    assert analyzer.terms("leerplcht verzuimm") == analyzer.terms("leerplicht verzuim")


def test_short_or_distant_words_are_not_corrected(analyzer):
    assert analyzer.terms("pizza") == analyzer.terms("pizza")  # stays itself
    assert analyzer.resolve("pizza")[0] not in analyzer.terms(" ".join(VOCABULARY))


def test_inflections_share_a_stem(analyzer):
    assert analyzer.terms("behandeling") == analyzer.terms("behandelingen")
    assert analyzer.terms("vergoed") == analyzer.terms("vergoeding")


def test_long_message_is_analysed_with_bounded_caches(analyzer):
    text = ("Mijn zoon heeft dyslexie en ik weet niet meer wat ik moet doen. " * 160)[:10_000]
    assert "dyslexie" in analyzer.terms(text)


def test_real_dutch_words_are_not_corrected_into_content_words():
    analyzer = Analyzer(load_lexicon(), ["lager", "robot", "geschorst"])
    assert analyzer.terms("later groot geschopt") == analyzer.terms("later groot geschopt")
    assert not {"lager", "robot"} & set(analyzer.terms("later groot"))
    assert analyzer.resolve("geschopt") != analyzer.resolve("geschorst")


def test_swapped_letters_count_as_one_typo(analyzer):
    assert analyzer.terms("leerpilcht") == analyzer.terms("leerplicht")


def test_compound_parts_count_less_than_whole_words():
    analyzer = Analyzer(load_lexicon(), ["zomer", "vakantie", "verlof"], part_weight=0.5)
    assert analyzer.weighted_terms("zomervakantie") == [
        (analyzer.resolve("zomervakantie")[0][0], 1.0),
        (analyzer.terms("zomer")[0], 0.5),
        (analyzer.terms("vakantie")[0], 0.5),
    ]
    assert analyzer.weighted_terms("vakantie") == [(analyzer.terms("vakantie")[0], 1.0)]


def test_a_real_compound_is_not_corrected_into_another_word():
    analyzer = Analyzer(load_lexicon(), ["schoolplein", "zorgplan"])
    assert analyzer.terms("schoolplan") != analyzer.terms("schoolplein"), "school + plan, no typo"
    assert analyzer.terms("zorgpaln") == analyzer.terms("zorgplan"), "a typo is still corrected"


def test_phrases_decide_the_sense_of_te_laat(analyzer):
    late = analyzer.terms("mijn dochter komt te laat op school")
    deadline = analyzer.terms("is het te laat om bezwaar te maken")
    assert "telaatkomen" in late and "termijnverlopen" not in late
    assert "termijnverlopen" in deadline and "telaatkomen" not in deadline


def test_a_typo_written_into_the_content_does_not_block_correction():
    analyzer = Analyzer(load_lexicon(), ["onderwijs", "onderwjis", "passend"])
    assert analyzer.terms("onderwjis") == analyzer.terms("onderwijs")
    assert analyzer.terms("ondewijs") == analyzer.terms("onderwijs"), "a parent's own typo"
