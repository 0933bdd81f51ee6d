"""The transcript kit itself: parsing, readable failures with file and line, and a helpline's
own project that only writes `pytest_plugins = ["bot.testing.plugin"]` in its conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.testing.runner import contains
from bot.testing.transcript import TranscriptSyntaxError, parse

# The plugin is loaded out here too, so pytester's inner runs share its loaded content.
pytest_plugins = ["pytester"]

HERE = Path("verhaal.transcript")


@pytest.fixture(autouse=True)
def _quiet_asyncio(request: pytest.FixtureRequest) -> None:
    """Inner runs: pytest-asyncio's loop scope set, as a helpline's pytest settings would."""
    if "pytester" in request.fixturenames:
        request.getfixturevalue("pytester").makeini(
            "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
            # in-process runs: the plugin module is already imported by the outer run
            "filterwarnings = ignore::pytest.PytestAssertRewriteWarning\n"
        )


def in_order(output: str, *fragments: str) -> None:
    """Every fragment is in the output, each after the one before (plain text, no patterns)."""
    at = 0
    for fragment in fragments:
        found = output.find(fragment, at)
        assert found >= 0, f"{fragment!r} not found after position {at} in:\n{output}"
        at = found + len(fragment)


def test_a_file_without_scenarios_is_one_test_and_the_preamble_starts_every_scenario():
    [whole] = parse("parent: hallo\nbot: Welkom\n", HERE)
    assert whole.name == "verhaal" and [s.kind for s in whole.steps] == ["say", "see"]
    first, second = parse(
        "volunteer Sanne (buddy, autisme): /aanmelden\n## een\nparent: a\n## twee\nparent: b\n",
        HERE,
    )
    assert [s.kind for s in first.steps] == ["join", "say"] == [s.kind for s in second.steps]
    assert first.steps[0].role == "buddy" and first.steps[0].topics == ("autisme",)


def test_every_kind_of_line_parses():
    text = """# commentaar
parent: [👍 Ja]
parent: [👍 Ja] (old)
parent: (photo)
parent: (open)
parent anna: hallo
parent anna <- Welkom
bot: Heeft dit geholpen? [👍 Ja] [👎 Nee]
bot!: dat weet ik niet
volunteer sanne: [Oppakken]
volunteer sanne <- Nieuwe vraag
volunteer kees !<- Nieuwe vraag
clock: +1h30m
"""
    steps = parse(text, HERE)[0].steps
    assert [(s.kind, s.who, s.name) for s in steps] == [
        ("press", "parent", "ouder"),
        ("press", "parent", "ouder"),
        ("media", "parent", "ouder"),
        ("open", "parent", "ouder"),
        ("say", "parent", "anna"),
        ("see", "parent", "anna"),
        ("see", "bot", ""),
        ("miss", "bot", ""),
        ("press", "volunteer", "sanne"),
        ("see", "volunteer", "sanne"),
        ("miss", "volunteer", "kees"),
        ("clock", "clock", ""),
    ]
    assert steps[1].old and not steps[0].old
    assert steps[6].text == "Heeft dit geholpen?" and steps[6].buttons == ("👍 Ja", "👎 Nee")
    assert steps[-1].delta.total_seconds() == 90 * 60


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("parent: hallo\nouder: fout\n", ":2: unknown line 'ouder'"),
        ("parent: (selfie)\n", ":1: unknown (selfie)"),
        ("clock: morgen\n", ":1: clock: write +15m"),
        ("volunteer sanne (buddy): hallo\n", ":1: a declaration only takes /aanmelden"),
        ("parent: hallo\nbot:\n", ":2: a check needs a text"),
        ("## leeg\n", ":1: 'leeg' has no steps"),
    ],
)
def test_a_bad_line_names_file_and_line(text, problem):
    with pytest.raises(TranscriptSyntaxError) as error:
        parse(text, HERE)
    assert str(error.value).startswith("verhaal.transcript" + problem)


def test_an_ellipsis_stands_for_anything():
    message = "Nieuwe vraag: Ouder #K7 · wil praten met: adviseur"
    assert contains(message, "ouder #… · wil praten met: ADVISEUR")
    assert contains(message, "Nieuwe vraag...adviseur")
    assert not contains(message, "adviseur … Nieuwe vraag")


WRONG = """# een verkeerde verwachting
parent: wat is een opp
bot: Een OPP is een soort ijsje
"""


def test_failures_name_file_and_line_and_show_the_conversation(pytester: pytest.Pytester):
    """One inner run (they are slow): a wrong `bot:` line, a missing button, an undeclared
    volunteer, a `bot!:` that is said, a file that does not parse, and a good file."""
    pytester.makefile(".transcript", opp=WRONG)
    pytester.makefile(
        ".transcript",
        knoppen="## knop\nparent: /start\nparent: [Bestaat niet]\n"
        "## vrijwilliger\nparent: /start\nvolunteer eva: /volgende\n"
        "## verboden\nparent: wat is een opp\nbot!: WAT IS EEN OPP\n",
    )
    pytester.makefile(".transcript", kapot="parent: hallo\nouder: dag\n", heel="parent: hallo\n")
    result = pytester.runpytest("-p", "bot.testing.plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=5)
    output = result.stdout.str()
    assert "Traceback" not in output and "runner.py" not in output
    in_order(output, "kapot.transcript:2: unknown line 'ouder'")
    in_order(
        output,
        "knoppen.transcript:3: no button [Bestaat niet] on the latest keyboard: "
        "[Vraag stellen] [School lukt niet — wat nu?] [Praat met een mens]\n",
        "knoppen.transcript:6: volunteer 'eva' is not declared; first write: "
        "volunteer eva (buddy): /aanmelden\n",
        "knoppen.transcript:9: a message does contain 'WAT IS EEN OPP'\n",
    )
    in_order(
        output,
        "opp.transcript:3: no message contains 'Een OPP is een soort ijsje'\n",
        "    bot: Een OPP is een soort ijsje\n",
        "parent received since the last step:",
        "- Wat is een OPP?",  # what the bot did say
        "[👍 Ja] [👎 Nee]",
        "Conversation so far (opp):\n   2 parent: wat is een opp",
    )


HELPLINE_TEST = """
import pytest


@pytest.mark.asyncio
async def test_our_own_question(helpline):
    parent = helpline.parent()
    await parent.says("wat is een opp", expect=["Wat is een OPP?", "Heeft dit geholpen?"])
    await parent.presses("👍 Ja", expect="Fijn dat het heeft geholpen")


@pytest.mark.asyncio
async def test_a_wrong_expectation(helpline):
    await helpline.parent().says("wat is een opp", expect="over de schoolreis")
"""


def test_a_helpline_project_needs_only_its_conftest_line(pytester: pytest.Pytester):
    """What a helpline that installs ouderlijn writes: conftest, a test, a transcript."""
    pytester.makeconftest('pytest_plugins = ["bot.testing.plugin"]\n')
    pytester.makepyfile(test_ours=HELPLINE_TEST)
    pytester.makefile(".transcript", opp="parent: wat is een opp\nbot: Wat is een OPP?\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    in_order(
        result.stdout.str(),
        "after says 'wat is een opp': no reply contains 'over de schoolreis'; the bot said:",
        "- Welkom bij Ouderlijn",
        "[👍 Ja] [👎 Nee]",
    )


def test_a_helpline_points_the_kit_at_its_own_settings(pytester: pytest.Pytester):
    """`ouderlijn_config` in pytest's settings: the helpline's own ouderlijn.toml is used."""
    pytester.makefile(".toml", ouderlijn="[helpline]\nretention_days = 14\n")
    pytester.makeini(
        "[pytest]\nouderlijn_config = ouderlijn.toml\n"
        "asyncio_default_fixture_loop_scope = function\n"
        "filterwarnings = ignore::pytest.PytestAssertRewriteWarning\n"
    )
    pytester.makefile(".transcript", privacy="parent: /privacy\nbot: 14 dagen\nbot!: 30 dagen\n")
    result = pytester.runpytest("-p", "bot.testing.plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
