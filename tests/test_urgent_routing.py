"""Urgent requests reach the right person at once; nobody waits unseen; nothing happens by
accident. Read as transcripts of a helpline with advisors, buddies and a coordinator."""

from __future__ import annotations

import sqlite3

from bot.storage import SCHEMA_VERSION
from bot.storage.sqlite.store import Store
from bot.testing.fakes import FakeParent, Helpline, build_engine
from tests.raw_sql import sql_of
from tests.test_handoff_queue import ask_person

SUICIDE = "mijn dochter schreef een briefje om iedereen gedag te zeggen"
HARM = "de taxichauffeur heeft hem hard bij zijn arm uit de bus gesleurd, hij heeft schrammen"


async def urgent_request(parent: FakeParent, message: str = SUICIDE) -> None:
    await parent.says(message)
    await parent.presses("Praat met een mens")


def heard(person: FakeParent, text: str) -> bool:
    return any(text in m.text for m in person.received)


async def test_urgent_goes_to_advisors_and_coordinators_at_once_buddies_after_five_minutes(
    line: Helpline,
):
    sanne = await line.volunteer("Sanne", "buddy")
    kees = await line.volunteer("Kees", "advisor")
    cor = await line.volunteer("Cor", "coordinator")
    parent = line.parent()
    await urgent_request(parent)
    assert "⚠️ Dringend" in kees.last and "zelfdoding" in kees.last
    assert "⚠️ Dringend" in cor.last  # the coordinator at once, not at escalation
    assert not heard(sanne, "Dringend")
    await sanne.says("/volgende")
    assert "Eerst kijkt een adviseur" in sanne.last
    await line.tick(minutes=4)
    assert not heard(sanne, "Dringend")
    await line.tick(minutes=1.5)
    assert "Nog geen adviseur heeft deze dringende vraag" in sanne.last
    assert any(label.startswith("Oppakken") for label in sanne.labels)
    await sanne.presses("Oppakken")
    assert "Je praat nu met" in sanne.last


async def test_a_buddy_cannot_take_an_urgent_request_by_its_code_before_the_advisors(
    line: Helpline,
):
    sanne = await line.volunteer("Sanne", "buddy")
    await line.volunteer("Kees", "advisor")
    parent = line.parent()
    await urgent_request(parent, HARM)
    code = await line.engine.store.read(
        lambda tx: sql_of(tx).execute("SELECT code FROM handoffs").fetchone()[0]
    )
    await sanne.says(f"/oppakken {code}")
    assert "Eerst kijkt een adviseur" in sanne.last


async def test_with_no_advisor_or_coordinator_buddies_hear_it_at_once(line: Helpline):
    sanne = await line.volunteer("Sanne", "buddy")
    parent = line.parent()
    await urgent_request(parent)
    assert "Nog geen adviseur heeft deze dringende vraag" in sanne.last
    await sanne.presses("Oppakken")
    assert "Je praat nu met" in sanne.last


async def test_an_advisor_who_links_or_comes_back_hears_the_urgent_request_at_once(
    line: Helpline,
):
    parent = line.parent()
    await urgent_request(parent)
    kees = await line.volunteer("Kees", "advisor")
    await line.channel.settle()
    assert heard(kees, "⚠️ Dringend")  # no queue tick needed
    await kees.says("/afwezig")
    other = line.parent()
    await urgent_request(other, HARM)
    assert not heard(kees, "kind in gevaar")
    await kees.says("/beschikbaar")
    assert heard(kees, "kind in gevaar")


async def test_the_queue_shows_urgent_first_by_severity_with_the_category(line: Helpline):
    parents = [line.parent() for _ in range(4)]
    await ask_person(parents[0])  # oldest, ordinary
    await parents[1].says("ik kan niet meer, ik ben helemaal op")
    await ask_person(parents[1])  # distress
    await urgent_request(parents[2], HARM)
    await urgent_request(parents[3], SUICIDE)  # newest, most severe
    kees = await line.volunteer("Kees", "advisor", max_active=4)
    await kees.says("/wachtrij")
    rows = kees.last.splitlines()[1:]
    assert "zelfdoding" in rows[0] and "kind in gevaar" in rows[1]
    assert "ouder zwaar belast" in rows[2] and "Dringend" not in rows[3]
    assert SUICIDE not in kees.last and HARM not in kees.last
    await kees.says("/volgende")
    assert "zelfdoding" in kees.last.splitlines()[0]


async def test_nobody_available_is_said_at_once_with_the_contact(line: Helpline):
    parent = line.parent()
    await parent.says("ik wil graag iemand spreken")
    assert "niemand om mee te chatten" in parent.last  # at once, before any question
    assert "Met wie wilt u praten?" not in "\n".join(m.text for m in parent.received)
    assert "de website van uw hulplijn" in parent.last  # the configured contact
    await parent.says("Het gaat om onze zoon, hij zit al weken thuis.")
    sanne = await line.volunteer("Sanne")
    await sanne.says("/volgende")
    assert "hij zit al weken thuis" in sanne.last  # the story was kept for later


async def test_a_role_nobody_has_offers_the_other_role(line: Helpline):
    sanne = await line.volunteer("Sanne", "buddy")
    parent = line.parent()
    await ask_person(parent, "Adviseur")
    assert "geen adviseur vrij" in parent.last and "ervaren ouder wel" in parent.last
    await parent.presses("Ja, graag")
    assert "U staat in de rij" in parent.last
    await sanne.says("/wachtrij")
    assert "wil praten met: maakt niet uit" in sanne.last


async def test_pass_on_to_a_role_nobody_has_is_refused_with_who_is(line: Helpline):
    sanne = await line.volunteer("Sanne", "buddy")
    await line.volunteer("Bas", "buddy")
    parent = line.parent()
    await ask_person(parent)
    await sanne.presses("Oppakken")
    await sanne.says("/doorgeven")
    assert "Een adviseur" not in sanne.labels  # only roles someone available has
    await sanne.presses_id(f"v:pass:{parent_handoff(sanne)}:advisor")  # an old button
    assert "geen adviseur beschikbaar" in sanne.last and "Bas (ervaren ouder)" in sanne.last


def parent_handoff(volunteer: FakeParent) -> str:
    button = next(b for m in volunteer.received for b in m.buttons if b.id.startswith("v:pass"))
    return button.id.split(":")[2]


async def test_release_and_close_ask_first_and_no_changes_nothing(line: Helpline):
    sanne = await line.volunteer("Sanne")
    parent = line.parent()
    await ask_person(parent)
    await sanne.presses("Oppakken")
    await sanne.presses("Terugzetten")
    assert "Weet je het zeker?" in sanne.last and "Ouder #" in sanne.last
    await sanne.presses("Nee")
    assert "er verandert niets" in sanne.last
    await sanne.says("2")  # a bare number is a message to the parent, never an action
    assert "Sanne: 2" in parent.last
    await sanne.says("/afsluiten")
    await sanne.presses("Advies gegeven")
    assert "Weet je het zeker?" in sanne.last
    assert "afgesloten" not in parent.last
    await sanne.presses("Ja, afsluiten")
    assert "heeft het gesprek afgesloten" in parent.last


async def test_a_bare_number_is_no_pass_on_note(line: Helpline):
    sanne = await line.volunteer("Sanne")
    await line.volunteer("Kees", "advisor")
    parent = line.parent()
    await ask_person(parent)
    await sanne.presses("Oppakken")
    await sanne.passes_on("Een adviseur")
    await sanne.says("2")
    assert "in woorden" in sanne.last
    await sanne.says("Vraag over de TLV.")
    assert "staat weer in de rij" in sanne.last


def test_migration_ranks_old_urgent_requests_first(tmp_path):

    from bot.storage.sqlite.schema import MIGRATIONS

    path = tmp_path / "old.db"
    from sqlite_utils import Database

    old = Database(path)
    for migration in MIGRATIONS[:2]:  # a database as version 2 left it
        migration(old)
    old.execute("PRAGMA user_version = 2")
    old.close()
    con = sqlite3.connect(path)
    con.execute(
        "INSERT INTO handoffs (code, conversation_id, channel, role, urgent, status, summary, "
        "first_requested_at, requested_at) VALUES "
        "('K7', 'c1', 'fake', 'either', 1, 'queued', '{}', '2026-01-01', '2026-01-01')"
    )
    con.commit()
    con.close()
    Store(path).close()
    con = sqlite3.connect(path)
    assert con.execute("SELECT severity FROM handoffs").fetchone() == (3,)
    assert con.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


async def test_the_buddy_window_follows_the_configuration(knowledge, content, store):
    from bot.core.engine import EngineSettings
    from bot.testing.fakes import FakeChannel, FakeClock
    from handoff.settings import HandoffSettings

    tree, safety, texts = content
    clock = FakeClock()
    settings = EngineSettings(handoff=HandoffSettings(urgent_buddy_after_minutes=2))
    engine = build_engine(knowledge, tree, safety, texts, store, settings, clock=clock)
    line = Helpline(engine, FakeChannel(engine), clock)
    sanne = await line.volunteer("Sanne", "buddy")
    await line.volunteer("Kees", "advisor")
    await urgent_request(line.parent())
    await line.tick(minutes=1)
    assert not heard(sanne, "dringende vraag")
    await line.tick(minutes=1.5)
    assert heard(sanne, "dringende vraag")
