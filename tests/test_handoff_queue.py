"""The queue as volunteers and parents live it: claims, urgency, routing, capacity, escalation."""

from __future__ import annotations

import asyncio
import functools
from datetime import UTC, datetime

from bot.core.messages import Inbound
from bot.storage import Tx
from bot.testing.fakes import FakeParent, Helpline
from handoff.model import Handoff


async def ask_person(parent: FakeParent, role: str = "Maakt niet uit", topic: str = "Iets anders"):
    """Ask for a person and answer the two questions (asked only when someone is there)."""
    await parent.says("ik wil graag iemand spreken")
    if "Met wie wilt u praten?" in parent.last:
        await parent.presses(role)
        await parent.presses(topic)


async def test_typed_request_starts_the_person_questions(line: Helpline):
    await line.volunteer("Sanne")
    parent = line.parent()
    await parent.says("Kan ik een mens spreken?")
    assert "Met wie wilt u praten?" in parent.last
    assert parent.labels == ["Adviseur", "Ervaren ouder", "Maakt niet uit"]


async def test_two_volunteers_press_oppakken_at_once_exactly_one_wins(line: Helpline):
    sanne = await line.volunteer("Sanne")
    kees = await line.volunteer("Kees")
    parent = line.parent()
    await ask_person(parent)
    button = sanne.button("Oppakken")
    assert kees.button("Oppakken") == button
    replies = await asyncio.gather(sanne.presses("Oppakken"), kees.presses("Oppakken"))
    texts = [r[0].text for r in replies]
    assert sum("Je praat nu met" in t for t in texts) == 1
    assert sum("Een collega was je net voor" in t for t in texts) == 1
    assert parent.last.endswith("U kunt gewoon typen.")


async def test_many_concurrent_claims_each_handoff_once_within_capacity(line: Helpline):
    volunteers = [await line.volunteer(f"V{i}", "advisor", max_active=3) for i in range(8)]
    parents = [line.parent() for i in range(20)]
    for parent in parents:
        await ask_person(parent)
    ids = [h.id for h in await line.engine.store.read(lambda tx: tx.queue.queued())]
    assert len(ids) == 20

    async def press(volunteer: FakeParent, handoff_id: int) -> str:
        inbound = Inbound(volunteer.name, "fake", datetime.now(UTC), choice=f"v:claim:{handoff_id}")
        return (await line.engine.handle(inbound))[0].text

    results = await asyncio.gather(*(press(v, i) for v in volunteers for i in ids))
    assert sum("Je praat nu met" in r for r in results) == 20
    claimed = [await line.engine.store.read(functools.partial(get_handoff, i)) for i in ids]
    assert all(h is not None and h.status == "active" for h in claimed)
    per_volunteer: dict[int, int] = {}
    for h in claimed:
        assert h is not None and h.volunteer_id is not None
        per_volunteer[h.volunteer_id] = per_volunteer.get(h.volunteer_id, 0) + 1
    assert max(per_volunteer.values()) <= 3  # nobody above their maximum


async def test_urgent_first_then_oldest(line: Helpline):
    kees = await line.volunteer("Kees", "advisor")
    first, second, crisis = line.parent(), line.parent(), line.parent()
    await ask_person(first)
    await ask_person(second)
    await crisis.says("mijn dochter wil niet meer leven")
    await crisis.presses("Praat met een mens")
    assert "U staat in de rij" in crisis.last  # no questions in a crisis
    assert "⚠️ Dringend" in kees.last
    await kees.says("/volgende")
    assert "Deze ouder schreef iets dat kan wijzen op een crisis" in kees.last
    assert "er nu voor u" in crisis.last
    await kees.says("/volgende")
    assert "er nu voor u" in first.last and "er nu voor u" not in second.last


async def test_topic_routing_prefers_matching_role_and_topic(line: Helpline):
    sanne = await line.volunteer("Sanne", "buddy", ("autisme",))
    anne = await line.volunteer("Anne", "buddy", ("dyslexie",))
    kees = await line.volunteer("Kees", "advisor", ("dyslexie",))
    parent = line.parent()
    await ask_person(parent, "Ervaren ouder", "Dyslexie")
    assert "Nieuwe vraag" in anne.last
    assert not any("Nieuwe vraag" in m.text for m in sanne.received + kees.received)
    other = line.parent()
    await ask_person(other, "Ervaren ouder", "ADHD")  # no topic match: every buddy hears it
    assert "onderwerp: ADHD" in sanne.last and "onderwerp: ADHD" in anne.last
    assert not any("ADHD" in m.text for m in kees.received)


async def test_capacity_limit_stops_claims_and_notifications(line: Helpline):
    sanne = await line.volunteer("Sanne", max_active=1)
    one, two = line.parent(), line.parent()
    await ask_person(one)
    await sanne.presses("Oppakken")
    before = len(sanne.received)
    await ask_person(two)
    assert len(sanne.received) == before  # full: no notification
    await sanne.says("/volgende")
    assert "Je hebt je maximum van 1 gesprekken bereikt" in sanne.last
    assert "ongeveer 20 minuten" in two.received[-1].text  # one typical conversation


async def test_release_puts_parent_back_in_front_and_keeps_the_story(line: Helpline):
    sanne = await line.volunteer("Sanne")
    kees = await line.volunteer("Kees")
    parent, later = line.parent(), line.parent()
    await ask_person(parent)
    await sanne.presses("Oppakken")
    await parent.says("Het gaat om mijn dochter van 12.")
    await ask_person(later)
    await sanne.says("/terugzetten")
    await sanne.presses("Ja, terugzetten")
    assert "staat weer vooraan in de rij" in sanne.last
    assert "moet het gesprek helaas aan iemand anders geven" in parent.last
    await kees.says("/volgende")
    assert "Het gaat om mijn dochter van 12." in kees.last  # front of the queue, story kept
    assert "Kees is er nu voor u" in parent.last


async def test_unclaimed_handoff_is_escalated_once_to_everyone_and_coordinators(line: Helpline):
    sanne = await line.volunteer("Sanne", "buddy", ("autisme",))
    kees = await line.volunteer("Kees", "advisor")
    cor = await line.volunteer("Cor", "coordinator")
    parent = line.parent()
    await ask_person(parent, "Ervaren ouder", "Autisme")
    assert not any("Nieuwe vraag" in m.text for m in kees.received)
    await line.tick(minutes=5)
    assert not any("Nog niemand" in m.text for m in kees.received)
    await line.tick(minutes=6)
    assert "Nog niemand heeft deze vraag opgepakt" in kees.last
    assert "Nog niemand heeft deze vraag opgepakt" in sanne.last
    assert "wacht al 11 minuten" in cor.last
    assert any(label.startswith("Oppakken") for label in cor.labels)
    count = len(kees.received)
    await line.tick(minutes=10)
    assert len(kees.received) == count  # once


async def test_waiting_parent_hears_when_they_are_next(line: Helpline):
    sanne = await line.volunteer("Sanne", max_active=1)
    one, two, three = line.parent(), line.parent(), line.parent()
    for parent in (one, two, three):
        await ask_person(parent)
    await sanne.says("/volgende")
    assert "U bent nummer 3." in three.last  # told at joining; a claim ahead sends nothing
    await sanne.says("/afsluiten")
    await sanne.presses("Advies gegeven")
    await sanne.presses("Ja, afsluiten")
    await sanne.says("/volgende")
    await line.tick(seconds=30)
    assert "U bent nu de eerste in de rij" in three.last


async def test_pressing_oppakken_twice_is_not_a_lost_claim(line: Helpline):
    sanne = await line.volunteer("Sanne")
    parent = line.parent()
    await ask_person(parent)
    button = sanne.button("Oppakken")
    await asyncio.gather(sanne.presses_id(button.id), sanne.presses_id(button.id))
    texts = [m.text for m in sanne.received[-2:]]
    assert sum("Je praat nu met" in t for t in texts) == 2
    assert not any("collega" in t for t in texts)


async def test_a_waiting_parent_is_never_left_in_silence(line: Helpline):
    parent = line.parent()
    await ask_person(parent)
    await parent.says("Hallo? Is er iemand?")
    assert "Ik bewaar uw bericht. U bent nummer 1 in de rij." in parent.last
    seen = len(parent.received)
    await parent.says("Nog een detail.")
    assert len(parent.received) == seen  # not after every message
    line.clock.advance(minutes=3)
    await parent.says("Wanneer hoor ik iets?")
    assert "U bent nummer 1 in de rij" in parent.last


async def test_a_pass_on_restarts_the_escalation_clock(line: Helpline):
    sanne = await line.volunteer("Sanne")
    kees = await line.volunteer("Kees", "advisor", max_active=1)
    other = line.parent()
    await ask_person(other, "Adviseur")
    await kees.presses("Oppakken")  # Kees is full: the passed parent has to wait
    parent = line.parent()
    await ask_person(parent, "Ervaren ouder")
    line.clock.advance(minutes=9)
    await sanne.says("/volgende")
    await sanne.passes_on("Een adviseur", "Graag een adviseur over de TLV.")
    await line.tick(minutes=2)  # 11 minutes since the request, 2 since the pass-on
    assert not any("Nog niemand heeft deze vraag" in m.text for m in sanne.received + kees.received)
    await line.tick(minutes=9)
    assert any("Nog niemand heeft deze vraag" in m.text for m in kees.received)


def get_handoff(handoff_id: int, tx: Tx) -> Handoff | None:
    return tx.queue.get(handoff_id)
