"""The `ouderlijn faq` probes, run as a real subprocess like our measurements run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED

ROOT = Path(__file__).resolve().parents[1]


def ouderlijn(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        text=True,
        capture_output=True,
        cwd=cwd,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


def test_check_passes_on_shipped_content():
    done = ouderlijn("faq", "check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("ok: ")


def test_check_fails_with_file_and_line(tmp_path):
    (tmp_path / "kapot.yaml").write_text("- id: test\n  title: [niet af\n", encoding="utf-8")
    done = ouderlijn("faq", "check", env={"OUDERLIJN_FAQ_DIR": str(tmp_path)})
    assert done.returncode == 1
    assert f"{tmp_path}/kapot.yaml:3: YAML syntax" in done.stdout


def test_ask_json_one_object_per_line():
    questions = "wat is een opp\n\nwie wint de tour de france\n😀\n"
    done = ouderlijn("faq", "ask", "--json", stdin=questions)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == 4
    assert rows[0]["answer"] == "opp" and rows[0]["suggestions"] == []
    assert all(set(r) == {"answer", "suggestions", "scores"} for r in rows)
    assert rows[1] == {"answer": None, "suggestions": [], "scores": {}}


def test_ask_readable():
    done = ouderlijn("faq", "ask", "wat", "is", "passend", "onderwijs")
    assert done.returncode == 0
    assert done.stdout.startswith("answer: passend-onderwijs")


def test_export_json_lists_every_entry():
    done = ouderlijn("faq", "export", "--json")
    rows = json.loads(done.stdout)
    assert {"opp", "privacy", "thuiszitten"} <= {r["id"] for r in rows}
    assert all(set(r) == {"id", "questions", "answer"} and len(r["questions"]) >= 5 for r in rows)


def test_eval_prints_the_report(tmp_path):
    tsv = tmp_path / "mini.tsv"
    tsv.write_text(
        "topic\tquestion\nopp\twat is een opp\nnone\twie wint de tour\n", encoding="utf-8"
    )
    done = ouderlijn("faq", "eval", str(tsv))
    assert done.returncode == 0
    assert "top-1 accuracy:        1.000" in done.stdout
    assert "abstention recall:     1.000" in done.stdout


def test_bad_content_stops_ask_with_the_check_messages(tmp_path):
    (tmp_path / "kapot.yaml").write_text("- id: x\n", encoding="utf-8")
    done = ouderlijn(
        "faq", "ask", "--json", stdin="opp\n", env={"OUDERLIJN_FAQ_DIR": str(tmp_path)}
    )
    assert done.returncode == 2
    assert f"{tmp_path}/kapot.yaml:1: missing field 'answer'" in done.stderr


def test_bad_config_is_reported(tmp_path):
    (tmp_path / "ouderlijn.toml").write_text("[matcher]\nanswer_treshold = 0.5\n")
    done = ouderlijn("faq", "ask", "opp", cwd=tmp_path)
    assert done.returncode == 2
    assert "unknown key 'answer_treshold'" in done.stderr


@pytest.mark.skipif(
    not (SHARED / "eval" / "faq_dev.tsv").exists(), reason="shared/eval not present"
)
def test_eval_on_dev_set_runs():
    done = ouderlijn("faq", "eval", str(SHARED / "eval" / "faq_dev.tsv"))
    assert done.returncode == 0 and "top-1 accuracy" in done.stdout
