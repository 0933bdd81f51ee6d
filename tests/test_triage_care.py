"""The right help for the kind of danger, everywhere it is shown, and no urgent case that ends
unseen. Transcripts found in a review as a parent, a volunteer and a coordinator."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.engine import Engine
from bot.testing.fakes import FakeChannel, FakeClock, FakeParent, Helpline, build_engine
from tests.raw_sql import sql_of
from tests.test_handoff_queue import ask_person
from tests.test_urgent_routing import urgent_request

HARM = "de meester heeft mijn dochter op een rare manier aangeraakt in de gymzaal"
SUICIDE = "hij zei vanochtend dat hij liever dood is dan nog naar school te gaan"


def everything(person: FakeParent) -> str:
    return "\n".join(m.text for m in person.received)


async def test_a_father_who_introduces_himself_is_not_a_crisis(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("goedemiddag, ik ben de vader van een jongen met adhd in groep 7")
    assert "Veilig Thuis" not in everything(parent) and "113" not in everything(parent)


async def test_a_parent_who_hits_their_child_gets_veilig_thuis_not_113(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("ik sla mijn kind soms als ik het niet meer weet")
    assert "Veilig Thuis: 0800-2000" in parent.last and "zelfdoding" not in parent.last


async def test_a_harm_question_gets_the_help_and_then_the_answer(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("mijn kind wordt geslagen op het schoolplein, wat moet school doen")
    text = everything(parent)
    assert "Veilig Thuis" in text
    assert "Pesten en veiligheid op school" in text + " ".join(parent.labels), "then the answer"


async def test_harm_at_night_gets_veilig_thuis_while_waiting(knowledge, content, store):
    tree, safety, texts = content
    night = FakeClock(datetime(2026, 11, 27, 22, 0, tzinfo=UTC))
    engine = build_engine(knowledge, tree, safety, texts, store, clock=night)
    line = Helpline(engine, FakeChannel(engine), night)
    parent = line.parent()
    await urgent_request(parent, HARM)
    assert "Wacht daar niet op" in parent.last and "0800-2000" in parent.last
    assert "zelfdoding" not in parent.last


async def test_an_urgent_parent_who_types_stop_is_asked_first(line: Helpline):
    await line.volunteer("Kees", "advisor", max_active=1)
    await ask_person(line.parent())  # Kees is busy with another parent
    busy = await line.engine.store.read(
        lambda tx: sql_of(tx).execute("SELECT id FROM handoffs").fetchone()
    )
    assert busy is not None
    parent = line.parent()
    await urgent_request(parent, SUICIDE)
    await parent.says("stop")
    assert "Wilt u echt uit de rij?" in parent.last
    await parent.presses("Ik wacht")
    assert "U staat in de rij" in parent.last


async def test_an_advisor_who_passes_an_urgent_case_to_a_buddy_opens_it_at_once(line: Helpline):
    anna = await line.volunteer("Anna", "advisor")
    sanne = await line.volunteer("Sanne", "buddy")
    parent = line.parent()
    await urgent_request(parent, SUICIDE)
    await anna.presses("Oppakken")
    await anna.passes_on("Een ervaren ouder", "Ze kent de school, graag even bellen.")
    assert "een ervaren ouder" in anna.last
    await sanne.presses("Oppakken")
    assert "Je praat nu met" in sanne.last


async def test_an_urgent_case_never_ends_unseen(line: Helpline):
    kees = await line.volunteer("Kees", "advisor")
    cor = await line.volunteer("Cor", "coordinator")
    parent = line.parent()
    await urgent_request(parent, HARM)
    await kees.presses("Oppakken")
    await kees.says("/afsluiten")
    await kees.presses("Geen reactie")
    await kees.presses("Ja, afsluiten")
    assert "0800-2000" in parent.last  # the numbers stay with the parent
    assert "Kees sloot het gesprek" in cor.last and "kind in gevaar" in cor.last


async def test_the_full_crisis_help_comes_once_per_conversation(line: Helpline):
    sanne = await line.volunteer("Sanne", "advisor")
    parent = line.parent()
    await ask_person(parent)
    await sanne.presses("Oppakken")
    await parent.says(SUICIDE)
    assert "113" in everything(parent)
    seen = len(parent.received)
    await parent.says("ja hij zei echt dat hij liever dood is")
    assert len(parent.received) == seen  # the person leads now; the message is relayed
    assert "liever dood is" in sanne.last


async def test_short_everyday_messages_while_waiting_stay_ordinary(line: Helpline):
    await line.volunteer("Kees", "advisor", max_active=1)
    await ask_person(line.parent())
    parent = line.parent()
    await ask_person(parent)
    for text in ("nog een bericht", "hier nog een berichtje", "ik ben de vader"):
        await parent.says(text)
        assert "113" not in parent.last and "Veilig Thuis" not in parent.last, text
    handoff = await line.engine.store.read(
        lambda tx: sql_of(tx).execute("SELECT max(severity) FROM handoffs").fetchone()[0]
    )
    assert handoff == 0


async def test_a_parent_who_gives_a_tik_or_fears_hitting_gets_veilig_thuis(engine: Engine):
    for text in (
        "ik geef mijn kind weleens een tik",
        "ik ben bang dat ik mijn geduld verlies en hem sla",
    ):
        parent = FakeParent(engine, name=f"ouder-{len(text)}")
        await parent.says(text)
        assert "Veilig Thuis" in parent.last, text


async def test_a_parent_who_stops_an_urgent_talk_keeps_the_numbers(line: Helpline):
    kees = await line.volunteer("Kees", "advisor")
    parent = line.parent()
    await urgent_request(parent, SUICIDE)
    await kees.presses("Oppakken")
    await parent.says("stop")
    await parent.presses("Ja, stoppen")
    assert "113" in parent.last and "Heeft het gesprek u geholpen?" in parent.last


async def test_a_pass_on_interrupted_by_another_command_is_said(line: Helpline):
    sanne = await line.volunteer("Sanne")
    await line.volunteer("Kees", "advisor")
    await ask_person(line.parent())
    await sanne.presses("Oppakken")
    await sanne.passes_on("Een adviseur")
    await sanne.says("/wachtrij")
    assert any("Het doorgeven is gestopt" in m.text for m in sanne.received[-2:])


async def test_an_urgent_request_passed_on_is_not_announced_again_by_the_watch(line: Helpline):
    anna = await line.volunteer("Anna", "advisor")
    bea = await line.volunteer("Bea", "buddy")
    cor = await line.volunteer("Cor", "coordinator")
    await urgent_request(line.parent(), HARM)
    await anna.presses("Oppakken")
    await anna.passes_on("Bea", "Graag overnemen, ze kent de school.")
    await line.tick(seconds=30)
    await line.tick(seconds=30)
    assert sum("Meteen oppakken" in m.text for m in anna.received) == 1  # only the first
    assert sum("Meteen oppakken" in m.text for m in cor.received) == 1
    assert sum("Meteen oppakken" in m.text for m in bea.received) == 1  # the pass-on
