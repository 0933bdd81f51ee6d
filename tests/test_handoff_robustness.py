"""Nothing lost, nobody exposed: restarts, blocked and failing deliveries, stop and forget."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.storage import AsyncStore
from bot.testing.fakes import FakeChannel, FakeClock, FakeParent, Helpline, build_engine
from tests.raw_sql import sql_of
from tests.test_handoff_queue import ask_person


async def connected(line: Helpline) -> tuple[FakeParent, FakeParent]:
    sanne = await line.volunteer("Sanne")
    parent = line.parent()
    await ask_person(parent)
    await sanne.presses("Oppakken")
    return parent, sanne


async def test_restart_mid_conversation_loses_nothing(knowledge, content, tmp_path, database):
    tree, safety, texts = content
    clock = FakeClock()
    store = await AsyncStore.open(database)
    engine = build_engine(knowledge, tree, safety, texts, store, clock=clock)
    line = Helpline(engine, FakeChannel(engine), clock)
    parent, sanne = await connected(line)
    line.channel.failing |= {parent.name, sanne.name}  # the network is down ...
    await parent.says("Eerste bericht na het wegvallen.")
    await parent.says("Tweede bericht.")
    await sanne.says("Ben je er nog?")
    await store.close()  # ... and the bot stops before anything was delivered

    store = await AsyncStore.open(database)
    engine = build_engine(knowledge, tree, safety, texts, store, clock=clock)
    channel = FakeChannel(engine)
    for person in (parent, sanne):
        person.engine, person.network = engine, channel
        channel.join(person)
    await channel.settle()
    assert [m.text.split(": ", 1)[1] for m in sanne.received[-2:]] == [
        "Eerste bericht na het wegvallen.",
        "Tweede bericht.",
    ]
    assert parent.last == "Sanne: Ben je er nog?"
    await parent.says("Ja, ik ben er.")
    assert sanne.last.endswith(": Ja, ik ben er.")
    await channel.settle()
    assert len([m for m in sanne.received if "Tweede bericht." in m.text]) == 1  # no duplicates
    await store.close()


async def test_transient_failure_keeps_order_and_delivers_once(line: Helpline):
    parent, sanne = await connected(line)
    line.channel.failing.add(sanne.name)
    for n in (1, 2, 3):
        await parent.says(f"bericht {n}")
    assert not any("bericht" in m.text for m in sanne.received)
    line.channel.failing.clear()
    await line.channel.settle()
    assert [m.text.split(": ")[-1] for m in sanne.received[-3:]] == [
        "bericht 1",
        "bericht 2",
        "bericht 3",
    ]


async def test_parent_blocks_the_bot_and_the_volunteer_is_told(line: Helpline):
    parent, sanne = await connected(line)
    line.channel.blocked.add(parent.name)
    await sanne.says("Hoe gaat het nu?")
    assert "is niet meer te bereiken. Het gesprek is gesloten." in sanne.last
    handoff = await line.engine.store.read(lambda tx: tx.queue.latest_for(parent.name))
    assert handoff is not None and handoff.status == "closed" and handoff.outcome == "unreachable"


async def test_volunteer_gone_messages_stay_with_the_handoff(line: Helpline):
    parent, sanne = await connected(line)
    kees = await line.volunteer("Kees")
    line.channel.blocked.add(sanne.name)
    await parent.says("Het gaat echt niet goed op school.")
    assert "aan iemand anders geven" in parent.last
    await kees.presses("Oppakken")
    assert "Het gaat echt niet goed op school." in kees.last
    assert "Kees is er nu voor u" in parent.last


async def test_parent_cannot_reach_volunteer_actions(line: Helpline):
    sanne = await line.volunteer("Sanne")
    parent, other = line.parent(), line.parent()
    await ask_person(parent)
    handoff = await line.engine.store.read(lambda tx: tx.queue.latest_for(parent.name))
    assert handoff is not None
    seen = len(sanne.received)
    for command in ("/volgende", f"/oppakken {handoff.code}", "/wachtrij", "/afsluiten"):
        await other.says(command)
        assert "Dat commando ken ik niet" in other.last
    await other.presses_id(f"v:claim:{handoff.id}")
    assert "Deze keuze is verlopen" in other.received[-2].text
    await parent.presses_id(f"v:close:{handoff.id}:advice")
    assert "U staat in de rij voor een gesprek" in parent.last
    fresh = await line.engine.store.read(lambda tx: tx.queue.get(handoff.id))
    assert fresh is not None and fresh.status == "queued" and len(sanne.received) == seen


async def test_parent_stops_and_the_bot_answers_again(line: Helpline):
    parent, sanne = await connected(line)
    await parent.says("/stop")
    assert parent.last == "Wilt u het gesprek met Sanne stoppen?"
    await parent.presses("Nee, verder praten")
    assert "u praat verder met Sanne" in parent.last
    await parent.presses_id("h:leave")  # an old "Uit de rij" button asks first too
    assert "stoppen?" in parent.last and "heeft het gesprek gestopt" not in sanne.last
    await parent.presses("Ja, stoppen")
    assert "Het gesprek met Sanne is gestopt. Heeft het gesprek u geholpen?" in parent.last
    assert "heeft het gesprek gestopt" in sanne.last
    await parent.says("wat is een opp")
    assert "Heeft dit geholpen?" in parent.last
    await sanne.says("Hallo?")
    assert "geen open gesprek" in sanne.last


async def test_forget_during_a_handoff_tells_the_volunteer_and_deletes_it(line: Helpline):
    parent, sanne = await connected(line)
    await parent.says("Dit is privé.")
    await parent.says("/vergeet")
    await parent.presses("Ja, alles wissen")
    await line.channel.settle()
    assert "heeft het gesprek gestopt" in sanne.last
    handoff = await line.engine.store.read(lambda tx: tx.queue.latest_for(parent.name))
    assert handoff is None
    rows = await line.engine.store.read(
        lambda tx: sql_of(tx).execute("select count(*) from handoff_messages").fetchone()[0]
    )
    assert rows == 0


async def test_crisis_during_a_conversation_alerts_the_volunteer(line: Helpline):
    parent, sanne = await connected(line)
    await parent.says("ik wil er niet meer zijn")
    assert "Bel 113 of 0800-0113" in parent.received[-2].text  # the crisis help itself
    assert "Uw bericht is ook naar Sanne gestuurd" in parent.last
    assert any("kan wijzen op een crisis" in m.text for m in sanne.received[-2:])
    assert any(m.text.endswith(": ik wil er niet meer zijn") for m in sanne.received[-2:])


async def test_volunteer_with_two_parents_always_knows_who_gets_the_message(line: Helpline):
    sanne = await line.volunteer("Sanne", max_active=2)
    first, second = line.parent(), line.parent()
    await ask_person(first)
    await sanne.presses("Oppakken")
    await ask_person(second)
    await sanne.presses("Oppakken")
    await sanne.says("/wissel " + sanne.last.split("Ouder #")[1].split(" ")[0].rstrip("."))
    await sanne.says("/gesprekken")
    assert "Je open gesprekken" in sanne.last and len(sanne.keyboard) == 2
    await first.says("Hallo, ik ben het weer.")
    assert "Je typt nu naar Ouder #" in sanne.last and "Wissel naar" in sanne.labels[0]
    await sanne.says("Bericht voor de tweede ouder.")
    assert second.last == "Sanne: Bericht voor de tweede ouder."
    await sanne.presses("Wissel naar")
    await sanne.says("En dit is voor de eerste.")
    assert first.last == "Sanne: En dit is voor de eerste."
    assert second.last == "Sanne: Bericht voor de tweede ouder."


async def test_photos_and_documents_are_passed_on_other_things_are_not(line: Helpline):
    parent, sanne = await connected(line)
    await parent.sends("sticker")
    assert "Ik kan alleen tekst, foto's en bestanden doorgeven" in parent.last
    await parent.sends_file("document", caption="De brief van school")
    line_, copy = sanne.received[-2:]  # the line, then the file: one stored piece each
    assert line_.text.endswith("stuurt een bestand:") and line_.attachment is None
    assert copy.text == "" and copy.attachment is not None
    assert copy.attachment.origin == parent.name  # only the channel uses it, to copy the file
    kees = await line.volunteer("Kees")
    await sanne.says("/terugzetten")
    await sanne.presses("Ja, terugzetten")
    await kees.says("/volgende")
    assert "(een bestand) De brief van school" in kees.last  # the story so far
    waiting = line.parent()
    await ask_person(waiting)
    await waiting.sends_file("photo")
    assert "Stuur de foto of het bestand als er iemand met u praat" in waiting.last


async def test_invite_codes_work_once_and_wrong_codes_are_refused(line: Helpline):

    now = line.clock.now
    code = await line.engine.store.transaction(
        lambda tx: tx.registry.add("Sanne", "buddy", (), 2, now)[1]
    )
    stranger = line.parent()
    await stranger.says("/aanmelden ABCD-EFGH")
    assert "Deze code werkt niet" in stranger.last
    first = line.parent()
    await first.says(f"/aanmelden {code.lower()}")
    assert "Welkom, Sanne" in first.last
    await stranger.says(f"/aanmelden {code}")
    assert "Deze code werkt niet" in stranger.last
    transcript = await line.engine.store.transcript(stranger.name)
    assert not any(code in line.text for line in transcript)  # the code is never stored


async def test_outside_opening_hours_question_waits_and_parent_hears_at_pickup(
    knowledge, content, store
):
    tree, safety, texts = content
    clock = FakeClock(datetime(2026, 11, 28, 11, 0, tzinfo=UTC))  # a Saturday
    engine = build_engine(knowledge, tree, safety, texts, store, clock=clock)
    line = Helpline(engine, FakeChannel(engine), clock)
    sanne = await line.volunteer("Sanne")
    parent = line.parent()
    await parent.says("ik wil iemand spreken")  # told before any question is asked
    assert "Vanaf maandag 30 november 9.00 uur zijn we er weer" in parent.received[-2].text
    await parent.presses("Maakt niet uit")
    await parent.presses("Iets anders")
    assert "Vanaf maandag 30 november 9.00 uur zoeken we iemand voor u" in parent.last
    assert "113" in parent.last
    assert not any("Nieuwe vraag" in m.text for m in sanne.received)
    await parent.says("Mijn zoon wil maandag niet naar school.")
    assert "Ik bewaar uw bericht" in parent.last
    await line.tick(days=1, hours=21, minutes=1)  # Monday 9.01 in Amsterdam
    assert "Nieuwe vraag" in sanne.last
    assert "wacht sinds zaterdag 28 november 12.00" in sanne.last  # not just "12.00"
    await sanne.presses("Oppakken")
    assert "Mijn zoon wil maandag niet naar school." in sanne.last
    assert "Sanne is er nu voor u" in parent.last


async def test_reopen_is_stale_after_the_configured_days(line: Helpline):
    parent, sanne = await connected(line)
    await sanne.says("/afsluiten")
    await sanne.presses("Geen reactie")
    await sanne.presses("Ja, afsluiten")
    line.clock.advance(days=8)
    seen = len(parent.received)
    await parent.presses("Opnieuw praten")
    assert "Deze keuze is verlopen" in parent.texts_since(seen)


async def test_returning_parent_and_volunteer_hear_where_they_stand(line: Helpline):
    parent, sanne = await connected(line)
    await parent.opens()
    assert "U praat nu met Sanne" in parent.last and parent.labels == ["Gesprek stoppen"]
    await sanne.opens()
    assert sanne.last.startswith("Welkom terug, Sanne.")
    waiting = line.parent()
    await ask_person(waiting)
    await waiting.opens()
    assert "U staat in de rij voor een gesprek" in waiting.last


async def test_retention_removes_closed_handoffs_and_keeps_what_a_waiting_parent_wrote(
    line: Helpline,
):
    from datetime import timedelta

    parent, sanne = await connected(line)
    await parent.says("Oud bericht.")
    await sanne.says("/afsluiten")
    await sanne.presses("Advies gegeven")
    await sanne.presses("Ja, afsluiten")
    other = line.parent()
    await ask_person(other)
    await other.says("Nieuw bericht.")
    store = line.engine.store
    count = "select count(*) from {}"
    assert (
        await store.read(lambda tx: sql_of(tx).execute(count.format("handoffs")).fetchone()[0]) == 2
    )
    removed = await store.purge_transcripts(line.clock.now + timedelta(seconds=1))
    assert removed > 0
    left = await store.read(
        lambda tx: sql_of(tx).execute("select text from handoff_messages").fetchall()
    )
    assert left == [("Nieuw bericht.",)]  # a parent still waiting keeps their story
    handoffs = await store.read(
        lambda tx: sql_of(tx).execute("select status from handoffs").fetchall()
    )
    assert handoffs == [("queued",)]  # the closed one went, the waiting parent stays


async def test_the_line_closes_while_a_parent_waits_and_opens_again(knowledge, content, store):
    tree, safety, texts = content
    clock = FakeClock(datetime(2026, 11, 27, 15, 50, tzinfo=UTC))  # Friday 16.50 in Amsterdam
    engine = build_engine(knowledge, tree, safety, texts, store, clock=clock)
    line = Helpline(engine, FakeChannel(engine), clock)
    await line.volunteer("Sanne")  # someone is there, so the parent waits in the queue
    parent = line.parent()
    await ask_person(parent)
    assert "U staat in de rij" in parent.last
    await line.tick(minutes=11)  # 17.01: closed
    assert "Vanaf maandag 30 november 9.00 uur zoeken we iemand voor u" in parent.last
    seen = len(parent.received)
    await line.tick(hours=2)
    assert len(parent.received) == seen  # said once
    await line.tick(days=2, hours=14)  # Monday 9.01
    assert "U bent nu de eerste in de rij" in parent.last
