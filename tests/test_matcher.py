"""How the matcher treats the way parents really write, on the shipped FAQ.

The phrasings here are written for these tests; none is copied from the content or eval sets.
"""

from __future__ import annotations

import json

import pytest

from faq.matcher import MatchResult, Outcome


def top(result: MatchResult) -> str | None:
    """The entry the parent would see first: the answer, else the first suggestion."""
    if result.answer:
        return result.answer.id
    return result.suggestions[0].id if result.suggestions else None


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("wat betekent OPP eigenlijk", "opp"),
        ("wat betekent ontwikkelingsperspectiefplan eigenlijk", "opp"),
        ("bezwaar maken tegen tlv besluit", "bezwaar-tlv"),
        ("hij is geschorst, hoe lang mag dat", "schorsing"),
        ("bestaat het rugzakje nog steeds", "rugzakje"),
        ("wanneer is mijn kind leerplichtig", "leerplicht"),
        ("wat doet een ib'er op de basisschool", "ib-er"),
    ],
)
def test_plain_questions_find_their_entry(knowledge, message, expected):
    assert top(knowledge.matcher.match(message)) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("wat is een ontwikkelingsperspectiefplan", "opp"),
        ("wat is een ontwikelingsperspectiefplan", "opp"),
        ("hoe werkt een toelaatbaarhiedsverklaring", "tlv"),
        ("mn zoon is geschorst door de skool wat nu", "schorsing"),
        ("wnr moet school verzuim doorgeven", "verzuim-melden"),
    ],
)
def test_typos_and_chat_language(knowledge, message, expected):
    assert top(knowledge.matcher.match(message)) == expected


def test_abbreviation_and_full_word_give_the_same_entry(knowledge):
    short = knowledge.matcher.match("tlv aanvragen voor sbo")
    full = knowledge.matcher.match(
        "toelaatbaarheidsverklaring aanvragen voor speciaal basisonderwijs"
    )
    assert top(short) == top(full) is not None


def test_long_story_with_the_question_inside(knowledge):
    story = (
        "Goedemorgen, ik weet echt niet meer waar ik moet beginnen. Onze jongste is negen en "
        "heeft sinds groep 4 veel moeite in de klas. Thuis gaat het redelijk, we hebben rust "
        "en regelmaat, maar op school loopt het steeds vast. Er zijn al veel gesprekken "
        "geweest met de juf. Nu heeft de school gisteren een plan gestuurd, het OPP, en ze "
        "willen dat ik dat onderteken. Ik ben het er helemaal niet mee eens, want er staat "
        "niets in over de hulp die hij echt nodig heeft. Moet ik dit nu tekenen?"
    )
    assert top(knowledge.matcher.match(story)) == "opp-instemming"


def test_ten_thousand_characters_are_handled(knowledge):
    filler = "We hebben al van alles geprobeerd en het is thuis soms zwaar. "
    message = (filler * 200)[:9_900] + " Wat is een thuiszitter?"
    assert len(message) == 9_924
    result = knowledge.matcher.match(message)
    assert result.outcome in (Outcome.ANSWER, Outcome.SUGGESTIONS, Outcome.NOTHING)
    json.dumps(result.to_json())


@pytest.mark.parametrize(
    "message", ["", "   ", "\n", "😀😀😀", "🙏", "学校のこと", "?!?!", "12345"]
)
def test_empty_emoji_and_non_latin_get_nothing(knowledge, message):
    result = knowledge.matcher.match(message)
    assert result.outcome is Outcome.NOTHING
    assert result.to_json() == {"answer": None, "suggestions": [], "scores": {}}


@pytest.mark.parametrize(
    "message",
    [
        "wat wordt de uitslag van de voetbalwedstrijd",
        "recept voor appeltaart graag",
        "mijn fiets heeft een lekke band",
        "wie wint het songfestival",
    ],
)
def test_off_topic_questions_get_no_confident_answer(knowledge, message):
    assert knowledge.matcher.match(message).outcome is not Outcome.ANSWER


def test_emoji_around_a_real_question_still_match(knowledge):
    assert (
        top(knowledge.matcher.match("😭😭 mijn dochter wordt gepest 😡 wat moet school doen??"))
        == "pesten-sociale-veiligheid"
    )


@pytest.mark.parametrize("message", ["school", "mijn kind", "hulp op school", "ik heb een vraag"])
def test_only_common_words_never_give_a_confident_answer(knowledge, message):
    assert knowledge.matcher.match(message).outcome is not Outcome.ANSWER


def test_ambiguous_word_gets_a_few_suggestions(knowledge):
    result = knowledge.matcher.match("wat kost dat")
    assert result.outcome is Outcome.SUGGESTIONS
    assert 2 <= len(result.suggestions) <= 3


def test_scores_are_sorted_and_json_stable(knowledge):
    result = knowledge.matcher.match("wat is passend onderwijs")
    data = result.to_json()
    assert set(data) == {"answer", "suggestions", "scores"}
    values = list(data["scores"].values())
    assert values == sorted(values, reverse=True)
    assert data["answer"] == "passend-onderwijs"


@pytest.mark.parametrize(
    ("message", "entry_id"),
    [
        ("wat is een tlv", "tlv"),  # the TLV entry, not "Bezwaar tegen een TLV"
        ("hoe meld ik mn kind aan op school", "aanmelden-school"),  # not a Veilig Thuis melding
        ("wanneer is de herfstvakantie", "schoolvakanties"),  # a pointer, not the leave topic
        ("is de ouderbijdrage verplicht", "ouderbijdrage"),
        ("school stuurt mijn zoon steeds naar huis", "naar-huis-gestuurd"),
        ("is het te laat om bezwaar te maken", "termijnen-gemist"),  # "te laat" as a deadline
    ],
)
def test_common_questions_of_issue_11_get_a_clear_answer(knowledge, message, entry_id):
    result = knowledge.matcher.match(message)
    assert result.outcome is Outcome.ANSWER and top(result) == entry_id, result.scores


def test_runners_up_are_suggested_once_the_best_is_worth_suggesting(knowledge):
    result = knowledge.matcher.match("wat kost dat")
    assert result.outcome is Outcome.SUGGESTIONS
    assert result.suggestions[0].id == max(result.scores, key=result.scores.__getitem__)
    assert all(result.scores[e.id] >= 0.40 for e in result.suggestions)
