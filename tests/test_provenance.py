"""Sources, dates and the "Bron:" link: every fact traceable, stale ones found, bad ones caught."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from faq.loader import check_faq
from faq.model import Provenance, RegionalNote, SourceRef
from faq.sources import is_deep_link, months_before, months_between, stale_sources
from tests.test_cli import ouderlijn
from tests.test_content_check import CATALOGUE, GOOD, problems_for, write

SOURCE_ONE = (
    '  sources: [{claim: Het antwoord klopt., url: "https://www.voorbeeld.nl/een", '
    "checked: 2026-11-01}]\n"
)


def provenance_of(tmp_path: Path, content: str = GOOD) -> Provenance:
    entries, problems = check_faq(*write(tmp_path, content))
    assert not problems, problems
    return entries[0].provenance


def test_a_source_keeps_its_claim_link_and_date(tmp_path):
    provenance = provenance_of(tmp_path)
    assert provenance.link == "https://www.voorbeeld.nl/een"
    assert provenance.sources == (
        SourceRef("Het antwoord klopt.", date(2026, 11, 1), url="https://www.voorbeeld.nl/een"),
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("link: https://www.voorbeeld.nl/een", "link: https://www.voorbeeld.nl/", "not a homepage"),
        (
            "link: https://www.voorbeeld.nl/een",
            "link: https://www.voorbeeld.nl/andere",
            "link must also be the url of one of the sources",
        ),
        ("  link: https://www.voorbeeld.nl/een\n", "", "entry 'eerste' needs a 'link'"),
        ("checked: 2026-11-01}]\n  link: https://www.voorbeeld.nl/een", "}]\n  link: x", "checked"),
        ("checked: 2026-11-01", "checked: gisteren", "'checked' must be a date"),
        ('url: "https://www.voorbeeld.nl/een", ', "", "a source needs a 'url', a 'law'"),
        ("claim: Het antwoord klopt., ", "", "a source needs 'claim'"),
        ('url: "https://www.voorbeeld.nl/een"', 'url: "http://www.voorbeeld.nl/een"', "https://"),
        ("checked: 2026-11-01}]", "checked: 2026-11-01, page: 3}]", "unknown field 'page'"),
    ],
)
def test_bad_sources_are_reported_with_the_line(tmp_path, old, new, expected):
    assert old in GOOD
    found = problems_for(tmp_path, GOOD.replace(old, new, 1))
    assert any(
        expected in p and ("a.yaml:1:" in p or "a.yaml:9:" in p or "a.yaml:8:" in p) for p in found
    ), found


def test_an_entry_about_the_helpline_needs_no_sources(tmp_path):
    content = GOOD.replace(SOURCE_ONE + "  link: https://www.voorbeeld.nl/een\n", "")
    assert problems_for(tmp_path, content)  # without the flag: missing sources and link
    flagged = content.replace(
        "  related: [tweede]\n", "  related: [tweede]\n  about_helpline: true\n"
    )
    entries, problems = check_faq(*write(tmp_path, flagged))
    assert problems == [] and entries[0].about_helpline


def test_regional_details_are_kept_apart_with_their_region(tmp_path):
    regional = (
        "  regional:\n"
        "    - region: amsterdam-diemen\n"
        "      text: Hier duurt bezwaar 4 weken.\n"
        "      doc: Ondersteuningsplan 2025-2029\n"
        "      checked: 2026-11-01\n"
    )
    content = GOOD.replace(SOURCE_ONE, SOURCE_ONE + regional, 1)
    provenance = provenance_of(tmp_path, content)
    assert provenance.regional == (
        RegionalNote(
            "amsterdam-diemen",
            "Hier duurt bezwaar 4 weken.",
            SourceRef(
                "Hier duurt bezwaar 4 weken.", date(2026, 11, 1), doc="Ondersteuningsplan 2025-2029"
            ),
        ),
    )
    bad = content.replace("region: amsterdam-diemen", "region: Amsterdam Diemen")
    assert any("must be lower-case words" in p for p in problems_for(tmp_path, bad))


def test_deep_links_only():
    assert is_deep_link("https://www.duo.nl/particulier/leerlingenvervoer.jsp")
    assert not is_deep_link("https://www.duo.nl/")
    assert not is_deep_link("http://www.duo.nl/a")


@pytest.mark.parametrize(
    ("earlier", "later", "months"),
    [
        (date(2025, 12, 3), date(2026, 12, 3), 12),
        (date(2025, 12, 4), date(2026, 12, 3), 11),
        (date(2026, 1, 31), date(2026, 3, 1), 1),
    ],
)
def test_months_between_counts_whole_months(earlier, later, months):
    assert months_between(earlier, later) == months


def item(checked: date) -> tuple[str, str, int, Provenance]:
    ref = SourceRef("Een feit.", checked, url="https://www.voorbeeld.nl/a")
    return ("a.yaml", "eerste", 1, Provenance((ref,), ref.url))


def test_a_source_older_than_the_limit_is_a_warning():
    today = date(2026, 12, 3)
    assert stale_sources([item(date(2025, 12, 3))], today, 12) == []
    warnings = stale_sources([item(date(2025, 12, 2))], today, 12)
    assert len(warnings) == 1 and "12 months ago, limit 12" in warnings[0].message
    assert stale_sources([item(date(2025, 12, 2))], today, 24) == []


def test_a_checked_date_in_the_future_is_a_warning():
    warnings = stale_sources([item(date(2027, 1, 1))], date(2026, 12, 3))
    assert len(warnings) == 1 and "a day still to come" in warnings[0].message


def cli_content(tmp_path: Path, content: str) -> dict[str, str]:
    content_dir, catalogue = write(tmp_path, content, CATALOGUE)
    return {"OUDERLIJN_FAQ_DIR": str(content_dir), "OUDERLIJN_FAQ_CATALOGUE": str(catalogue)}


def test_faq_check_warns_about_old_sources_but_passes(tmp_path):
    old = GOOD.replace("checked: 2026-11-01", "checked: 2020-01-01")
    env = cli_content(tmp_path, old)
    done = ouderlijn("faq", "check", env=env)
    assert "warning:" in done.stdout and "last checked 2020-01-01" in done.stdout
    assert done.returncode == 0 and "problem(s)" not in done.stdout, done.stdout


def test_faq_check_fails_on_an_entry_without_sources(tmp_path):
    env = cli_content(tmp_path, GOOD.replace(SOURCE_ONE, ""))
    done = ouderlijn("faq", "check", env=env)
    assert done.returncode == 1 and "entry 'eerste' has no 'sources'" in done.stdout


def test_faq_check_max_age_flag_and_config(tmp_path):
    dated = GOOD.replace("checked: 2026-11-01", "checked: 2026-01-01")
    env = cli_content(tmp_path, dated)
    assert "warning:" not in ouderlijn("faq", "check", "--max-age-months", "60", env=env).stdout
    assert "limit 1)" in ouderlijn("faq", "check", "--max-age-months", "1", env=env).stdout
    config = tmp_path / "ouderlijn.toml"
    config.write_text("[faq]\nsource_max_age_months = 2\n", encoding="utf-8")
    done = ouderlijn("faq", "check", env={**env, "OUDERLIJN_CONFIG": str(config)})
    assert "limit 2)" in done.stdout


def test_faq_sources_lists_every_shipped_claim_with_its_date():
    done = ouderlijn("faq", "sources", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert {"kind", "id", "region", "claim", "url", "law", "doc", "checked", "shown"} == set(
        rows[0]
    )
    kinds = {row["kind"] for row in rows}
    assert kinds == {"faq", "tree"}
    shown = {(row["kind"], row["id"]) for row in rows if row["shown"] == "yes"}
    leaves = {(row["kind"], row["id"]) for row in rows}
    assert shown == leaves, "every sourced item shows exactly one of its pages as 'Bron:'"
    assert all(date.fromisoformat(row["checked"]) <= date.today() for row in rows)
    table = ouderlijn("faq", "sources").stdout
    assert "verzuim-melden" in table and "onderwijsinspectie.nl" in table


def test_months_before_clamps_to_the_end_of_a_month():
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 12, 3), 12) == date(2025, 12, 3)


def test_tree_check_warns_by_the_configured_age(tmp_path):
    from faq.decision_tree import DEFAULT_TREE

    tree = tmp_path / "tree.yaml"
    tree.write_text(
        re.sub(r"checked: \d{4}-\d{2}-\d{2}", "checked: 2020-01-01", DEFAULT_TREE.read_text()),
        encoding="utf-8",
    )
    default = ouderlijn("tree", "check", "--file", str(tree))
    assert default.returncode == 0 and "limit 12)" in default.stdout
    config = tmp_path / "ouderlijn.toml"
    config.write_text("[faq]\nsource_max_age_months = 1200\n", encoding="utf-8")
    relaxed = ouderlijn("tree", "check", "--file", str(tree), env={"OUDERLIJN_CONFIG": str(config)})
    assert relaxed.returncode == 0 and "warning:" not in relaxed.stdout
