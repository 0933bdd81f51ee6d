"""The fakes' `expect=` form and the `helpline` fixture of `bot.testing.plugin`, as a helpline's
own Python tests would use them (the stories themselves are in tests/transcripts/)."""

from __future__ import annotations

import pytest

from bot.testing.fakes import Helpline


async def test_expect_takes_a_fragment_or_a_list_and_ignores_case(helpline: Helpline):
    parent = helpline.parent()
    await parent.says("wat is een opp", expect="een opp")
    await parent.says(
        "wat is een tlv", expect=["HEEFT DIT GEHOLPEN?", "toelaatbaarheidsverklaring"]
    )
    await parent.presses("👍 Ja", expect="Fijn dat het heeft geholpen")


async def test_expect_fails_with_what_the_bot_said(helpline: Helpline):
    parent = helpline.parent()
    with pytest.raises(AssertionError) as failure:
        await parent.says("wat is een opp", expect=["Wat is een OPP?", "schoolreis"])
    message = str(failure.value)
    assert message.startswith("after says 'wat is een opp': no reply contains 'schoolreis'")
    assert "- Wat is een OPP?" in message and "[👍 Ja] [👎 Nee]" in message
    assert "'Wat is een OPP?'" not in message.splitlines()[0], "only what is missing"


async def test_expect_on_presses_sends_and_opens(helpline: Helpline):
    parent = helpline.parent()
    await parent.opens(expect="Welkom bij Ouderlijn")
    await parent.sends("sticker", expect="alleen tekst")
    with pytest.raises(AssertionError, match=r"after presses \[Vraag stellen\]"):
        await parent.presses("Vraag stellen", expect="Fijn dat")


async def test_a_volunteer_on_the_fixture_helpline(helpline: Helpline):
    sanne = await helpline.volunteer("Sanne", "buddy", ("autisme",))
    parent = helpline.parent()
    await parent.says("ik wil met iemand praten", expect="Met wie wilt u praten?")
    await parent.presses("Ervaren ouder")
    await parent.presses("Autisme", expect="U staat in de rij")
    await sanne.presses("Oppakken", expect="Je praat nu met Ouder #")
    await helpline.tick(minutes=5)
    await sanne.says("Dag, ik ben Sanne.")
    assert parent.last == "Sanne: Dag, ik ben Sanne."
