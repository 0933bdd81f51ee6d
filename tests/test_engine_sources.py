"""What a parent sees of sources and tree steps: one "Bron:" link, bullets, no useless buttons."""

from __future__ import annotations

import re

from bot.core.engine import Engine
from bot.testing.fakes import FakeParent
from faq.knowledge import Knowledge


async def test_an_answer_ends_with_its_one_source_link(engine: Engine, knowledge: Knowledge):
    parent = FakeParent(engine)
    await parent.says("wat is een opp eigenlijk")
    link = knowledge.faq.by_id["opp"].provenance.link
    assert link and f"Bron: {link}" in parent.last
    assert parent.last.count("Bron:") == 1


async def test_tree_leaf_steps_are_bullets_with_a_source(engine: Engine, content):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.presses("School lukt niet — wat nu?")
    await parent.presses("Mijn kind zit (bijna) thuis")
    await parent.presses("Een tot vier weken")
    leaf = parent.last
    assert not re.search(r"^\s*\d+\.", leaf, re.MULTILINE), "numbers above buttons mislead"
    assert "• " in leaf
    tree, _, _ = content
    link = tree.node("thuis-weken").provenance.link
    assert f"Bron: {link}" in leaf
    assert "16 uur" in leaf and "Na 4 weken" not in leaf
    assert not leaf.rstrip().endswith(":"), "no dangling 'Lees hier meer over:'"


async def test_first_question_has_no_back_or_restart(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.presses("School lukt niet — wat nu?")
    assert "Opnieuw" not in parent.labels and "Terug" not in parent.labels
    await parent.presses("Mijn kind zit (bijna) thuis")
    assert {"Opnieuw", "Terug"} <= set(parent.labels)


async def test_unknown_command_keeps_the_buttons_the_parent_had(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.presses("School lukt niet — wat nu?")
    await parent.presses("Mijn kind zit (bijna) thuis")
    before = parent.labels
    await parent.says("/onbekend")
    assert "commando ken ik niet" in parent.last
    assert parent.labels == before
    await parent.presses("Een paar dagen")
    assert "• " in parent.last
