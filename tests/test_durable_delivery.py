"""Nothing lost, nothing twice: the durable inbox, replies through the outbox, per-piece rows,
attempts marked before a send, and /vergeet erasing the parent's words everywhere."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.core.courier import Courier, MaybeSent
from bot.core.inbox import Arrival, InboxReader
from bot.core.messages import Inbound, Outbound
from bot.storage import AsyncStore, StorageBusy
from bot.testing.fakes import FakeChannel, FakeClock, FakeParent, Helpline, build_engine
from tests.raw_sql import sql_of
from tests.test_handoff_queue import ask_person


@pytest.fixture
def durable(knowledge, content, store) -> Helpline:
    """A helpline whose fake channel works like Telegram: inbox in, outbox out."""
    tree, safety, texts = content
    clock = FakeClock()
    engine = build_engine(knowledge, tree, safety, texts, store, clock=clock)
    return Helpline(engine, FakeChannel(engine, durable=True), clock)


def rows(store: AsyncStore, sql: str) -> asyncio.Future[list[tuple[object, ...]]]:
    return asyncio.ensure_future(store.read(lambda tx: sql_of(tx).execute(sql).fetchall()))


async def test_a_question_is_stored_answered_through_the_outbox_and_marked_handled(durable):
    parent = durable.parent()
    replies = await parent.says("wat is een opp")
    assert "Heeft dit geholpen?" in replies[-1].text
    store = durable.engine.store
    assert await rows(store, "SELECT message, handled_at IS NOT NULL FROM inbox") == [(None, 1)]
    assert await rows(store, "SELECT count(*) FROM outbox") == [(0,)]  # all delivered
    transcript = await store.transcript(parent.name)
    assert [line.direction for line in transcript][:1] == ["in"]


async def test_the_same_update_twice_is_handled_once(durable):
    parent = durable.parent()
    inbound = Inbound(parent.name, "fake", datetime.now(UTC), text="wat is een opp")
    inbox = durable.channel.inbox
    assert inbox is not None
    assert await inbox.accept([Arrival("7", inbound), Arrival("7", inbound)]) == [True, False]
    assert await inbox.accept([Arrival("7", inbound)]) == [False]  # redelivered later
    await inbox.drain()
    await durable.channel.settle()
    assert sum("Heeft dit geholpen?" in m.text for m in parent.received) == 1


async def test_stored_but_unhandled_messages_are_answered_after_a_restart(
    knowledge, content, tmp_path
):
    tree, safety, texts = content
    path = tmp_path / "ouderlijn.db"
    store = await AsyncStore.open(path)
    engine = build_engine(knowledge, tree, safety, texts, store)
    first = InboxReader(engine)
    first.notify = lambda address: None  # type: ignore[method-assign]  # it dies before handling
    questions = ["wat is een opp", "wat is een tlv", "bestaat het rugzakje nog"]
    now = datetime.now(UTC)
    await first.accept(
        [Arrival(str(i), Inbound("fake:p", "fake", now, text=q)) for i, q in enumerate(questions)]
    )
    await store.close()

    store = await AsyncStore.open(path)  # the restart
    engine = build_engine(knowledge, tree, safety, texts, store)
    channel = FakeChannel(engine)
    parent = FakeParent(engine, "fake:p", channel)
    reader = InboxReader(engine)
    assert await reader.resume() == 0  # a process that does not serve the channel leaves it
    reader.serve("fake")
    assert await reader.resume() == 1  # one conversation with three stored messages
    await reader.drain()
    await channel.settle()
    answers = [m.text.split("\n", 1)[0] for m in parent.received if "Heeft dit" in m.text]
    assert len(answers) == 3 and len(set(answers)) == 3  # each question once, in order
    assert await rows(store, "SELECT count(*) FROM inbox WHERE handled_at IS NULL") == [(0,)]
    await store.close()


async def test_a_busy_database_keeps_the_message_until_it_can_be_handled(
    durable: Helpline, monkeypatch
):
    real = durable.engine.handle
    calls = {"n": 0}

    async def busy_once(inbound: Inbound, receipt: int | None = None) -> list[Outbound]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise StorageBusy("locked")
        return await real(inbound, receipt)

    monkeypatch.setattr(durable.engine, "handle", busy_once)
    replies = await durable.parent().says("wat is een opp")
    assert calls["n"] == 2 and "Heeft dit geholpen?" in replies[-1].text
    store = durable.engine.store
    assert await rows(store, "SELECT attempts FROM inbox") == [(0,)]  # busy is no failure


async def test_forget_removes_the_parents_words_from_the_volunteers_outbox(durable):
    sanne = await durable.volunteer("Sanne")
    parent = durable.parent()
    await ask_person(parent)
    await sanne.presses("Oppakken")
    durable.channel.failing.add(sanne.name)  # her phone is offline: relays wait
    await parent.says("Mijn zoon Daan zit al drie weken thuis")
    waiting = await rows(durable.engine.store, "SELECT text FROM outbox")
    assert any("Daan" in str(text) for (text,) in waiting)
    await parent.says("/vergeet")
    await parent.presses("Ja, alles wissen")
    assert "gewist" in parent.last
    left = await rows(durable.engine.store, "SELECT text, about FROM outbox")
    assert not any("Daan" in str(text) or about == parent.name for text, about in left)
    durable.channel.failing.discard(sanne.name)
    seen = len(sanne.received)
    await durable.channel.settle()
    later = " ".join(m.text for m in sanne.received[seen:])
    assert "Daan" not in later and "gestopt" in later  # only that it ended


async def test_the_account_of_an_erased_parent_goes_only_once_the_farewell_is_out(durable):
    store = durable.engine.store
    parent = durable.parent()
    now = datetime.now(UTC).isoformat()
    await store.transaction(
        lambda tx: sql_of(tx).execute(
            "INSERT INTO channel_accounts VALUES (?, 'fake', '42', ?)", [parent.name, now]
        )
    )
    await parent.says("hallo")
    durable.channel.failing.add(parent.name)
    await parent.says("/vergeet")
    await parent.presses_id("m:forget:yes")  # the farewell cannot go out yet
    assert await rows(store, "SELECT count(*) FROM channel_accounts") == [(1,)]  # not yet out
    assert durable.channel.forgotten == []
    durable.channel.failing.discard(parent.name)
    await durable.channel.settle()
    assert await rows(store, "SELECT count(*) FROM channel_accounts") == [(0,)]
    assert durable.channel.forgotten == [parent.name] and "gewist" in parent.last


async def test_a_send_under_way_is_marked_and_sent_again_after_a_crash(store):
    now = datetime.now(UTC)
    await store.transaction(lambda tx: tx.outbox.put("fake", Outbound("fake:p", "Hallo"), now))
    seen_during_send: list[object] = []
    started = asyncio.Event()

    async def hangs(message: Outbound) -> None:
        seen_during_send.extend(await rows(store, "SELECT attempted_at FROM outbox"))
        started.set()
        await asyncio.sleep(3600)  # the process is killed while this send is under way

    crashing = Courier(store)
    crashing.register("fake", hangs)
    worker = asyncio.create_task(crashing.deliver_pending())
    await started.wait()
    worker.cancel()
    assert seen_during_send and seen_during_send[0] != (None,)  # marked before the send

    sent: list[str] = []

    async def works(message: Outbound) -> None:
        sent.append(message.text)

    restarted = Courier(store)
    restarted.register("fake", works)
    await restarted.deliver_pending()
    assert sent == ["Hallo"] and restarted.resent_uncertain == 1  # a loss is worse
    await restarted.deliver_pending()
    assert sent == ["Hallo"]  # and never a third time


async def test_a_send_that_may_have_gone_out_holds_the_next_one_and_is_not_repeated(store):
    now = datetime.now(UTC)
    for text in ("eerste", "tweede"):
        await store.transaction(
            lambda tx, text=text: tx.outbox.put("fake", Outbound("fake:p", text), now)
        )
    sent: list[tuple[str, float]] = []
    loop = asyncio.get_running_loop()

    async def first_times_out(message: Outbound) -> None:
        sent.append((message.text, loop.time()))
        if message.text == "eerste":
            raise MaybeSent("read timeout")

    courier = Courier(store, hold_seconds=0.3)
    courier.register("fake", first_times_out)
    await courier.deliver_pending()
    assert [text for text, _ in sent] == ["eerste", "tweede"]  # not repeated
    assert sent[1][1] - sent[0][1] >= 0.3  # the second waited: it cannot overtake
    assert courier.held == 1
