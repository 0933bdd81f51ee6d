"""The crisis check reads like a transcript: what a parent types, and whether the bot must alarm.

Besides the shared dev set, the messages below were written for this test (not taken from the
data file): crisis messages from children and parents in chat spelling, with typos and inside
long stories, and everyday school stress that must stay quiet.
"""

from __future__ import annotations

import random
import re
import textwrap
from pathlib import Path

import pytest

from bot.core.safety import DEFAULT_CRISIS_FILE, CrisisCheck, anchored, combine, fold_message
from faq.model import ContentError

DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "crisis_dev.tsv"


@pytest.fixture(scope="module")
def check() -> CrisisCheck:
    return CrisisCheck.load()


def dev_rows() -> list[tuple[str, str]]:
    if not DEV_SET.exists():
        return []
    lines = DEV_SET.read_text(encoding="utf-8").splitlines()[1:]
    return [(label, message) for label, message in (line.split("\t", 1) for line in lines if line)]


@pytest.mark.skipif(not DEV_SET.exists(), reason="shared/eval/crisis_dev.tsv is not available")
@pytest.mark.parametrize(("label", "message"), dev_rows())
def test_dev_set(check, label, message):
    assert label in {"crisis", "ok"}
    assert check.is_crisis(message) is (label == "crisis"), check.matches(message)


# --- crisis: (expected group, message) ---------------------------------------------------------

CRISIS = [
    ("death_wish", "mn zoon zei vanavond dat hij dood wil"),
    ("death_wish", "Onze dochter van 13 zegt steeds: ik wil dood, ik wil dood."),
    ("death_wish", "ik wil gewoon dood gaan, niemand snapt me"),
    ("death_wish", "hij zegt dat hij liever doodgaat dan nog een dag naar die school"),
    ("death_wish", "ik wil niet meer leven"),
    ("death_wish", "Ze wil niet langer leven sinds de zomer"),
    ("death_wish", "Mijn dochter zegt dat ze er niet meer wil zijn"),
    ("death_wish", "hij wil er niet meer zijn, zegt hij"),
    ("death_wish", "ik wou dat ik er niet meer was"),
    ("death_wish", "Was ik maar dood, schreef hij in zijn dagboek"),
    ("death_wish", "ik wil er een eind aan maken"),
    ("death_wish", "Ik trek dit niet meer. Ik maak er een einde aan."),
    ("death_wish", "hij wil een einde maken aan zijn leven"),
    ("death_wish", "Iedereen is beter af zonder mij zegt mijn dochter"),
    ("death_wish", "hij zegt dat hij liever nooit geboren was"),
    ("death_wish", "ze wil gaan slapen en nooit meer wakker worden"),
    ("death_wish", "Mijn dochter ziet het leven niet meer zitten"),
    ("death_wish", "hij heeft geen zin meer in het leven"),
    ("death_wish", "mijn zoon googlet hoe je dood kan gaan"),
    ("death_wish", "Ze wil sterven, zegt ze"),
    ("death_wish", "ik kan het niet meer aan en wil dood"),
    ("suicide", "hij praat over zelfmoors"),
    ("suicide", "mijn zoon heeft zelfmoordgedachten"),
    ("suicide", "Mijn dochter heeft een zelfmoordpoging gedaan"),
    ("suicide", "de psycholoog zegt dat hij suïcidaal is"),
    ("suicide", "ze heeft suicidale gedachten"),
    ("suicide", "hij heeft het steeds over sucide"),
    ("suicide", "ik denk aan zelfdoding"),
    ("suicide", "ik wil me van kant maken"),
    ("suicide", "hij wil zichzelf doden"),
    ("suicide", "my son says he wants to kill himself... sorry, I mean: hij zei kill myself"),
    ("suicide", "Ik vond een afscheidsbrief in haar kamer"),
    ("suicide_method", "mijn kind wil voor de trein springen"),
    ("suicide_method", "Hij dreigt van het dak te springen als hij naar school moet"),
    ("suicide_method", "ze stond op de brug en wilde springen van de brug"),
    ("suicide_method", "hij heeft een hele strip paracetamol ingenomen"),
    ("suicide_method", "ze heeft te veel pillen geslikt"),
    ("suicide_method", "mijn zoon wil zich ophangen"),
    ("suicide_method", "mijn dochter spaart pillen op in haar kamer"),
    ("suicide_method", "moet ik 113 bellen?"),
    ("suicide_method", "Zoon (15) heeft gisteren een overdosis genomen"),
    ("death_wish", "ze heeft pillen ingenomen om dood te gaan"),
    ("self_harm", "ik denk dat ze zichzelf snijdt"),
    ("self_harm", "Mijn dochter krast zich al maanden, ik zag het bij gym"),
    ("self_harm", "ze heeft sneetjes in haar armen"),
    ("self_harm", "ik kras mezelf als het te veel wordt"),
    ("self_harm", "mijn dochter is aan het cutten"),
    ("self_harm", "zoon bonkt met zijn hoofd tegen de muur tot hij bloedt"),
    ("self_harm", "ik ben bang dat hij zichzelf iets aandoet"),
    ("self_harm", "hij doet zichzelf pijn als hij boos is"),
    ("self_harm", "er lagen mesjes uit een puntenslijper in haar la"),
    ("self_harm", "Onze zoon heeft last van zelfbeschadiging"),
    ("abuse", "Mijn kind wordt thuis mishandeld"),
    ("abuse", "ik denk dat mijn zoon mishandelt wordt door zijn vader"),
    ("abuse", "mijn dochter is aangerand op weg naar school"),
    ("abuse", "ik denk dat mijn zoon seksueel misbruikt wordt door zijn trainer"),
    ("abuse", "hij heeft aan haar gezeten"),
    ("abuse", "de gymleraar heeft haar ongewenst aangeraakt"),
    ("abuse", "ze is verkracht"),
    ("abuse", "Hij heeft naaktfoto's van haar verspreid"),
    ("violence", "mijn vader slaat me als ik niet naar school ga"),
    ("violence", "papa slaat mama"),
    ("violence", "de meester heeft hem geslagen"),
    ("violence", "hij is op school in elkaar geslagen"),
    ("violence", "Ik word thuis geslagen"),
    ("violence", "ze krijgt klappen van haar vader"),
    ("violence", "mijn ex bedreigt ons al weken"),
    ("violence", "mijn partner wordt gewelddadig als hij drinkt"),
    ("violence", "er is huiselijk geweld bij ons thuis"),
    ("violence", "hij zei tegen mij: ik maak je dood"),
    ("violence", "ik ben bang dat ik mijn kind ga slaan"),
    ("violence", "Ik ben bang dat mijn man ons iets aandoet"),
    ("violence", "mijn ex heeft gedreigd de kinderen mee te nemen"),
    ("violence", "ik ben doodsbang voor mijn ex"),
    ("violence", "ze voelt zich thuis niet veilig"),
    ("violence", "de juf schopte hem"),
    ("violence", "Mijn man heeft me gisteren gewurgd"),
    ("violence", "hij dreigde me te vermoorden"),
    ("death_wish", "k wil nie meer leven"),
    ("death_wish", "ik wou dat ik niet meer leefde"),
    ("suicide_method", "hij stond op het dak en wou springen"),
    ("self_harm", "zij doet zichzelf iets aan als ik niks doe"),
    ("abuse", "de trainer raakt haar aan op plekken waar dat niet mag"),
    ("abuse", "mijn man zit aan mijn dochter"),
    ("violence", "ik word gek, ik ben bang dat ik hem sla"),
    ("violence", "hij heeft mij een klap gegeven"),
    ("violence", "mijn zoon kreeg een klap van de conciërge"),
    ("violence", "ik heb blauwe plekken van mijn vriend"),
    ("violence", "ik ben bang dat mijn ex de kinderen meeneemt en iets aandoet"),
]

# A long story with the crisis sentence buried in the middle.
LONG_STORY = (
    "Goedemiddag, ik weet niet goed waar ik moet beginnen. Mijn zoon zit in de brugklas en "
    "sinds de herfstvakantie gaat het steeds slechter. Hij heeft een OPP, maar de mentor "
    "reageert niet op mijn mails en de zorgcoördinator is ziek. We hebben al drie gesprekken "
    "gehad. Gisteravond zei hij tijdens het eten opeens dat hij niet meer wil leven als het zo "
    "doorgaat. Ik schrok me dood. Daarna deed hij weer gewoon, speelde hij een spelletje. "
    "Moet ik de huisarts bellen of eerst de school? En hoe zit het met leerplicht als hij "
    "morgen niet gaat? Alvast bedankt voor het meedenken."
)

# --- everyday speech and near misses that must NOT alarm -------------------------------------

EVERYDAY = [
    "ik schrik me dood van die brief",
    "Hij is doodmoe na school",
    "ik ben dood op na dat gesprek",
    "hij wil dood graag naar het vmbo",
    "ze wil dolgraag weer naar school",
    "mijn zoon wil niet meer naar school",
    "Ze wil echt niet meer terug naar die klas",
    "de juf maakt me gek",
    "ik ben het zat met die school",
    "De situatie is niet meer te leven voor hem",
    "het is thuis niet meer te leven sinds hij thuiszit",
    "mijn dochter slaat met deuren als ze boos is",
    "ik kan het niet meer aan",
    "Ik kan het niet meer aan, ik ben zo moe van alle gesprekken",
    "dat slaat nergens op",
    "hij slaat dicht bij een toets",
    "we hebben alarm geslagen bij de leerplichtambtenaar",
    "Ik was met stomheid geslagen toen ik het hoorde",
    "hij was helemaal uit het veld geslagen na het gesprek",
    "school en zorg hebben de handen ineen geslagen",
    "de mentor heeft een brug geslagen tussen thuis en school",
    "de school maakt misbruik van de situatie",
    "hij is doodsbang voor de eindtoets",
    "ik zie het niet meer zitten met deze school",
    "hij verveelt zich dood in de klas",
    "ik maak me dood ongerust over de overstap",
    "hij heeft weinig zelfmotivatie",
    "Hij doet het geweldig op de nieuwe school",
    "kan ik daar iets aan doen?",
    "hij dreigt te blijven zitten",
    "mijn ex dreigt met een rechtszaak over de schoolkeuze",
    "hij heeft een schop onder zijn kont nodig",
    "wat een strop dat de aanmelding te laat is",
    "ik ben bang dat hij blijft zitten",
    "hij is bang voor de juf",
    "ze voelt zich niet veilig op school door het pesten",
    "mijn kind is gepest en wil niet meer naar school",
    "hij zit thuis want hij voelt zich niet veilig op school",
    "we lopen met ons hoofd tegen de muur bij de gemeente",
    "mijn zoon met DCD kan niet met mes en vork eten",
    "hij heeft een klap gekregen toen hij hoorde dat hij niet werd toegelaten",
    "de mentor zei dat het doodnormaal is",
    "Hij werkt zich dood voor zijn examens",
    "hij ziet op tegen de brugklas",
    "mijn zoon gaat elke dag met de trein naar school",
    "hij heeft alle medicijnen voor ADHD al geprobeerd",
    "hij slaat zijn huiswerk steeds over",
    "ze slaat zich er wel doorheen",
    "hij zag bleek en bleek te drinken van de zenuwen",
    "de school wil hem eruit schoppen",
    "de zorgcoordinator krabt zich achter de oren",
    "hij heeft zelf ook pijn in zijn buik van de stress",
    "hij moet zelf zijn brood leren snijden",
    "we hebben het levensboek van de school gekregen",
    "kan de school hem iets aanbieden voor rekenen?",
    "ik wil een einde maken aan het pesten",
    "hij praat veel over de dood van opa sinds de begrafenis",
    "Ik ben moe, boos en verdrietig. Wie kan ons helpen?",
    "Hij vond de les om dood te gaan zo saai",
    "ze trekt zich alles aan wat de juf zegt",
    "hij sluit zich op in zijn kamer",
    "thuis voelt hij zich veilig, op school niet",
    "hij is bang voor zijn vader zijn reactie op het rapport",
    "hij zat aan de keukentafel te huilen over zijn huiswerk",
    "hij is in het water gesprongen bij zwemles",
    "We moeten nog 10 minuten wachten voor de trein",
    "hij heeft een snee in zijn vinger door het knutselen",
    "hij neemt elke ochtend zijn pillen voor adhd",
    "de juf greep in toen hij ging vechten met zijn broertje",
    "hij wil niet meer naar gym want ze lachen hem uit",
    "het is een kwestie van leven of dood voor hem, die nieuwe school",
    "ik voel me aangevallen door de mentor",
    "de inspectie gaf de school een tik op de vingers",
    "ik ben bang dat niemand er wat aan doet",
    "we kunnen niet meer leven met deze onzekerheid over de toelating",
    "Hij wil dood graag naar het vwo. Graag advies.",
]


@pytest.mark.parametrize(("group", "message"), CRISIS, ids=[m for _, m in CRISIS])
def test_crisis_messages_alarm(check, group, message):
    assert check.is_crisis(message)
    assert group in check.matches(message)


def test_crisis_inside_a_long_story(check):
    assert check.matches(LONG_STORY) == ["death_wish"]


@pytest.mark.parametrize("message", EVERYDAY)
def test_everyday_speech_stays_quiet(check, message):
    assert check.matches(message) == []
    assert not check.is_crisis(message)


def test_own_lists_are_big_enough():
    assert len(CRISIS) >= 40 and len(EVERYDAY) >= 40


@pytest.mark.parametrize(
    "message",
    [
        "ZELFMOORD",
        "Zelf-moord!!",
        "zelfmoord?",
        "SUÏCIDE",
        "suicide",
        "Mijn zoon zegt: “ik wil dood” 😢",
        "m'n vader slaat me",
        "hij wil\ndood",
    ],
)
def test_spelling_accents_punctuation_and_case(check, message):
    assert check.is_crisis(message)


def test_everyday_phrase_does_not_hide_a_crisis_elsewhere(check):
    assert check.is_crisis("ik schrik me dood, want hij zegt dat hij dood wil")
    assert check.is_crisis(
        "hij wil dood graag naar een andere school, maar vanochtend zei hij: ik wil dood"
    )
    assert check.is_crisis("het is niet meer te leven voor hem en hij wil niet meer leven")


def test_sentences_are_kept_apart(check):
    assert fold_message("Ik wil dood. Graag advies!") == "ik wil dood . graag advies"
    assert fold_message("ik wil... dood") == "ik wil dood"
    assert check.is_crisis("Mijn dochter zegt: ik wil dood. Graag advies.")
    assert not check.is_crisis("Hij wil dood graag naar het vwo. Graag advies.")
    assert check.is_crisis("Ze zegt steeds: ik wil niet meer. Wat moet ik doen?")


def corpus() -> list[str]:
    """Folded test messages plus random word salad made of their words (fixed seed)."""
    texts = [m for _, m in CRISIS] + EVERYDAY + [LONG_STORY] + [m for _, m in dev_rows()]
    folded = [fold_message(t) for t in texts]
    words = " ".join(folded).replace(" . ", " ").split()
    rng = random.Random(7)
    salad = [" ".join(rng.choices(words, k=rng.randint(1, 10))) for _ in range(3000)]
    return folded + salad


def test_combined_precheck_agrees_with_the_single_patterns(check):
    texts = corpus()
    for group in check.groups:
        for text in texts:
            single = any(pattern.search(text) for pattern in group.patterns)
            assert bool(group.any_pattern.search(text)) is single, (group.name, text)


@pytest.mark.parametrize(
    ("bodies", "text", "expected"),
    [
        (["ab|cd"], "x cd", True),  # top-level '|' is never regrouped
        (["a(?:b|c)|d"], "d", True),
        (["(?:ab|cd)|ef"], "ef", True),
        (["ab|cd"], "xcd", False),  # every pattern starts at the start of a word
        (["(?:slaat|sloeg) hem\\b", "sla\\b"], "ik sla", True),
        (["(?:slaat|sloeg) hem\\b", "sla\\b"], "ik sloeg hem", True),
        (["(?:slaat|sloeg) hem\\b", "sla\\b"], "ik slaan hem", False),
        (["s?laat\\b"], "laat", True),  # optional first letter
        (["(?:ab|cd)?x\\b"], "cdx", True),  # optional leading group
        (["(?:ab|cd)?x\\b"], "x", True),
        (["[a-c]x\\b", "dood\\b"], "bx", True),
        (["(?:ab|cd)\\b"], "abcd", False),
        (["(?:mis|kindermis) ?handel\\w*"], "kindermishandeling", True),
        (["(?:a|bc)(d)\\b", "(?:a|b)c"], "bd", False),
    ],
)
def test_combine_is_exact_for_tricky_patterns(bodies, text, expected):
    patterns = [re.compile(anchored(body)) for body in bodies]
    assert any(p.search(text) for p in patterns) is expected
    assert bool(combine(patterns).search(text)) is expected


@pytest.mark.skipif(not DEV_SET.exists(), reason="shared/eval/crisis_dev.tsv is not available")
def test_data_file_does_not_copy_dev_sentences():
    data = fold_message(DEFAULT_CRISIS_FILE.read_text(encoding="utf-8"))
    for _, message in dev_rows():
        assert fold_message(message) not in data


@pytest.mark.parametrize(
    "message",
    ["", "   ", "?!", "😢😢😢", "مرحبا كيف حالك", "Привет", "你好", "\x00\ud800", "12345", "\n\t"],
)
def test_odd_input_never_raises(check, message):
    assert check.is_crisis(message) is False
    assert check.matches(message) == []


def test_non_string_input_is_not_a_crisis(check):
    assert check.is_crisis(None) is False
    assert check.matches(b"zelfmoord") == []


def test_long_message_is_still_found(check):
    filler = "Hij is doodmoe en wil dood graag naar een andere school, de juf slaat met deuren. "
    message = (filler * 130)[:10_000] + " ik wil dood"
    assert len(message) >= 10_000
    assert check.is_crisis(message)
    assert not check.is_crisis(message[:10_000])


def test_adversarial_long_inputs_do_not_fire(check):
    # Speed is measured in bench/bench_engine.py, not asserted here.
    for message in ("a" * 10_000, "x" + " " * 10_000 + "y"):
        assert check.matches(message) == []


def test_default_file_has_the_documented_groups(check):
    assert DEFAULT_CRISIS_FILE.name == "crisis_nl.yaml" and DEFAULT_CRISIS_FILE.exists()
    assert set(check.group_names) == {
        "suicide",
        "death_wish",
        "suicide_method",
        "self_harm",
        "abuse",
        "violence",
    }


# --- strict loading: every problem with file and line -----------------------------------------

GOOD = """\
define:
  want: '(?:wil|wilt)'
groups:
  - name: wish
    patterns:
      - '\\b{want} (dood)\\b'
    unless:
      - '\\bdood graag\\b'
"""


def load_text(tmp_path: Path, text: str) -> CrisisCheck:
    path = tmp_path / "crisis.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return CrisisCheck.load(path)


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_text(tmp_path, text)
    return [str(p) for p in sorted(caught.value.problems)]


def test_minimal_file_loads_and_unless_covers_the_key(tmp_path):
    check = load_text(tmp_path, GOOD)
    assert check.matches("Hij wil dood!") == ["wish"]
    assert check.matches("hij wil dood graag naar het vwo") == []


def test_yaml_syntax_error_has_file_and_line(tmp_path):
    found = problems(tmp_path, GOOD.replace("      - '\\bdood graag\\b'", "      - [unclosed"))
    assert len(found) == 1
    assert "crisis.yaml:9: YAML syntax" in found[0]


def test_unknown_keys_are_reported_with_lines(tmp_path):
    text = GOOD.replace("groups:", "version: 2\ngroups:").replace(
        "    unless:", "    severity: high\n    unless:"
    )
    found = problems(tmp_path, text)
    assert any(":3: unknown field 'version'" in p for p in found), found
    assert any(":8: unknown field 'severity'" in p for p in found), found


def test_invalid_regex_is_reported_with_its_line(tmp_path):
    found = problems(tmp_path, GOOD.replace("'\\bdood graag\\b'", "'\\bdood (graag'"))
    assert len(found) == 1 and "crisis.yaml:8: invalid regex" in found[0], found


def test_empty_lists_and_missing_fields(tmp_path):
    text = """\
    groups:
      - name: one
        patterns: []
      - name: two
        patterns: ['\\bx\\b']
        unless: []
      - patterns: ['\\by\\b']
    """
    found = problems(tmp_path, text)
    assert any(":3: 'patterns' must be a non-empty list" in p for p in found), found
    assert any(":6: 'unless' must be a non-empty list" in p for p in found), found
    assert any(":7: group is missing 'name'" in p for p in found), found


def test_empty_groups_and_empty_file(tmp_path):
    assert any(
        ":1: 'groups' must be a non-empty list" in p for p in problems(tmp_path, "groups: []\n")
    )
    assert any(":1: the file must be a mapping" in p for p in problems(tmp_path, ""))


def test_unknown_define_duplicates_and_dangerous_patterns(tmp_path):
    text = """\
    groups:
      - name: one
        patterns:
          - '\\b{nope} dood\\b'
          - '(?:x)?'
          - '(a)(b)'
          - 'zelfmoord met één accent'
      - name: one
        name: again
        patterns: ['\\bx\\b']
    """
    found = problems(tmp_path, text)
    assert any(":4: unknown define(s) nope" in p for p in found), found
    assert any(":5: " in p and "matches empty text" in p for p in found), found
    assert any(":6: " in p and "2 capturing groups" in p for p in found), found
    assert any(":7: " in p and "non-ASCII" in p for p in found), found
    assert any(":9: duplicate field 'name'" in p for p in found), found


def test_duplicate_group_names(tmp_path):
    text = """\
    groups:
      - name: one
        patterns: ['\\bx\\b']
      - name: one
        patterns: ['\\by\\b']
    """
    found = problems(tmp_path, text)
    assert found == [f"{tmp_path / 'crisis.yaml'}:4: duplicate group name 'one' (first at line 2)"]


def test_unreadable_file_is_a_content_error(tmp_path):
    with pytest.raises(ContentError) as caught:
        CrisisCheck.load(tmp_path / "missing.yaml")
    assert "missing.yaml:1: cannot read file" in str(caught.value)
