"""Regressions found in review: each test is a way the handoff once went wrong."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.courier import Courier, Undeliverable
from bot.core.messages import Inbound, Outbound
from bot.storage import StorageBusy
from bot.testing.fakes import FakeParent, Helpline
from tests.raw_sql import sql_of
from tests.test_handoff_queue import ask_person

ODD_CHOICES = [
    "v:close:abc", "h:fb:y:999999", "v:pass:1:", "v:", "h:", "v:claim:", "v:claim:-1",
    "v:close:1:advice:x", "v:pass:1:999", "v:pass:1:1", "h:fb:y:", "h:reopen:abc", "h::",
    "h:topic:", "h:role:", "h:anyone:1", "h:leave", "t:", "f:", "fb:", "m:", "x", "",
    "h:fb:y:99999999999999999999999", "v:switch:99999999999999999999999", "v:closemenu:1",
    "h:topic:-", "h:anyone:",
]  # fmt: skip
ODD_TEXTS = [
    "", " ", "👍", "🙂🙂🙂", "x" * 10_000, "/", "/ ", "/@", "/@bot", "1", "0", "-1", "/notitie",
    "/wissel", "/oppakken", "/pak #", "/wissel Ouder #", "\x00", "/aanmelden", "/aanmelden ",
    "/stop", "/start",
]  # fmt: skip


async def ask(parent: FakeParent) -> None:
    await ask_person(parent, "Ervaren ouder")


async def one_volunteer_two_parents(line: Helpline) -> tuple[FakeParent, ...]:
    """Sanne talks with two parents, A and B."""
    sanne = await line.volunteer("Sanne", max_active=2)
    a, b = line.parent(), line.parent()
    for parent in (a, b):
        await ask(parent)
        await sanne.presses_id(next(x.id for x in sanne.keyboard if x.id.startswith("v:claim")))
    return sanne, a, b


async def code_of(line: Helpline, parent: FakeParent) -> str:
    handoff = await line.engine.store.read(lambda tx: tx.queue.latest_for(parent.name))
    assert handoff is not None
    return handoff.code


async def test_after_the_current_parent_stops_nothing_goes_to_the_other_one(line: Helpline):
    sanne, a, b = await one_volunteer_two_parents(line)
    await sanne.says(f"/wissel {await code_of(line, a)}")
    await a.says("/stop")
    await a.presses("Ja, stoppen")
    seen = len(b.received)
    await sanne.says("Over uw zoon: de leerplichtambtenaar belt u morgen.")  # meant for A
    assert len(b.received) == seen
    assert "Het gesprek waar je naar typte is voorbij" in sanne.received[-2].text
    assert "Wissel naar" in sanne.labels[0]
    await a.says("/start")  # no longer in a handoff; B's new message arrives with a choice
    await b.says("Bent u er nog?")
    assert "Je typt nu naar niemand" in sanne.last and "Wissel naar" in sanne.labels[0]


async def test_switching_during_a_pass_on_does_not_turn_a_message_into_a_note(line: Helpline):
    await line.volunteer("Kees", "advisor")
    sanne, a, b = await one_volunteer_two_parents(line)
    await sanne.says(f"/wissel {await code_of(line, a)}")
    await sanne.passes_on("Een adviseur")
    await sanne.says(f"/wissel {await code_of(line, b)}")
    await sanne.says("Hoi! Fijn dat je er bent, vertel.")
    assert b.last == "Sanne: Hoi! Fijn dat je er bent, vertel."
    handoff = await line.engine.store.read(lambda tx: tx.queue.latest_for(a.name))
    assert handoff is not None and handoff.status == "active"


async def test_reopen_is_a_new_handoff_with_a_free_code_and_old_buttons_go_stale(line: Helpline):
    sanne = await line.volunteer("Sanne", max_active=3)
    a = line.parent()
    await ask(a)
    await sanne.presses("Oppakken")
    await a.says("Eerste gesprek.")
    await sanne.says("/afsluiten")
    close_buttons = sanne.keyboard
    await sanne.presses("Advies gegeven")
    await sanne.presses("Ja, afsluiten")
    await a.presses("Opnieuw praten")
    await sanne.presses("Oppakken")
    assert "Eerste gesprek." in sanne.last  # the story came along
    await sanne.presses_id(close_buttons[0].id)  # last week's "Advies gegeven"
    assert "Deze knop werkt niet meer" in sanne.last
    open_codes = await line.engine.store.read(
        lambda tx: (
            sql_of(tx).execute("SELECT code FROM handoffs WHERE status != 'closed'").fetchall()
        )
    )
    assert len(open_codes) == 1


async def test_ids_are_never_reused(line: Helpline):
    now = datetime.now(UTC)

    def put_one(tx) -> int:
        tx.outbox.put("x", Outbound("a", "1"), now)
        return int(sql_of(tx).execute("SELECT max(id) FROM outbox").fetchone()[0])

    first = await line.engine.store.transaction(put_one)
    await line.engine.store.transaction(lambda tx: tx.outbox.delivered([first]))
    await line.engine.store.transaction(lambda tx: tx.outbox.put("x", Outbound("b", "2"), now))
    ids = await line.engine.store.read(
        lambda tx: sql_of(tx).execute("SELECT id FROM outbox").fetchall()
    )
    assert ids == [(first + 1,)]
    parent = line.parent()
    await ask(parent)
    old = await line.engine.store.read(lambda tx: tx.queue.latest_for(parent.name))
    await parent.says("/vergeet")
    again = line.parent()
    await ask(again)
    new = await line.engine.store.read(lambda tx: tx.queue.latest_for(again.name))
    assert old is not None and new is not None and new.id > old.id


async def test_a_handoff_passed_to_a_coordinator_can_be_taken(line: Helpline):
    sanne = await line.volunteer("Sanne")
    coco = await line.volunteer("Coco", "coordinator")
    a = line.parent()
    await ask(a)
    await sanne.presses("Oppakken")
    await sanne.passes_on("Coco", "Graag even kijken, lastige situatie.")
    await coco.says("/volgende")
    assert "Je praat nu met" in coco.last and "Coco is er nu voor u" in a.last


async def test_a_parent_who_becomes_a_volunteer_leaves_their_handoff(line: Helpline):
    sanne = await line.volunteer("Sanne")
    a = line.parent()
    await ask(a)
    await sanne.presses("Oppakken")
    now = line.clock.now
    code = await line.engine.store.transaction(
        lambda tx: tx.registry.add("Piet", "buddy", (), 2, now)[1]
    )
    await a.says(f"/aanmelden {code}")
    assert "heeft het gesprek gestopt" in sanne.last
    handoff = await line.engine.store.read(lambda tx: tx.queue.latest_for(a.name))
    assert handoff is not None and handoff.status == "closed"


async def test_captions_pass_the_crisis_check_and_are_kept_while_waiting(line: Helpline):
    waiting = line.parent()
    await ask(waiting)
    await waiting.sends_file("document", caption="Dit is de brief van school over het OPP")
    sanne = await line.volunteer("Sanne")
    await sanne.says("/volgende")
    assert "brief van school" in sanne.last
    seen = len(waiting.received)
    await waiting.sends_file("photo", caption="ik wil niet meer leven")
    assert "113" in waiting.texts_since(seen)
    assert any("kan wijzen op een crisis" in m.text for m in sanne.received[-2:])
    outside = line.parent()
    await outside.sends_file("photo", caption="mijn kind wil dood")
    assert "113" in outside.last  # not only "Ik kan alleen tekst lezen"


async def test_forget_removes_the_link_to_the_platform_account(store):
    await store.transaction(
        lambda tx: sql_of(tx).execute(
            "INSERT INTO channel_accounts (address, channel, platform_id, created_at) "
            "VALUES ('tg:x', 'telegram', '1001', 't')"
        )
    )
    await store.forget("tg:x")
    rows = await store.read(
        lambda tx: sql_of(tx).execute("SELECT * FROM channel_accounts").fetchall()
    )
    assert rows == []


async def test_courier_is_not_starved_by_another_channels_backlog(store):
    now = datetime.now(UTC)

    def fill(tx):
        for i in range(600):  # notices for a terminal volunteer whose terminal is not running
            tx.outbox.put("terminal", Outbound("terminal:sanne", f"Nieuwe vraag {i}"), now)
        tx.outbox.put("telegram", Outbound("tg:parent", "Sanne: hallo"), now)

    await store.transaction(fill)
    got: list[Outbound] = []
    courier = Courier(store)

    async def send(message: Outbound) -> None:
        got.append(message)

    courier.register("telegram", send)
    await courier.deliver_pending()
    assert [m.text for m in got] == ["Sanne: hallo"]


async def test_a_failing_unreachable_handler_does_not_cause_double_delivery(store):
    now = datetime.now(UTC)

    def fill(tx):
        tx.outbox.put("tg", Outbound("tg:a", "voor A"), now)
        tx.outbox.put("tg", Outbound("tg:b", "voor B"), now)

    await store.transaction(fill)
    got: list[str] = []
    calls = {"n": 0}

    async def send(message: Outbound) -> None:
        if message.to == "tg:b":
            raise Undeliverable(message.to)
        got.append(message.text)

    async def on_unreachable(address: str) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise StorageBusy("locked by the admin CLI")

    courier = Courier(store, on_unreachable=on_unreachable)
    courier.register("tg", send)
    await courier.deliver_pending()
    await courier.deliver_pending()
    assert got == ["voor A"]


async def test_odd_buttons_and_texts_get_an_answer_and_never_crash(line: Helpline):
    sanne = await line.volunteer("Sanne")
    parent = line.parent()
    await ask(parent)
    await sanne.presses("Oppakken")
    for who, other in ((sanne, parent), (parent, sanne)):
        for choice in ODD_CHOICES:
            replies = await line.engine.handle(Inbound(who.name, "fake", who.at, choice=choice))
            assert replies or who is sanne, choice  # a parent always hears something
        for text in ODD_TEXTS:
            before = len(other.received)
            replies = await line.engine.handle(Inbound(who.name, "fake", who.at, text=text))
            await line.channel.settle()
            relayed = "".join(m.text.split(": ", 1)[-1] for m in other.received[before:])
            # either the bot answers the sender or the text reaches the other side, whole
            assert bool(replies) != bool(relayed), (text[:20], replies, relayed[:40])
            assert not relayed or relayed.replace("\n", "") == text, text[:20]
    handoff = await line.engine.store.read(lambda tx: tx.queue.latest_for(parent.name))
    assert handoff is not None  # the odd input did not corrupt anything


async def test_reopen_only_promises_a_previous_volunteer_who_can_take_it(line: Helpline):
    sanne = await line.volunteer("Sanne")
    await line.volunteer("Kees")
    parent = line.parent()
    await ask(parent)
    await sanne.presses("Oppakken")
    await sanne.says("/afsluiten")
    await sanne.presses("Advies gegeven")
    await sanne.presses("Ja, afsluiten")
    await sanne.says("/afwezig")
    seen = len(parent.received)
    await parent.presses("Opnieuw praten")
    assert "Sanne" not in parent.texts_since(seen) and "U staat in de rij" in parent.last


async def test_a_failed_message_is_retried_by_the_running_courier(store):
    import asyncio
    import contextlib

    got: list[str] = []
    failures = {"left": 1}

    async def send(message: Outbound) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionError("502")
        got.append(message.text)

    courier = Courier(store, retry_seconds=0.01, max_retry_seconds=0.05)
    courier.register("tg", send)
    runner = asyncio.create_task(courier.run())
    try:
        now = datetime.now(UTC)
        await store.transaction(lambda tx: tx.outbox.put("tg", Outbound("tg:p", "hallo"), now))
        courier.wake()
        for _ in range(100):  # no other wake comes: the courier retries by itself
            if got:
                break
            await asyncio.sleep(0.02)
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
    assert got == ["hallo"]


async def test_other_traffic_does_not_use_up_a_failing_chats_retries(store):
    import asyncio
    import contextlib

    from bot.core.courier import MAX_ATTEMPTS

    sent: list[str] = []

    async def send(message: Outbound) -> None:
        if message.to == "tg:down":
            raise ConnectionError("network unreachable")
        sent.append(message.to)

    courier = Courier(store, retry_seconds=30, max_retry_seconds=60)
    courier.register("tg", send)
    runner = asyncio.create_task(courier.run())
    now = datetime.now(UTC)
    try:
        await store.transaction(lambda tx: tx.outbox.put("tg", Outbound("tg:down", "x"), now))
        for i in range(MAX_ATTEMPTS + 2):  # other parents chatting wake the courier each turn
            await store.transaction(
                lambda tx, i=i: tx.outbox.put("tg", Outbound(f"tg:o{i}", "y"), now)
            )
            courier.wake()
            await asyncio.sleep(0.005)
        for _ in range(250):  # a loaded machine: let the last wake's delivery finish
            if len(sent) == MAX_ATTEMPTS + 2:
                break
            await asyncio.sleep(0.02)
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
    attempts = await store.read(
        lambda tx: (
            sql_of(tx).execute("SELECT attempts FROM outbox WHERE address = 'tg:down'").fetchone()
        )
    )
    assert attempts is not None and 1 <= attempts[0] <= 2  # tried, then waits its own pause
    assert sorted(sent) == sorted(f"tg:o{i}" for i in range(MAX_ATTEMPTS + 2))  # others went
