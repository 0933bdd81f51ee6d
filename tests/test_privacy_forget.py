"""After `/vergeet` nothing in the database can be linked to the parent: every table is
scanned for their pseudonym and their words, while the anonymous figures stay."""

from __future__ import annotations

import asyncio

from tests.test_web_console import talking


async def test_vergeet_leaves_no_row_linked_to_the_parent(web_world):
    eva, parent, handoff = await talking(web_world)
    await eva.act("say", handoff=handoff, text="Vertel, wat is er met uw zoon?")
    await parent.says("Mijn zoon Siebrand gaat niet naar de Zonnebloemschool sinds oktober")
    await eva.act("note", handoff=handoff, text="Siebrand: thuiszitter, moeder belt terug")
    await eva.act("action", action="close", handoff=handoff)
    await eva.desk(button=f"v:close:{handoff}:")
    await eva.act("press", id=f"v:close:{handoff}:advice")
    sure = await eva.desk(button="v:close!:")
    await eva.act("press", id=sure["buttons"][0]["id"])
    await web_world.settled()
    await parent.messages()
    await parent.says("mag Siebrand zijn hulphond meenemen naar de klas")  # no answer: reviewed
    await parent.says("wat is een opp")
    await parent.presses("fb:n:opp")  # 👎: the question is kept for review too
    await web_world.settled()
    review = web_world.rows("SELECT kind, text FROM review_items ORDER BY id")
    assert [kind for kind, _ in review] == ["no_match", "not_helped"]
    assert "Siebrand" not in review[0][1] and "hulphond" in review[0][1]  # scrubbed first
    assert web_world.tables_holding(parent.address)  # before: linked rows exist

    await parent.says("/vergeet")
    await parent.presses("m:forget:yes")
    await web_world.settled()
    await asyncio.sleep(0.3)
    leftovers = {
        word: web_world.tables_holding(word)
        for word in (parent.address, "Siebrand", "Zonnebloemschool", "hulphond", "wat is een opp")
    }
    assert leftovers == {word: [] for word in leftovers}  # the pseudonym too
    kinds = {kind for (kind,) in web_world.rows("SELECT DISTINCT kind FROM events")}
    assert {"contact", "handoff", "faq", "feedback"} <= kinds  # the figures survive
