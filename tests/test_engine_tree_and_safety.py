"""The decision tree walked by buttons and by typing, crisis in every state, and restarts."""

from __future__ import annotations

import pytest

from bot.testing.fakes import FakeClock, FakeParent, build_engine
from faq.decision_tree import load_tree

TREE = load_tree()


def all_paths(node_id: str = TREE.start, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every route of button labels from the start to a leaf."""
    node = TREE.node(node_id)
    if node.is_leaf:
        return [path]
    return [p for c in node.choices for p in all_paths(c.next, (*path, c.label))]


PATHS = all_paths()


def leaf_of(path: tuple[str, ...]) -> str:
    node = TREE.node(TREE.start)
    for label in path:
        node = TREE.node(next(c.next for c in node.choices if c.label == label))
    return node.id


@pytest.mark.parametrize("path", PATHS, ids=[leaf_of(p) for p in PATHS])
async def test_every_branch_by_buttons_reaches_a_leaf_with_steps_and_a_person(engine, path):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.presses("School lukt niet")
    for label in path:
        await parent.presses(label)
    leaf = TREE.node(leaf_of(path))
    assert parent.last.startswith(leaf.text)
    assert "• " + leaf.steps[0] in parent.last
    assert f"Bron: {leaf.provenance.link}" in parent.last
    assert "Praat met een mens" in parent.labels and "Opnieuw" in parent.labels
    assert any(b.id.startswith("f:") for b in parent.keyboard), "leaf links to FAQ entries"


async def test_a_branch_by_typed_choices(engine):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.says("school lukt niet wat nu")
    path = PATHS[0]
    for label in path:
        await parent.says(label.lower())
    assert parent.last.startswith(TREE.node(leaf_of(path)).text)


async def test_back_and_restart_work_on_every_node(engine):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.presses("School lukt niet")
    start_text = parent.last
    path = max(PATHS, key=len)
    for label in path:
        before = parent.last
        await parent.presses(label)
        await parent.presses("Terug")
        assert parent.last == before
        await parent.presses(label)
    await parent.presses("Opnieuw")
    assert parent.last == start_text
    assert "Terug" not in parent.labels


async def test_tree_button_from_an_earlier_question_is_stale(engine):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.presses("School lukt niet")
    first_choice = parent.keyboard[0]
    await parent.presses(first_choice.label)
    current = parent.last
    await parent.presses_id(parent.keyboard[0].id + "-weg")  # a choice no node has
    assert "Deze keuze is verlopen" in parent.received[-2].text
    assert parent.last == current
    await parent.presses_id(first_choice.id)
    assert "Deze keuze is verlopen" in parent.received[-2].text


async def test_free_text_mid_tree_answers_and_offers_to_resume(engine):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.presses("School lukt niet")
    await parent.presses(PATHS[0][0])
    question = parent.last
    await parent.says("wat doet een leerplichtambtenaar")
    assert "Verder met de vragen" in parent.labels
    await parent.presses("Verder met de vragen")
    assert parent.last == question


async def test_restart_in_the_middle_of_the_tree_continues(knowledge, content, tmp_path, database):
    from bot.storage import AsyncStore

    tree, safety, texts = content
    path = max(PATHS, key=len)
    store = await AsyncStore.open(database)
    parent = FakeParent(build_engine(knowledge, tree, safety, texts, store, clock=FakeClock()))
    await parent.says("/start")
    await parent.presses("School lukt niet")
    await parent.presses(path[0])
    await parent.presses(path[1])
    mid = parent.last
    await store.close()

    store = await AsyncStore.open(database)
    again = FakeParent(build_engine(knowledge, tree, safety, texts, store, clock=FakeClock()))
    replies = await again.opens()
    assert "Welkom terug" in replies[0].text and replies[1].text == mid
    for label in path[2:]:
        await again.presses(label)
    assert again.last.startswith(TREE.node(leaf_of(path)).text)
    await store.close()


CRISIS = "mijn zoon zegt dat hij niet meer wil leven"


async def _into_state(parent: FakeParent, state: str) -> None:
    if state == "new":
        return
    await parent.says("/start")
    if state == "asking":
        await parent.presses("Vraag stellen")
    elif state in ("tree", "leaf"):
        await parent.presses("School lukt niet")
        if state == "leaf":
            for label in PATHS[0]:
                await parent.presses(label)
    elif state == "answer":
        await parent.says("wat is een opp")


@pytest.mark.parametrize("state", ["new", "menu", "asking", "tree", "leaf", "answer"])
async def test_crisis_is_answered_first_in_every_state(engine, store, state):
    parent = FakeParent(engine)
    await _into_state(parent, state)
    replies = await parent.says(CRISIS)
    assert len(replies) == 1
    text = replies[0].text
    for number in ("112", "113", "0800-0113", "0800-0432"):  # the suicide help
        assert number in text
    assert parent.labels[0] == "Praat met een mens"
    stored = await store.load("ouder-1")
    assert stored is not None and stored.crisis
    events = [(e.kind, e.topic, e.outcome) for e in await store.events()]
    assert ("crisis", "suicide", None) in events  # the category, never the words


async def test_crisis_mid_tree_keeps_the_place(engine):
    parent = FakeParent(engine)
    await _into_state(parent, "tree")
    question = parent.last
    await parent.says(CRISIS)
    await parent.presses("Verder met de vragen")
    assert parent.last == question


@pytest.mark.parametrize(
    "everyday",
    [
        "ik schrik me dood van die brief",
        "ik ben doodmoe",
        "hij wil dolgraag naar een andere school",
        "ze wil niet meer naar school",
    ],
)
async def test_everyday_speech_is_not_a_crisis(engine, everyday):
    parent = FakeParent(engine)
    await parent.says(everyday)
    assert "112" not in parent.last


async def test_the_route_is_kept_for_a_volunteer(engine, store):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.presses("School lukt niet")
    path = PATHS[0]
    for label in path:
        await parent.presses(label)
    stored = await store.load("ouder-1")
    assert stored is not None and stored.path[-1] == leaf_of(path)
    lines = engine.tree.summary(list(stored.path))
    assert [line.split(" → ")[1] for line in lines] == list(path)
