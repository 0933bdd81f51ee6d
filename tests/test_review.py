"""The review of unanswered questions: what is stored (scrubbed, only what the bot could not
answer), grouped, learned with a coordinator's approval, and erased with the parent."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.app import Wiring, default_settings
from bot.review.grouping import group_items
from bot.storage import AsyncStore
from bot.storage.records import ReviewItem
from bot.testing.fakes import FakeChannel, FakeClock, Helpline
from faq.content_check import check_content
from faq.knowledge import KnowledgeSources
from faq.loader import DEFAULT_CONTENT_DIR
from faq.matcher import Outcome

QUESTION = "mag mijn kind een hulphond meenemen naar de klas"


@pytest.fixture
async def world(tmp_path):
    """A helpline whose FAQ content is a copy the test may change."""
    content = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, content)
    settings = replace(
        default_settings(),
        db_path=tmp_path / "ouderlijn.db",
        knowledge=replace(KnowledgeSources(), content_dir=content),
    )
    store = await AsyncStore.open(settings.db_path)
    clock = FakeClock()
    service = Wiring(settings, clock=clock).service(store)
    line = Helpline(service.engine, FakeChannel(service.engine), clock)
    yield line, service, settings
    await store.close()


async def items_of(line: Helpline) -> list[ReviewItem]:
    return await line.engine.store.read(lambda tx: tx.review.open_items())


async def test_an_unanswered_question_is_stored_scrubbed(world):
    line, _, _ = world
    parent = line.parent()
    await parent.says(
        "Mijn zoon Daan de Vries (groep 6) wil een hulphond mee naar de klas, bel 06-12345678"
    )
    assert "Dat weet ik helaas niet" in parent.last
    [item] = await items_of(line)
    assert item.kind == "no_match"
    assert "Daan" not in item.text and "Vries" not in item.text and "12345678" not in item.text
    assert "[NAAM]" in item.text and "[TELEFOON]" in item.text and "hulphond" in item.text


async def test_answered_questions_are_not_stored_but_a_thumbs_down_is(world):
    line, _, _ = world
    parent = line.parent()
    await parent.says("wat is een opp")
    assert await items_of(line) == []
    await parent.presses("👎 Nee")
    [item] = await items_of(line)
    assert (item.kind, item.entry, item.text) == ("not_helped", "opp", "wat is een opp")


async def test_a_suggestion_taken_after_all_leaves_no_item(world):
    line, _, _ = world
    parent = line.parent()
    await parent.says("dyslexie")  # one word: the bot offers suggestions
    [item] = await items_of(line)
    assert (item.kind, item.entry) == ("suggestions", "dyslexie-in-de-klas")
    await parent.says("zorg")  # suggestions again, and this time the parent takes one
    await parent.presses(parent.labels[0])
    assert [i.text for i in await items_of(line)] == ["dyslexie"]


async def test_a_coordinator_adds_a_phrasing_and_the_bot_answers_it_at_once(world):
    line, service, settings = world
    parent = line.parent()
    await parent.says(QUESTION)
    assert service.engine.parents.matcher.match(QUESTION).outcome is Outcome.NOTHING
    [group] = await service.review.groups()
    outcome = await service.review.add_phrasing(
        group.item_ids, "extra-ondersteuning", group.text, 7, "Coördinator Ria"
    )
    assert outcome.ok, outcome.problems
    found = service.engine.parents.matcher.match(QUESTION)
    assert found.outcome is Outcome.ANSWER and found.answer.id == "extra-ondersteuning"
    await parent.says(QUESTION)  # the parent asking again now gets the answer
    assert "Dat weet ik helaas niet" not in parent.last
    assert await items_of(line) == []
    written = (settings.knowledge.content_dir / "rechten-en-ondersteuning.yaml").read_text()
    assert f"    - {QUESTION}\n" in written
    assert check_content(settings.knowledge).problems == []
    [entry] = await line.engine.store.read(lambda tx: tx.review.audit_log())
    assert (entry.actor_name, entry.action, entry.entry) == (
        "Coördinator Ria",
        "phrasing_added",
        "extra-ondersteuning",
    )


async def test_a_phrasing_that_fails_faq_check_is_refused_and_nothing_changes(world):
    line, service, settings = world
    before = {p.name: p.read_text() for p in settings.knowledge.content_dir.glob("*.yaml")}
    duplicate = await service.review.add_phrasing([], "opp", "Wat is een OPP?", 7, "Ria")
    empty = await service.review.add_phrasing([], "opp", "  [NAAM]  ", 7, "Ria")
    unknown = await service.review.add_phrasing([], "bestaat-niet", "een vraag", 7, "Ria")
    assert not duplicate.ok and "duplicate phrasing" in " ".join(duplicate.problems)
    assert not empty.ok and not unknown.ok
    after = {p.name: p.read_text() for p in settings.knowledge.content_dir.glob("*.yaml")}
    assert after == before
    assert await line.engine.store.read(lambda tx: tx.review.audit_log()) == []


async def test_marking_handled_hides_the_group_and_is_audited(world):
    line, service, _ = world
    await line.parent().says(QUESTION)
    await line.parent().says("mag mijn dochter haar hulphond meenemen in de klas")
    [group] = await service.review.groups()
    assert group.size == 2 and group.kinds == ("no_match",)
    assert await service.review.mark_handled(group.item_ids, 7, "Ria") == 2
    assert await service.review.groups() == []
    assert [e.action for e in await service.review.audit()] == ["marked_handled"]


async def test_review_items_go_with_retention_and_with_vergeet(world):
    line, _, settings = world
    stays, leaves = line.parent(), line.parent()
    await stays.says(QUESTION)
    await leaves.says("hulphond in de klas voor mijn zoon, mag dat")
    await leaves.says("/vergeet")
    await leaves.presses("Ja, alles wissen")
    assert [i.text for i in await items_of(line)] == [QUESTION]
    line.clock.advance(days=31)
    await line.engine.store.purge_transcripts(line.clock.now - timedelta(days=30))
    with sqlite3.connect(settings.db_path) as db:
        assert db.execute("SELECT count(*) FROM review_items").fetchone() == (0,)
        assert db.execute("SELECT sum(n) FROM events WHERE kind = 'faq'").fetchone()[0] >= 2


def test_grouping_puts_similar_questions_together():
    def item(i: int, text: str, entry: str | None = None) -> ReviewItem:
        from datetime import UTC, datetime

        return ReviewItem(i, "no_match", text, entry, "open", datetime(2026, 12, 1, tzinfo=UTC))

    groups = group_items(
        [
            item(1, "mag mijn kind een hulphond meenemen naar school"),
            item(2, "kind hulphond mee naar school mag dat"),
            item(3, "wanneer is de cito toets in groep 8", "doorstroomtoets"),
            item(4, "Mag mijn kind een hulphond meenemen naar school?"),
        ]
    )
    assert [(g.key, g.size) for g in groups] == [(1, 3), (3, 1)]
    assert groups[1].entry == "doorstroomtoets"


async def test_a_question_a_colleague_handled_meanwhile_is_not_added(world):
    line, service, settings = world
    await line.parent().says(QUESTION)
    [group] = await service.review.groups()
    before = (settings.knowledge.content_dir / "rechten-en-ondersteuning.yaml").read_text()
    await service.review.mark_handled(group.item_ids, 8, "Kees")
    late = await service.review.add_phrasing(
        group.item_ids, "extra-ondersteuning", group.text, 7, "Ria"
    )
    assert not late.ok and "no longer open" in late.problems[0]
    after = (settings.knowledge.content_dir / "rechten-en-ondersteuning.yaml").read_text()
    assert after == before


async def test_personal_data_typed_into_a_phrasing_is_refused(world):
    _, service, settings = world
    before = {p.name: p.read_text() for p in settings.knowledge.content_dir.glob("*.yaml")}
    typed = await service.review.add_phrasing(
        [],
        "privacy",
        "ik ben sophie de jong, mail sophie@example.nl, wissen jullie alles",
        7,
        "Ria",
    )
    assert not typed.ok and typed.problems == ("the phrasing contains personal data",)
    hidden = await service.review.add_phrasing(
        [], "extra-ondersteuning", "mag mijn kind\x00 een hulphond\u202e meenemen [NAAM]", 7, "Ria"
    )
    assert hidden.ok
    after = {p.name: p.read_text() for p in settings.knowledge.content_dir.glob("*.yaml")}
    changed = [name for name in after if after[name] != before[name]]
    assert changed == ["rechten-en-ondersteuning.yaml"]
    assert "    - mag mijn kind een hulphond meenemen\n" in after[changed[0]]
    assert [e.detail for e in await service.review.audit()] == [
        "mag mijn kind een hulphond meenemen"
    ]


async def test_a_thumbs_down_on_a_related_entry_does_not_blame_the_typed_question(world):
    line, _, _ = world
    parent = line.parent()
    await parent.says("wat is een opp")
    related = next(label for label in parent.labels if "OPP" in label and "Wat is" not in label)
    await parent.presses(related)
    await parent.presses("👎 Nee")
    assert await items_of(line) == []


def test_a_questions_line_inside_an_answer_is_not_mistaken_for_the_list():
    from faq.phrasing import insert_phrasing

    text = (
        "- id: voorbeeld\n"
        "  answer: |\n"
        "    questions:\n"
        "    Dit is tekst.\n"
        "  questions:\n"
        "    - eerste vraag\n"
        "  steps: []\n"
    )
    changed = insert_phrasing(text, "voorbeeld", "nieuwe vraag")
    assert changed.splitlines()[5:7] == ["    - eerste vraag", "    - nieuwe vraag"]
    assert changed.splitlines()[2:4] == ["    questions:", "    Dit is tekst."]
