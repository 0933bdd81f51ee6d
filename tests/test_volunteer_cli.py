"""`ouderlijn volunteer add|list|set|remove` against a real SQLite file."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest

from bot.cli import build_parser
from bot.cli.volunteer import run
from bot.config import Settings, load_settings
from bot.storage.contract import Tx
from bot.storage.sqlite.store import Store
from handoff.model import Summary, Volunteer
from tests.raw_sql import sql_of

T = TypeVar("T")
CODE = re.compile(r"Invite code:\s+([A-Z0-9]{4}-[A-Z0-9]{4})")


@pytest.fixture
def settings(tmp_path) -> Settings:
    return load_settings(env={"OUDERLIJN_DB": str(tmp_path / "x.db")}, cwd=tmp_path)


def cli(settings: Settings, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = run(build_parser().parse_args(["volunteer", *argv]), settings, out)
    return code, out.getvalue()


def in_db(settings: Settings, work: Callable[[Tx], T]) -> T:
    store = Store(settings.db_path)
    try:
        return store.transaction(work)
    finally:
        store.close()


def volunteers(settings: Settings) -> list[Volunteer]:
    return in_db(settings, lambda tx: tx.registry.all_volunteers())


def add_sanne(settings: Settings, *extra: str) -> str:
    code, out = cli(settings, "add", "--name", "Sanne", "--role", "buddy", *extra)
    assert code == 0, out
    match = CODE.search(out)
    assert match, out
    return match.group(1)


def link(settings: Settings, code: str, address: str = "fake:abc") -> Volunteer | None:
    now = datetime.now(UTC)
    return in_db(settings, lambda tx: tx.registry.link(code, address, "fake", now))


def test_add_prints_a_code_that_links_once(settings):
    code, out = cli(
        settings, "add", "--name", "Sanne", "--role", "buddy", "--topics", "Autisme,adhd"
    )
    assert code == 0
    assert "Added volunteer 1: Sanne (buddy)" in out
    invite = CODE.search(out)
    assert invite
    assert f"/aanmelden {invite.group(1)}" in out
    linked = link(settings, invite.group(1))
    assert linked is not None and linked.name == "Sanne"
    assert linked.topics == ("adhd", "autisme") and linked.max_active == 3
    assert link(settings, invite.group(1), "fake:other") is None


def test_list_text_and_json_show_fields_but_no_address(settings):
    link(settings, add_sanne(settings, "--topics", "adhd", "--max", "2"))
    cli(settings, "add", "--name", "Ahmed", "--role", "advisor")
    code, out = cli(settings, "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "ROLE", "TOPICS", "MAX", "ACTIVE", "STATUS", "LINKED"]
    assert lines[1].split() == ["1", "Sanne", "buddy", "adhd", "2", "0", "available", "yes"]
    assert lines[2].split() == ["2", "Ahmed", "advisor", "-", "3", "0", "available", "no"]
    assert "fake:abc" not in out
    code, out = cli(settings, "list", "--json")
    assert code == 0 and "fake:abc" not in out
    rows = json.loads(out)
    assert rows[0] == {
        "id": 1,
        "name": "Sanne",
        "role": "buddy",
        "topics": ["adhd"],
        "max": 2,
        "active": 0,
        "available": True,
        "linked": True,
    }
    assert rows[1]["linked"] is False and rows[1]["topics"] == []


def test_list_empty(settings):
    assert cli(settings, "list", "--json") == (0, "[]\n")
    code, out = cli(settings, "list")
    assert code == 0 and "no volunteers" in out


def test_set_changes_fields_and_availability(settings):
    add_sanne(settings)
    code, out = cli(
        settings, "set", "1", "--name", "Sanne B", "--role", "advisor", "--topics", "dcd",
        "--max", "5", "--away",
    )  # fmt: skip
    assert code == 0, out
    assert "Sanne B" in out and "away" in out
    (after,) = volunteers(settings)
    assert (after.name, after.role, after.topics, after.max_active, after.available) == (
        "Sanne B",
        "advisor",
        ("dcd",),
        5,
        False,
    )
    assert cli(settings, "set", "1", "--available")[0] == 0
    assert volunteers(settings)[0].available is True
    assert cli(settings, "set", "1", "--topics", "")[0] == 0
    assert volunteers(settings)[0].topics == ()


def test_set_new_code_invalidates_the_old_one(settings):
    old = add_sanne(settings)
    code, out = cli(settings, "set", "1", "--new-code", "--invite-days", "2")
    assert code == 0
    new = CODE.search(out)
    assert new and new.group(1) != old
    assert "no longer works" in out
    assert link(settings, old) is None
    assert link(settings, new.group(1)) is not None


@pytest.mark.parametrize(
    "argv, message",
    [
        (["add", "--name", "Sanne", "--role", "buddy", "--topics", "voetbal"], "voetbal"),
        (["add", "--name", "Sanne", "--role", "buddy", "--max", "0"], "--max"),
        (["add", "--name", " ", "--role", "buddy"], "name"),
        (["set", "1", "--topics", "autisme,voetbal"], "allowed: autisme"),
        (["set", "1", "--max", "0"], "--max"),
        (["set", "1", "--name", ""], "name"),
        (["set", "1"], "nothing to change"),
        (["set", "1", "--invite-days", "3"], "--new-code"),
        (["set", "9", "--max", "2"], "no volunteer with id 9"),
        (["set", "9", "--new-code"], "no volunteer with id 9"),
        (["remove", "9"], "no volunteer with id 9"),
    ],
)
def test_refusals_exit_2_and_change_nothing(settings, capsys, argv, message):
    add_sanne(settings)
    before = volunteers(settings)
    capsys.readouterr()
    code, out = cli(settings, *argv)
    assert code == 2 and out == ""
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert volunteers(settings) == before


def test_unknown_role_is_refused_by_the_parser(settings, capsys):
    add_sanne(settings)
    for argv in (["add", "--name", "X", "--role", "boss"], ["set", "1", "--role", "boss"]):
        with pytest.raises(SystemExit) as stop:
            build_parser().parse_args(["volunteer", *argv])
        assert stop.value.code == 2
        assert "invalid choice: 'boss'" in capsys.readouterr().err
    assert [v.role for v in volunteers(settings)] == ["buddy"]


def test_remove_hands_open_conversations_back_to_the_queue(settings):
    link(settings, add_sanne(settings))
    now = datetime.now(UTC)

    def open_conversation(tx):
        handoff = tx.queue.create("fake:parent1", "fake", "buddy", "autisme", None, Summary(), now)
        assert tx.queue.claim(handoff.id, 1, now) is not None
        return handoff.id

    handoff_id = in_db(settings, open_conversation)
    assert volunteers(settings)[0].active == 1
    code, out = cli(settings, "remove", "1")
    assert code == 0
    assert "Removed volunteer 1: Sanne" in out and "1 parent(s)" in out
    assert volunteers(settings) == []

    def check(tx):
        handoff = tx.queue.get(handoff_id)
        assert handoff is not None and handoff.status == "queued"
        rows = sql_of(tx).execute("SELECT address, text FROM outbox").fetchall()
        assert [r[0] for r in rows] == ["fake:parent1"]
        assert "Sanne" in rows[0][1]

    in_db(settings, check)


def test_remove_without_conversations(settings):
    add_sanne(settings)
    code, out = cli(settings, "remove", "1")
    assert code == 0 and "no open conversations" in out
    assert volunteers(settings) == []


def configured(tmp_path, toml: str) -> Settings:
    (tmp_path / "ouderlijn.toml").write_text(toml, encoding="utf-8")
    return load_settings(env={"OUDERLIJN_DB": str(tmp_path / "x.db")}, cwd=tmp_path)


def test_add_uses_the_configured_invite_days(tmp_path):
    settings = configured(tmp_path, "[handoff]\ninvite_days = 2\n")
    code, out = cli(settings, "add", "--name", "Sanne", "--role", "buddy")
    assert code == 0
    until = datetime.now(UTC) + timedelta(days=2)
    assert f"Valid until {until:%Y-%m-%d}" in out

    def expires(tx):
        return sql_of(tx).execute("SELECT invite_expires FROM volunteers").fetchone()[0]

    assert in_db(settings, expires).startswith(f"{until:%Y-%m-%d}")


def test_remove_announces_in_the_helplines_own_time_zone(tmp_path):
    days = "".join(
        f'{d} = "00:00-24:00"\n' for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    )
    settings = configured(tmp_path, f'[helpline.hours]\ntimezone = "America/Curacao"\n{days}')
    link(settings, add_sanne(settings), "fake:sanne")
    _, out = cli(settings, "add", "--name", "Eva", "--role", "buddy")
    match = CODE.search(out)
    assert match
    link(settings, match.group(1), "fake:eva")
    now = datetime.now(UTC)

    def open_conversation(tx):
        handoff = tx.queue.create("fake:parent1", "fake", "buddy", None, None, Summary(), now)
        assert tx.queue.claim(handoff.id, 1, now) is not None

    in_db(settings, open_conversation)
    assert cli(settings, "remove", "1")[0] == 0
    local = now.astimezone(ZoneInfo("America/Curacao"))
    rows = in_db(
        settings, lambda tx: sql_of(tx).execute("SELECT address, text FROM outbox").fetchall()
    )
    to_eva = [text for address, text in rows if address == "fake:eva"]
    assert to_eva and f"{local.hour}.{local.minute:02d}" in to_eva[0]
