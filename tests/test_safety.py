"""The crisis check reads like a transcript: what a parent types, and whether the bot must alarm.

Besides the shared dev set, the messages below were written for this test (not taken from the
data file or the labelled corpus): crisis messages from children and parents in chat spelling,
with typos and inside long stories, the triage category each message gets (suicide, harm,
distress or None), and everyday school stress that must stay quiet. Tests about the rules load
them alone (`CrisisCheck.load(model_path=None)`), so they do not depend on the learned model.
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
CORPUS = DEFAULT_CRISIS_FILE.parent / "triage_corpus_nl.tsv"


@pytest.fixture(scope="module")
def check() -> CrisisCheck:
    """The rules alone: these tests are about crisis_nl.yaml, not about the model."""
    return CrisisCheck.load(model_path=None)


@pytest.fixture(scope="module")
def full_check() -> CrisisCheck:
    """Rules and model together, as the engine uses them."""
    return CrisisCheck.load()


def dev_rows() -> list[tuple[str, str]]:
    if not DEV_SET.exists():
        return []
    lines = DEV_SET.read_text(encoding="utf-8").splitlines()[1:]
    return [(label, message) for label, message in (line.split("\t", 1) for line in lines if line)]


@pytest.mark.skipif(not DEV_SET.exists(), reason="shared/eval/crisis_dev.tsv is not available")
@pytest.mark.parametrize(("label", "message"), dev_rows())
def test_dev_set(full_check, label, message):
    assert label in {"crisis", "ok"}
    assert full_check.is_crisis(message) is (label == "crisis"), full_check.matches(message)


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
    ("hitting", "mijn vader slaat me als ik niet naar school ga"),
    ("hitting", "papa slaat mama"),
    ("hitting", "de meester heeft hem geslagen"),
    ("hitting", "hij is op school in elkaar geslagen"),
    ("hitting", "Ik word thuis geslagen"),
    ("hitting", "ze krijgt klappen van haar vader"),
    ("threat", "mijn ex bedreigt ons al weken"),
    ("hitting", "mijn partner wordt gewelddadig als hij drinkt"),
    ("hitting", "er is huiselijk geweld bij ons thuis"),
    ("threat", "hij zei tegen mij: ik maak je dood"),
    ("hitting", "ik ben bang dat ik mijn kind ga slaan"),
    ("unsafe_home", "Ik ben bang dat mijn man ons iets aandoet"),
    ("threat", "mijn ex heeft gedreigd de kinderen mee te nemen"),
    ("unsafe_home", "ik ben doodsbang voor mijn ex"),
    ("unsafe_home", "ze voelt zich thuis niet veilig"),
    ("hitting", "de juf schopte hem"),
    ("hitting", "Mijn man heeft me gisteren gewurgd"),
    ("threat", "hij dreigde me te vermoorden"),
    ("death_wish", "k wil nie meer leven"),
    ("death_wish", "ik wou dat ik niet meer leefde"),
    ("suicide_method", "hij stond op het dak en wou springen"),
    ("self_harm", "zij doet zichzelf iets aan als ik niks doe"),
    ("abuse", "de trainer raakt haar aan op plekken waar dat niet mag"),
    ("abuse", "mijn man zit aan mijn dochter"),
    ("hitting", "ik word gek, ik ben bang dat ik hem sla"),
    ("hitting", "hij heeft mij een klap gegeven"),
    ("hitting", "mijn zoon kreeg een klap van de conciërge"),
    ("injury", "ik heb blauwe plekken van mijn vriend"),
    ("unsafe_home", "ik ben bang dat mijn ex de kinderen meeneemt en iets aandoet"),
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
    # idioms with "dood" and tiredness of a child are not distress either
    "die nieuwe juf is doodeng volgens hem",
    "rekenen vindt ze dodelijk saai",
    "hij is kapot na de sportdag",
    "ze is zo moe na een schooldag",
    # sports, play and falls are not harm
    "hij heeft een blauwe plek van het voetballen",
    "ze kwam thuis met een schaafwond van de trampoline",
    "hij is van zijn step gevallen en heeft een bult op zijn hoofd",
    "ze heeft een blauw oog van een bal bij de gymles",
    # bridges, school refusal, goodbyes at school, tidying up
    "we fietsen elke ochtend van de brug naar school",
    "hij wil er niet meer heen, naar die school",
    "ze wil er echt niet meer heen sinds de ruzie in de klas",
    "het hoeft niet meer, we hebben al een plek gevonden",
    "de juf neemt afscheid van de klas",
    "hoe neem ik met mijn zoon afscheid van de basisschool",
    "ze geeft haar oude speelgoed weg aan de kringloop",
    "hij heeft al zijn oude kleren weggegeven omdat ze te klein zijn",
    # ordinary practical trouble and ordinary frustration
    "ik ben op zoek naar een nieuwe school",
    "ik kan niet meer inloggen op het ouderportaal",
    "ik weet niet meer welke school het was",
    "ik ben helemaal kapot van de verhuizing, maar het is gelukt",
    "ik ben het zat met die school, wie kan ik bellen",
    "mag mijn zoon van 12 een middag alleen thuis zijn?",
    "de juf hield haar even vast om haar te troosten",
    "de school gaat om vijf uur op slot",
    "de zorgcoordinator krabt zich achter de oren",
    "ze wilde door de grond verdwijnen van schaamte",
    # sanctions, letting off steam, play, happy secrets
    "hij is geschorst voor het schoppen van een leerling",
    "ik zou die leerplichtambtenaar wel kunnen wurgen",
    "hij roept ik schiet je neer bij het spelen met zijn waterpistool",
    "ik mag het aan niemand vertellen, het is een verrassing voor haar verjaardag",
    "hij krijgt geen eten mee van huis, hij eet op school",
    "ze stoot haar hoofd tegen de kast bij het spelen",
    "ze wil niet meer leven zonder haar telefoon haha",
    "de mentor is ook ten einde raad met hem",
]

# --- the parent's own child hurts or threatens others: not a crisis for that child ----------
# (doer, victim): the same kind of act, once by the child and once against the child.
CHILD_DOER = [
    (
        "mijn dochter heeft een leerkracht geslagen, mag school haar schorsen?",
        "de leerkracht heeft mijn dochter geslagen",
    ),
    ("mijn zoon schopt en slaat de juf als hij overprikkeld is", "de juf schopt en slaat hem"),
    ("hij heeft een klasgenoot een klap gegeven, wat nu", "hij kreeg een klap van een klasgenoot"),
    ("onze zoon slaat zijn zusje, hoe stoppen we dat", "mijn man slaat de kinderen"),
    (
        "hij dreigde de conciërge in elkaar te slaan en is nu geschorst",
        "een oudere leerling dreigt hem in elkaar te slaan",
    ),
    (
        "mijn zoon bedreigde een jongen met een schaar, school wil hem verwijderen",
        "een jongen uit groep 8 bedreigt mijn zoon met een schaar",
    ),
    ("hij zei tegen de gymleraar: ik maak je af", "de gymleraar zei tegen hem: ik maak je af"),
    (
        "ze zegt dat ze haar broertje gaat vermoorden omdat hij haar tekening verscheurde",
        "mijn ex zegt dat hij de kinderen gaat vermoorden",
    ),
    (
        "hij duwde een klasgenoot van de trap, wat gaat school doen",
        "de meester duwde hem van de trap",
    ),
    (
        "mijn dochter heeft een meisje aan haar haren getrokken",
        "de overblijfkracht heeft mijn dochter aan haar haren getrokken",
    ),
    (
        "hij heeft een jongen tegen de grond gewerkt op het plein",
        "de conciërge heeft hem tegen de grond gewerkt",
    ),
    (
        "ze beet de taxichauffeur in zijn hand",
        "de taxichauffeur kneep haar in haar arm tot het pijn deed",
    ),
    (
        "mijn zoon zegt dat hij de juf heeft geslagen",
        "mijn zoon zegt dat de juf hem heeft geslagen",
    ),
]

# --- new wordings: (category, group, message) -----------------------------------------------

TRIAGE = [
    # passive death wishes and thoughts of death
    ("suicide", "death_wish", "Mijn zoon zegt dat het voor hem allemaal niet meer hoeft"),
    ("suicide", "death_wish", "het hoeft niet meer voor mij, zei ze"),
    ("suicide", "death_wish", "hij wil verdwijnen, zegt hij steeds"),
    ("suicide", "death_wish", "ik zou het liefst willen verdwijnen"),
    ("suicide", "death_wish", "mijn dochter denkt dat iedereen beter af is zonder haar"),
    ("suicide", "death_wish", "ze heeft veel gedachten aan de dood"),
    ("suicide", "death_wish", "hij heeft het de laatste tijd vaak over doodgaan"),
    ("suicide", "death_wish", "hij zegt dat hij er liever niet is"),
    ("suicide", "death_wish", "ze zei dat ze er nooit had moeten zijn"),
    ("suicide", "death_wish", "soms denk ik erover om er niet meer te zijn"),
    ("suicide", "death_wish", "hij hoopt elke avond dat hij niet meer wakker wordt"),
    ("suicide", "death_wish", "hij voelt zich een last voor het hele gezin"),
    ("suicide", "death_wish", "ze zegt dat ze zichzelf dood gaat maken"),
    ("suicide", "death_wish", "hij zegt dat het beter is als hij er niet is"),
    ("suicide", "suicide_method", "hij stond op het spoor"),
    # warning signs
    ("suicide", "warning_sign", "we vonden een afscheidsbericht op haar telefoon"),
    ("suicide", "warning_sign", "ze stuurde haar vriendin een appje met vaarwel"),
    ("suicide", "warning_sign", "hij geeft al zijn spullen weg aan zijn neven"),
    ("suicide", "warning_sign", "ze heeft al haar kleren en knuffels weggegeven"),
    ("suicide", "warning_sign", "hij neemt afscheid van iedereen alsof hij op reis gaat"),
    ("suicide", "warning_sign", "sinds haar poging slaapt ze slecht"),
    ("suicide", "suicide_method", "ze spaart haar slaappillen op in een doosje"),
    ("suicide", "suicide_method", "ik vond een voorraad pillen verstopt onder zijn matras"),
    ("suicide", "suicide_method", "hij heeft een hele strip paracetamol genomen"),
    ("suicide", "suicide_method", "hij zit in de auto en wil tegen een boom rijden"),
    ("suicide", "self_harm", "ze brandt zichzelf met sigaretten"),
    ("suicide", "self_harm", "ze drukt sigaretten uit op haar arm"),
    ("suicide", "self_harm", "op haar telefoon staan foto's van haar armen vol krassen"),
    ("suicide", "self_harm", "ze draagt altijd lange mouwen om de sneetjes te verbergen"),
    # harm at school and in transport
    ("harm", "restraint", "de assistent heeft mijn zoon vastgehouden en tegen de grond gedrukt"),
    ("harm", "restraint", "de juf heeft hem vastgepakt en op de vloer gedrukt"),
    ("harm", "restraint", "ze hebben hem op zijn stoel vastgebonden"),
    ("harm", "restraint", "hij werd met tape vastgetaped aan de stoel"),
    ("harm", "seclusion", "ze hebben hem in een lokaal opgesloten tot ik kwam"),
    ("harm", "seclusion", "mijn dochter werd in een kamertje ingesloten zonder toezicht"),
    ("harm", "rough_handling", "de meester heeft hem aan zijn arm meegesleurd naar de directeur"),
    ("harm", "rough_handling", "de begeleider heeft haar aan haar arm de bus in getrokken"),
    ("harm", "rough_handling", "de chauffeur knijpt hem in zijn nek"),
    ("harm", "rough_handling", "de taxichauffeur duwt hem hard in de auto"),
    ("harm", "injury", "sinds de taxi komt hij met schrammen thuis"),
    ("harm", "injury", "ze heeft na de taxi steeds wondjes op haar armen"),
    ("harm", "injury", "hij zegt dat hij gevallen is maar ik geloof het niet"),
    # sexual touching and grooming
    ("harm", "abuse", "haar trainer raakt haar aan op haar billen"),
    ("harm", "abuse", "mijn oom heeft mijn dochter betast"),
    ("harm", "grooming", "een volwassen man op instagram wil dat ze het contact geheim houdt"),
    ("harm", "grooming", "iemand van 30 vraagt mijn dochter om foto's in haar ondergoed"),
    ("harm", "grooming", "de buurman zei tegen mijn zoon dat het hun geheimpje is"),
    ("harm", "grooming", "ze zegt dat ze het aan niemand mag vertellen"),
    # threats and weapons
    ("harm", "threat", "mijn ex dreigt mij met een mes"),
    ("harm", "threat", "hij stond met een mes voor de deur"),
    ("harm", "threat", "mijn ex zei dat ik de kinderen nooit meer levend zie"),
    ("harm", "threat", "hij heeft gezegd dat hij ons allemaal dood maakt"),
    # neglect
    ("harm", "neglect", "bij zijn vader krijgt hij vaak geen eten"),
    ("harm", "neglect", "mijn ex laat de kinderen dagen alleen thuis"),
    ("harm", "neglect", "haar moeder neemt haar niet mee naar de huisarts terwijl ze ziek is"),
    # the exhausted parent
    ("distress", "distress", "ik kan echt niet meer"),
    ("distress", "distress", "ik kan het niet meer aan"),
    ("distress", "distress", "Ik kan het niet meer aan, ik ben zo moe van alle gesprekken"),
    ("distress", "distress", "ik trek het gewoon niet meer met hem"),
    ("distress", "distress", "ik ben op, helemaal op"),
    ("distress", "distress", "ik ben kapot, ik slaap al weken niet"),
    ("distress", "distress", "ik ga hier echt aan onderdoor"),
    ("distress", "distress", "ik weet het ook niet meer, sorry"),
    ("distress", "distress", "ik ben zo radeloos"),
    ("distress", "distress", "we zijn wanhopig"),
    ("distress", "distress", "ik zit elke avond te huilen"),
    ("distress", "distress", "ik weet niet meer wat ik moet doen met hem"),
    ("distress", "distress", "het is me allemaal te veel geworden"),
    ("distress", "distress", "ik heb geen energie meer"),
    ("distress", "distress", "ik zie door de bomen het bos niet meer en ben uitgeput"),
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
    assert len(TRIAGE) >= 40 and len(CHILD_DOER) >= 10


@pytest.mark.parametrize(("category", "group", "message"), TRIAGE, ids=[m for *_, m in TRIAGE])
def test_new_wordings_get_their_category(check, category, group, message):
    found = check.triage(message)
    assert found.category == category, found.rules
    assert group in found.rules


@pytest.mark.parametrize("message", EVERYDAY)
def test_everyday_speech_gets_no_category(check, message):
    assert check.triage(message).category is None


@pytest.mark.parametrize(("doer", "victim"), CHILD_DOER, ids=[d for d, _ in CHILD_DOER])
def test_a_child_who_hurts_others_is_quiet_but_a_hurt_child_is_harm(check, doer, victim):
    assert check.triage(doer).category is None, check.matches(doer)
    assert check.triage(victim).category == "harm", check.matches(victim)


def test_the_most_severe_category_wins(check):
    assert check.triage("ik kan niet meer, en hij zegt dat hij dood wil").category == "suicide"
    assert check.triage("ik ben kapot, mijn ex slaat me").category == "harm"
    assert check.triage("ik ben op. Hij heeft een afscheidsbrief geschreven").category == "suicide"
    assert check.triage("ik ben zo moe, de chauffeur knijpt hem in zijn arm").category == "harm"


def test_distress_is_not_a_crisis(check):
    found = check.triage("ik trek het niet meer, ik ben zo moe")
    assert found.category == "distress" and not found.crisis
    assert not check.is_crisis("we zijn radeloos")


def test_crying_emoji_are_left_to_the_model(check, full_check):
    # Rules match folded ASCII text, in which emoji are gone; the model sees them.
    assert check.triage("😭😭").category is None
    assert full_check.triage("😭😭").category == "distress"


def corpus_messages() -> set[str]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()[1:]
    return {fold_message(line.split("\t", 2)[2]) for line in lines if line.count("\t") >= 2}


def test_own_examples_are_not_copied_from_the_labelled_corpus():
    corpus = corpus_messages()
    own = [m for _, m in CRISIS] + EVERYDAY + [m for *_, m in TRIAGE]
    own += [m for pair in CHILD_DOER for m in pair]
    assert len(corpus) > 100
    assert [m for m in own if fold_message(m) in corpus] == []


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
    texts += [m for *_, m in TRIAGE] + [m for pair in CHILD_DOER for m in pair]
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
        "warning_sign",
        "abuse",
        "grooming",
        "hitting",
        "threat",
        "unsafe_home",
        "restraint",
        "seclusion",
        "rough_handling",
        "injury",
        "neglect",
        "distress",
    }
    assert {group.name: group.category for group in check.groups} == {
        **dict.fromkeys(
            ("suicide", "death_wish", "suicide_method", "self_harm", "warning_sign"), "suicide"
        ),
        **dict.fromkeys(
            ("abuse", "grooming", "hitting", "threat", "unsafe_home", "restraint"), "harm"
        ),
        **dict.fromkeys(("seclusion", "rough_handling", "injury", "neglect"), "harm"),
        "distress": "distress",
    }


# --- strict loading: every problem with file and line -----------------------------------------

GOOD = """\
define:
  want: '(?:wil|wilt)'
groups:
  - name: wish
    category: suicide
    patterns:
      - '\\b{want} (dood)\\b'
    unless:
      - '\\bdood graag\\b'
"""


def load_text(tmp_path: Path, text: str) -> CrisisCheck:
    path = tmp_path / "crisis.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return CrisisCheck.load(path, model_path=None)  # these tests are about the rule file


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_text(tmp_path, text)
    return [str(p) for p in sorted(caught.value.problems)]


def test_minimal_file_loads_and_unless_covers_the_key(tmp_path):
    check = load_text(tmp_path, GOOD)
    assert check.matches("Hij wil dood!") == ["wish"]
    assert check.matches("hij wil dood graag naar het vwo") == []
    assert check.triage("Hij wil dood!").category == "suicide"
    assert check.triage("hij wil dood graag naar het vwo").category is None


def test_yaml_syntax_error_has_file_and_line(tmp_path):
    found = problems(tmp_path, GOOD.replace("      - '\\bdood graag\\b'", "      - [unclosed"))
    assert len(found) == 1
    assert "crisis.yaml:10: YAML syntax" in found[0]


def test_unknown_keys_are_reported_with_lines(tmp_path):
    text = GOOD.replace("groups:", "version: 2\ngroups:").replace(
        "    unless:", "    severity: high\n    unless:"
    )
    found = problems(tmp_path, text)
    assert any(":3: unknown field 'version'" in p for p in found), found
    assert any(":9: unknown field 'severity'" in p for p in found), found


def test_invalid_regex_is_reported_with_its_line(tmp_path):
    found = problems(tmp_path, GOOD.replace("'\\bdood graag\\b'", "'\\bdood (graag'"))
    assert len(found) == 1 and "crisis.yaml:9: invalid regex" in found[0], found


def test_empty_lists_and_missing_fields(tmp_path):
    text = """\
    groups:
      - name: one
        category: suicide
        patterns: []
      - name: two
        category: harm
        patterns: ['\\bx\\b']
        unless: []
      - category: distress
        patterns: ['\\by\\b']
    """
    found = problems(tmp_path, text)
    assert any(":4: 'patterns' must be a non-empty list" in p for p in found), found
    assert any(":8: 'unless' must be a non-empty list" in p for p in found), found
    assert any(":9: group is missing 'name'" in p for p in found), found
    assert not any("category" in p for p in found), found


def test_category_is_required_and_checked(tmp_path):
    text = """\
    groups:
      - name: one
        patterns: ['\\bx\\b']
      - name: two
        category: danger
        patterns: ['\\by\\b']
      - name: three
        category: distress
        patterns: ['\\bz\\b']
    """
    found = problems(tmp_path, text)
    assert found == [
        f"{tmp_path / 'crisis.yaml'}:2: group is missing 'category' (suicide, harm, distress)",
        f"{tmp_path / 'crisis.yaml'}:5: category must be one of suicide, harm, distress, "
        "not 'danger'",
    ]


def test_empty_groups_and_empty_file(tmp_path):
    assert any(
        ":1: 'groups' must be a non-empty list" in p for p in problems(tmp_path, "groups: []\n")
    )
    assert any(":1: the file must be a mapping" in p for p in problems(tmp_path, ""))


def test_unknown_define_duplicates_and_dangerous_patterns(tmp_path):
    text = """\
    groups:
      - name: one
        category: suicide
        patterns:
          - '\\b{nope} dood\\b'
          - '(?:x)?'
          - '(a)(b)'
          - 'zelfmoord met één accent'
      - name: one
        name: again
        category: harm
        patterns: ['\\bx\\b']
    """
    found = problems(tmp_path, text)
    assert any(":5: unknown define(s) nope" in p for p in found), found
    assert any(":6: " in p and "matches empty text" in p for p in found), found
    assert any(":7: " in p and "2 capturing groups" in p for p in found), found
    assert any(":8: " in p and "non-ASCII" in p for p in found), found
    assert any(":10: duplicate field 'name'" in p for p in found), found


def test_duplicate_group_names(tmp_path):
    text = """\
    groups:
      - name: one
        category: harm
        patterns: ['\\bx\\b']
      - name: one
        category: harm
        patterns: ['\\by\\b']
    """
    found = problems(tmp_path, text)
    assert found == [f"{tmp_path / 'crisis.yaml'}:5: duplicate group name 'one' (first at line 2)"]


def test_unreadable_file_is_a_content_error(tmp_path):
    with pytest.raises(ContentError) as caught:
        CrisisCheck.load(tmp_path / "missing.yaml")
    assert "missing.yaml:1: cannot read file" in str(caught.value)
