"""`ouderlijn chat`, `tree` and `safety` as real subprocesses on a real SQLite file."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

from faq.decision_tree import DEFAULT_TREE
from tests.test_cli import ouderlijn


def test_chat_script_then_restart_continues(tmp_path):
    env = {"OUDERLIJN_DB": str(tmp_path / "gesprek.db")}
    first = ouderlijn("chat", stdin="2\n1\n", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Welkom bij Ouderlijn" in first.stdout
    assert "[1] Vraag stellen" in first.stdout
    assert "Hoe lang gaat uw kind al niet naar school?" in first.stdout
    again = ouderlijn("chat", stdin="wat is een opp\n", env=env, cwd=tmp_path)
    assert "Welkom terug" in again.stdout
    assert again.stdout.index("Welkom terug") < again.stdout.index("Hoe lang gaat uw kind")
    assert "Wat is een OPP?" in again.stdout


def test_chat_uses_ouderlijn_db_in_working_directory_by_default(tmp_path):
    done = ouderlijn("chat", stdin="/start\n", cwd=tmp_path)
    assert done.returncode == 0
    assert (tmp_path / "ouderlijn.db").exists()


def test_old_transcripts_are_removed_at_start(tmp_path):
    env = {"OUDERLIJN_DB": str(tmp_path / "oud.db"), "OUDERLIJN_RETENTION_DAYS": "7"}
    ouderlijn("chat", stdin="mijn dochter wordt gepest\n", env=env, cwd=tmp_path)
    old = (datetime.now(UTC) - timedelta(days=8)).isoformat(timespec="microseconds")
    with sqlite3.connect(tmp_path / "oud.db") as conn:
        conn.execute("UPDATE transcript SET at = ?", (old,))
    ouderlijn("chat", stdin="", env=env, cwd=tmp_path)
    with sqlite3.connect(tmp_path / "oud.db") as conn:
        texts = [row[0] for row in conn.execute("SELECT text FROM transcript")]
    assert "mijn dochter wordt gepest" not in texts


def test_tree_check_and_diagram(tmp_path):
    done = ouderlijn("tree", "check")
    assert done.returncode == 0 and done.stdout.startswith("ok: ")
    diagram = ouderlijn("tree", "diagram", "--output", "-")
    assert diagram.stdout == DEFAULT_TREE.with_suffix(".mmd").read_text(encoding="utf-8")


def test_tree_check_reports_broken_tree(tmp_path):
    broken = tmp_path / "boom.yaml"
    broken.write_text(
        "id: x\ntitle: X\nstart: a\nnodes:\n  a:\n    text: Vraag?\n"
        "    choices:\n      - {label: Ja, next: b}\n      - {label: Nee, next: c}\n",
        encoding="utf-8",
    )
    done = ouderlijn("tree", "check", "--file", str(broken))
    assert done.returncode == 1
    assert f"{broken}:8:" in done.stdout


def test_safety_check_json():
    done = ouderlijn(
        "safety",
        "check",
        "--json",
        stdin=(
            "ik schrik me dood\nmijn dochter praat over zelfmoord\n"
            "haar stiefvader slaat haar\nik kan niet meer, ik ben op\n\n"
        ),
    )
    assert [json.loads(line) for line in done.stdout.splitlines()] == [
        {"crisis": False, "category": None},
        {"crisis": True, "category": "suicide"},
        {"crisis": True, "category": "harm"},
        {"crisis": False, "category": "distress"},
        {"crisis": False, "category": None},
    ]
