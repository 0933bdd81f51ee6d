"""The PII scrubber: corpus recall, normal questions untouched, each rule, the CLI."""

from __future__ import annotations

import ast
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

from bot.privacy import Finding, Scrubber, default_scrubber
from bot.privacy.evaluate import measure_recall, normal_sources, parse_line, read_corpus
from bot.privacy.numbers import elfproef

ROOT = Path(__file__).resolve().parents[1]
STRICT_KINDS = ("NAAM", "TELEFOON", "EMAIL", "BSN", "POSTCODE")


@pytest.fixture(scope="module")
def scrubber() -> Scrubber:
    return default_scrubber()


@pytest.fixture(scope="module")
def recall(scrubber):
    return measure_recall(scrubber, read_corpus())


def test_corpus_covers_every_kind_often_enough():
    counts: dict[str, int] = {}
    lower = 0
    lines = read_corpus()
    for line in lines:
        for span in line.spans:
            counts[span.kind] = counts.get(span.kind, 0) + 1
            lower += span.kind == "NAAM" and line.text[span.start : span.end].islower()
    assert len(lines) >= 250
    minimum = {"NAAM": 120, "TELEFOON": 60, "EMAIL": 30, "BSN": 25, "POSTCODE": 30}
    minimum |= {"ADRES": 25, "GEBOORTEDATUM": 20, "LEEFTIJD": 15, "SCHOOL": 20, "URL": 20}
    assert {k: counts.get(k, 0) for k in minimum} == {
        k: max(counts.get(k, 0), n) for k, n in minimum.items()
    }
    assert lower >= 40


@pytest.mark.parametrize("kind", STRICT_KINDS)
def test_recall_of_the_main_kinds_is_at_least_95_percent(recall, kind):
    misses = [m for m in recall.misses if m[0].rstrip("~") == kind]
    assert recall.rate(kind) >= 0.95, misses


@pytest.mark.parametrize("kind", ["ADRES", "GEBOORTEDATUM", "LEEFTIJD", "SCHOOL", "URL"])
def test_recall_of_the_other_kinds_stays_high(recall, kind):
    print(f"{kind}: {recall.found[kind]} / {recall.total[kind]}")
    assert recall.rate(kind) >= 0.85


def test_few_unlabelled_findings_in_the_corpus(recall):
    assert len(recall.extra) <= 5, recall.extra


@pytest.mark.parametrize("source", sorted(normal_sources()))
def test_at_most_two_percent_of_normal_questions_change(scrubber, source):
    questions = normal_sources()[source]
    changed = [(q, s) for q in questions if (s := scrubber.scrub(q)) != q]
    assert len(changed) <= 0.02 * len(questions), changed


def test_label_parsing():
    line = parse_line("mijn zoon {NAAM:daan} belt {TELEFOON:06-12345678}")
    assert line.text == "mijn zoon daan belt 06-12345678"
    assert [line.text[s.start : s.end] for s in line.spans] == ["daan", "06-12345678"]


@pytest.mark.parametrize("digits", ["111222333", "123456782", "007345628", "07345628"])
def test_elfproef_accepts_valid_numbers(digits):
    assert elfproef(digits)


@pytest.mark.parametrize("digits", ["123456789", "111222334", "000000000", "12345", "abcdefghi"])
def test_elfproef_rejects_invalid_numbers(digits):
    assert not elfproef(digits)


@pytest.mark.parametrize(
    "text",
    ["bsn 123456782", "BSN: 1234.56.782", "nummer 123 456 782", "bsn 07345628", "111222333"],
)
def test_bsn_in_every_notation(scrubber, text):
    assert "[BSN]" in scrubber.scrub(text)


def test_nine_digits_failing_the_elfproef_are_no_bsn(scrubber):
    assert scrubber.scrub("ordernummer 123456789") == "ordernummer 123456789"


PHONES = [
    "0612345678", "06-12345678", "06 1234 5678", "06-123 456 78", "(020) 123 4567",
    "020-1234567", "0201234567", "+31 6 12345678", "+31(0)6-12345678", "0031612345678",
    "0800-1234", "0900-1234567", "088-1234567", "06.12.34.56.78", "+31 20 123 4567",
]  # fmt: skip


@pytest.mark.parametrize("number", PHONES)
def test_every_dutch_phone_format(scrubber, number):
    assert scrubber.scrub(f"bel me op {number} aub") == "bel me op [TELEFOON] aub"


@pytest.mark.parametrize(
    "text",
    [
        "ik heb 113 gebeld",
        "bel 112 bij nood",
        "de 0800-0113 is gratis",
        "mijn zoon zit in groep 8",
        "hij heeft een OPP en een TLV",
        "we zijn bij Balans geweest",
        "op 12 maart heb ik een gesprek",
        "mijn zoon van 8 wil niet naar school",
        "de juf heeft een roos getekend en ik hoop dat het goed gaat",
        "ik wil dat hij om 16 uur thuis is, ben je dan bereikbaar?",
        "de ouderbijdrage is € 50 en het duurt 2 weken",
        "in 2019 is hij gestart in klas 3",
        "Roos heeft autisme",  # a sentence-start word that is also a flower: left alone
        "Veilig Thuis en de GGD, leerplicht en het SWV",
        "de kindertelefoon 0800-0432 en de politie 0900-8844",
        "code 1234 SS en 1234 SA en 1234 SD",
        "roos, bas en mark zijn ook gewone woorden",
        "ik fiets over de Dorpsstraat 3 keer per week, 20 minuten",
    ],
)
def test_negatives_stay_unchanged(scrubber, text):
    assert scrubber.scrub(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mijn zoon daan is boos", "mijn zoon [NAAM] is boos"),
        ("vandaag heeft daan een toets", "vandaag heeft [NAAM] een toets"),
        ("groetjes sanne de vries", "groetjes [NAAM]"),
        ("ik ben marieke", "ik ben [NAAM]"),
        ("mijn dochter roos wil niet", "mijn dochter [NAAM] wil niet"),
        ("mijn man mark vindt het niks", "mijn man [NAAM] vindt het niks"),
        ("juf anneke zegt van niet", "juf [NAAM] zegt van niet"),
        ("Tim's juf is ziek", "[NAAM]'s juf is ziek"),
        ("Bas zijn juf is ziek", "[NAAM] zijn juf is ziek"),
        ("mevrouw de Boer belt", "mevrouw [NAAM] belt"),
        ("dhr. Van den Berg belt", "dhr. [NAAM] belt"),
    ],
)
def test_names_also_in_lower_case(scrubber, text, expected):
    assert scrubber.scrub(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Daan (8) is druk", "[NAAM] ([LEEFTIJD]) is druk"),
        ("Daan van 8 jaar is druk", "[NAAM] van [LEEFTIJD] is druk"),
        ("adres Kerkstraat 12a, 1234 AB Utrecht", "adres [ADRES], [POSTCODE] Utrecht"),
        ("we wonen op Burgemeester de Vlugtlaan 125", "we wonen op [ADRES]"),
        ("postcode 1234ab", "postcode [POSTCODE]"),
        ("geboren op 3 mei 2015", "geboren op [GEBOORTEDATUM]"),
        ("geb. 03-05-2015", "geb. [GEBOORTEDATUM]"),
        ("geb datum: 09-09-2014", "geb datum: [GEBOORTEDATUM]"),
        ("geboortedatum 3/5/2015", "geboortedatum [GEBOORTEDATUM]"),
        ("hij zit op basisschool De Regenboog", "hij zit op [SCHOOL]"),
        ("zij zit op het Vossius Gymnasium", "zij zit op het [SCHOOL]"),
        ("zit op CBS de Wegwijzer", "zit op [SCHOOL]"),
        ("zie ouders.nl/pad of www.school.nl", "zie [URL] of [URL]"),
        ("mail naar sanne.devries@gmail.com.", "mail naar [EMAIL]."),
    ],
)
def test_the_other_kinds(scrubber, text, expected):
    assert scrubber.scrub(text) == expected


def test_helplines_stay_without_the_helpline_texts(scrubber):
    bare = Scrubber(scrubber.lexicon)  # only the built-in list, no FAQ or locale numbers
    assert bare.scrub("bel 113, 112 of 0800-0113") == "bel 113, 112 of 0800-0113"
    assert bare.scrub("of 0800-0432, niet 0800-1234") == "of 0800-0432, niet [TELEFOON]"


def test_findings_are_frozen_and_in_text_order(scrubber):
    found = scrubber.findings("mijn zoon daan, bel 06-12345678")
    assert [f.kind for f in found] == ["NAAM", "TELEFOON"]
    with pytest.raises(AttributeError):
        found[0].start = 3
    assert Finding("NAAM", 0, 4).placeholder == "[NAAM]"


def test_default_scrubber_is_one_cached_instance():
    assert default_scrubber() is default_scrubber()


def test_privacy_modules_are_small_and_import_no_channel_library():
    for path in [*sorted((ROOT / "bot" / "privacy").glob("*.py")), ROOT / "bot/cli/privacy.py"]:
        source = path.read_text(encoding="utf-8")
        assert len(source.splitlines()) <= 350, path
        tree = ast.parse(source)
        imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
                    for a in n.names}  # fmt: skip
        imported |= {n.module.split(".")[0] for n in ast.walk(tree)
                     if isinstance(n, ast.ImportFrom) and n.module}  # fmt: skip
        assert not imported & {"telegram", "aiohttp", "deduce"}, path


def _cli_command() -> list[str]:
    """`python -m bot.cli privacy scrub` once registered, else the module's run() directly."""
    from bot.cli import build_parser

    try:
        build_parser().parse_args(["privacy", "scrub"])
    except SystemExit:
        code = (
            "import argparse, sys; from bot.cli import privacy; "
            "sys.exit(privacy.run(argparse.Namespace(privacy_command='scrub')))"
        )
        return [sys.executable, "-c", code]
    return [sys.executable, "-m", "bot.cli", "privacy", "scrub"]


def test_cli_scrubs_line_by_line_and_flushes_each_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # prove the flush
    env["PYTHONPATH"] = str(ROOT)
    with subprocess.Popen(
        _cli_command(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env,
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write("mijn zoon daan belt 06-12345678\n")
        process.stdin.flush()
        ready = select.select([process.stdout], [], [], 60)[0]
        if not ready:
            process.kill()
        assert ready, "no line came back before end of input: not flushed per line"
        assert process.stdout.readline() == "mijn zoon [NAAM] belt [TELEFOON]\n"  # before EOF
        process.stdin.write("\nop 12 maart om 16 uur\n")
        process.stdin.close()
        assert process.stdout.read() == "\nop 12 maart om 16 uur\n"
        assert process.wait(timeout=30) == 0


@pytest.mark.parametrize(
    ("line", "scrubbed"),
    [
        ("ik ben de moeder van sophie de jong", "ik ben de moeder van [NAAM]"),
        ("groetjes, ingrid bakker", "groetjes, [NAAM]"),
        ("hoe kom ik in de mr van de school van mijn dochter", None),
        ("juf van de klas zegt dat het niet kan", None),
    ],
)
def test_lower_case_surnames_after_a_lower_case_first_name(line, scrubbed):
    assert default_scrubber().scrub(line) == (scrubbed or line)
