"""A parent, two volunteers, one story: request, notify, claim, relay, pass on, close, reopen."""

from __future__ import annotations

from bot.testing.fakes import Helpline


async def test_request_claim_relay_pass_close_feedback_reopen(line: Helpline):
    sanne = await line.volunteer("Sanne", "buddy", ("autisme",))
    kees = await line.volunteer("Kees", "advisor", ("thuiszitten",))
    parent = line.parent()
    await parent.says("wat is een opp")
    await parent.presses("Praat met een mens")
    assert "Met wie wilt u praten?" in parent.last
    await parent.presses("Ervaren ouder")
    await parent.presses("Autisme")
    assert "U staat in de rij. U bent nummer 1." in parent.last
    assert "113" in parent.last  # crisis numbers are always shown

    # Sanne (buddy, autisme) hears about it; Kees (advisor) does not.
    assert "Nieuwe vraag: Ouder #" in sanne.last and "autisme" in sanne.last.lower()
    assert "Nieuwe vraag" not in "\n".join(m.text for m in kees.received)
    await sanne.presses("Oppakken")
    assert "Sanne is er nu voor u" in parent.last
    assert "Vragen die de ouder las:\n• Wat is een OPP?" in sanne.last
    assert "Het gesprek tot nu toe:\nOuder #" in sanne.last and ": wat is een opp" in sanne.last
    assert "Je praat nu met Ouder #" in sanne.last

    await parent.says("Mijn zoon van 9 gaat al drie weken niet naar school.")
    assert sanne.last.endswith(": Mijn zoon van 9 gaat al drie weken niet naar school.")
    assert sanne.last.startswith("Ouder #")
    await sanne.says("Wat vervelend. Heeft de school al een plan gemaakt?")
    assert parent.last == "Sanne: Wat vervelend. Heeft de school al een plan gemaakt?"

    # Sanne passes it on to an advisor with a note.
    await sanne.passes_on("Een adviseur", "Vraag over leerplicht, graag een adviseur.")
    assert "staat weer in de rij" in sanne.last
    assert "geeft uw vraag aan een collega" in parent.last
    assert "Nieuwe vraag" in kees.last
    await kees.presses("Oppakken")
    assert "Kees is er nu voor u" in parent.last
    assert "Notitie van Sanne: Vraag over leerplicht" in kees.last
    assert "Mijn zoon van 9" in kees.last  # the story so far, not told twice
    await kees.says("Ik bel morgen met u de leerplichtambtenaar.")
    assert parent.last.startswith("Kees: ")

    await kees.says("/afsluiten")
    await kees.presses("Advies gegeven")
    await kees.presses("Ja, afsluiten")
    assert "is klaar. Je koos: Advies gegeven." in kees.last
    assert "Kees heeft het gesprek afgesloten" in parent.last
    await parent.presses("👍 Ja")
    assert "Dank u voor uw antwoord" in parent.last
    await parent.presses("Opnieuw praten")
    assert "Vorige keer sprak u met Kees" in parent.received[-2].text
    assert "U staat in de rij" in parent.last and "Liever iemand anders" in parent.labels
    assert "Deze ouder sprak eerder met jou" in kees.last


async def test_from_a_tree_leaf_the_volunteer_reads_the_route(line: Helpline):
    from tests.test_engine_tree_and_safety import PATHS, TREE

    kees = await line.volunteer("Kees", "advisor")
    parent = line.parent()
    await parent.says("/start")
    await parent.presses("School lukt niet")
    path = PATHS[0]
    for label in path:
        await parent.presses(label)
    await parent.presses("Praat met een mens")
    await parent.presses("Adviseur")
    await parent.presses("Thuiszitten")
    await kees.presses("Oppakken")
    assert "Route in “School lukt niet, wat nu?”:" in kees.last
    assert f"{TREE.node(TREE.start).text} → {path[0]}" in kees.last
    assert "onderwerp: Thuiszitten" in kees.last


async def test_the_privacy_check_catches_a_leak(line: Helpline):
    import pytest

    from bot.core.messages import Outbound

    sanne = await line.volunteer("Sanne")
    parent = line.parent("Johan Visser")
    assert parent.account is not None
    for secret in parent.account.secrets:
        with pytest.raises(AssertionError, match="leaked"):
            line.channel.check_private(Outbound(sanne.name, f"Ouder {secret} wacht"))
    line.channel.check_private(Outbound(sanne.name, "Ouder #K7 wacht"))


async def test_what_the_parent_wrote_before_asking_reaches_the_volunteer(line: Helpline):
    kees = await line.volunteer("Kees", "advisor")
    parent = line.parent()
    await parent.says("Mijn zoon van 12 zit al zes weken thuis en school belt niet meer terug.")
    await parent.says("wat kan de leerplichtambtenaar doen")
    await parent.says("/menu")
    await parent.presses("Praat met een mens")
    await parent.presses("Adviseur")
    await parent.presses("Thuiszitten")
    await kees.presses("Oppakken")
    assert "zit al zes weken thuis en school belt niet meer terug." in kees.last
    assert "wat kan de leerplichtambtenaar doen" in kees.last
    history = kees.last.split("Het gesprek tot nu toe:")[1]
    assert "/menu" not in history and "Praat met een mens" not in history
    assert "Kees leest wat u al schreef" in parent.last


async def test_a_request_with_a_story_reaches_the_volunteer(line: Helpline):
    sanne = await line.volunteer("Sanne", "buddy", ("autisme",))
    parent = line.parent()
    await parent.says("Ik wil graag met iemand praten, mijn zoon van 12 wil niet meer naar school")
    await parent.presses("Ervaren ouder")
    await parent.presses("Autisme")
    await sanne.presses("Oppakken")
    assert "mijn zoon van 12 wil niet meer naar school" in sanne.last


async def test_a_bare_request_is_not_repeated_to_the_volunteer(line: Helpline):
    sanne = await line.volunteer("Sanne", "buddy", ("autisme",))
    parent = line.parent()
    await parent.says("ik wil iemand spreken")
    await parent.presses("Ervaren ouder")
    await parent.presses("Autisme")
    await sanne.presses("Oppakken")
    assert "ik wil iemand spreken" not in sanne.last
