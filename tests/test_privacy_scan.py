"""The privacy scan on a realistic conversation (FAQ, handoff, relay, review item) on both
backends finds nothing; a leak planted on purpose (text in events, an id in a log) is found."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.storage.raw import sql_of
from tests.db_inspect import rows
from tests.privacy_scan import RULES, Secrets, leaks, mask
from tests.test_web_console import talking
from tests.web_world import WebWorld

ASKED = "mag Wendelmoed haar hulphond meenemen naar de klas"  # no answer: a review item
TOLD = "Wendelmoed zit sinds de herfstvakantie thuis van school"  # relayed to the volunteer
SAID = "Vertel, hoe gaat het met Wendelmoed thuis op dit moment?"  # the volunteer's words
NOTE = "Wendelmoed: thuiszitter, moeder graag terugbellen"


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """Everything the bot logs during the test (DEBUG and up), in a file as in production."""
    path = tmp_path / "ouderlijn.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.setLevel(old_level)
    handler.close()


async def conversation(world: WebWorld) -> tuple[Secrets, list[tuple[str, str]]]:
    """A parent asks the FAQ, joins the queue, talks with a volunteer (relay both ways, a note),
    asks something the bot cannot answer; a coordinator opens the dashboard. Returns the
    secrets and the coordinator's pages (surfaces that must hold none of them)."""
    eva, parent, handoff = await talking(world)
    await eva.act("say", handoff=handoff, text=SAID)
    await parent.says(TOLD)
    await eva.act("note", handoff=handoff, text=NOTE)
    await eva.act("action", action="close", handoff=handoff)
    await eva.desk(button=f"v:close:{handoff}:")
    await eva.act("press", id=f"v:close:{handoff}:advice")
    sure = await eva.desk(button="v:close!:")
    await eva.act("press", id=sure["buttons"][0]["id"])
    await world.settled()
    await parent.messages()
    await parent.says(ASKED)
    await parent.says("wat is een opp")
    await parent.presses("fb:n:opp")
    await world.settled()
    assert rows(world.database, "SELECT count(*) FROM review_items")[0][0] >= 1
    assert rows(world.database, "SELECT count(*) FROM handoff_messages")[0][0] >= 2
    carla = await world.volunteer("Carla", "coordinator")
    pages = []
    for path in ("/dashboard", "/dashboard/vragen", "/dashboard/api/stats"):
        response = await carla.client.get(f"{world.url}{path}")
        assert response.status == 200, path
        pages.append((f"page {path}", await response.text()))
    secrets = Secrets(
        message_texts=(ASKED, TOLD, SAID, NOTE),
        pseudonyms=(parent.address,),
        platform_ids=(parent.token,),
    )
    return secrets, pages


async def test_a_realistic_conversation_leaves_nothing_where_it_must_not_be(web_world, log_file):
    secrets, pages = await conversation(web_world)
    logging.getLogger("bot").info("scan marker")  # the file is really written
    assert "scan marker" in log_file.read_text(encoding="utf-8")
    found = leaks(web_world.database, [log_file], secrets, content=web_world.content, extra=pages)
    assert found == []
    # the scan looks where the words are allowed too: they are there, so it could see them
    assert rows(web_world.database, "SELECT count(*) FROM transcript")[0][0] > 0


async def test_a_planted_leak_is_found_and_named_without_the_secret(web_world, log_file):
    secrets, pages = await conversation(web_world)
    hour = rows(web_world.database, "SELECT max(hour) FROM events")[0][0]
    planted = (
        "INSERT INTO events (hour, kind, topic, outcome, channel, category, minutes, volunteer, n) "
        "VALUES (?, 'faq', ?, '', 'web', '', -1, -1, 1)"
    )
    await web_world.store.transaction(lambda tx: sql_of(tx).execute(planted, [hour, TOLD]))
    logging.getLogger("bot.channels").warning("delivery failed for %s", secrets.platform_ids[0])
    found = leaks(web_world.database, [log_file], secrets, content=web_world.content, extra=pages)
    assert f"events.topic: text {mask(TOLD)}" in found
    assert f"log ouderlijn.log: platform_id {mask(secrets.platform_ids[0])}" in found
    assert not any(TOLD in f or secrets.platform_ids[0] in f for f in found)  # masked

    # a volunteer's name holding a parent's words shows in the coordinators' statistics too
    rename = "UPDATE volunteers SET name = ? WHERE name = 'Eva'"
    await web_world.store.transaction(lambda tx: sql_of(tx).execute(rename, [TOLD]))
    found = leaks(web_world.database, [], secrets, content=web_world.content)
    assert f"volunteers.name: text {mask(TOLD)}" in found
    assert f"stats csv volunteers: text {mask(TOLD)}" in found, found


def test_a_new_table_is_unknown_until_classified(tmp_path):
    import sqlite3

    db = tmp_path / "new.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE parent_notes (address TEXT, body TEXT)")
        conn.execute("INSERT INTO parent_notes VALUES ('web:abcdefgh1234', 'een lange zin hier')")
    from tests.privacy_scan import scan_database

    secrets = Secrets(("een lange zin hier",), ("web:abcdefgh1234",), ("4815162342",))
    found = scan_database(db, secrets)
    assert "unknown table parent_notes: classify it in tests/privacy_scan.py RULES" in found
    assert "parent_notes.address: pseudonym web…(16)" in found
    assert "parent_notes.body: text een…(18)" in found
    assert "parent_notes" not in RULES


def test_numbers_match_whole_and_short_secrets_are_refused():
    from tests.privacy_scan import scan_texts

    secrets = Secrets((), (), ("4815162342",))
    assert scan_texts([("log", "took 48151623421 ms")], secrets) == []
    assert scan_texts([("log", "chat=4815162342.")], secrets) == ["log: platform_id 481…(10)"]
    with pytest.raises(ValueError, match="too short"):
        Secrets(("kort",), (), ())
