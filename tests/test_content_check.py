"""`faq check` catches every kind of content error, with file and line (broken fixtures)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from faq.loader import check_faq, load_faq
from faq.model import ContentError

GOOD = """\
- id: eerste
  title: Eerste vraag
  questions: [vraag een, vraag twee, vraag drie, vraag vier, vraag vijf]
  keywords: [een]
  answer: Dit is het antwoord.
  steps: [Bel ons.]
  related: [tweede]
  sources: [{claim: Het antwoord klopt., url: "https://www.voorbeeld.nl/een", checked: 2026-11-01}]
  link: https://www.voorbeeld.nl/een
- id: tweede
  title: Tweede vraag
  questions: [ander een, ander twee, ander drie, ander vier, ander vijf]
  keywords: [twee]
  answer: Nog een antwoord.
  steps: [Mail ons.]
  related: [eerste]
  sources: [{claim: Ook dit klopt., url: "https://www.voorbeeld.nl/twee", checked: 2026-11-01}]
  link: https://www.voorbeeld.nl/twee
  offer_person: true
"""

CATALOGUE = "required_ids: [eerste, tweede]\nmust_offer_person: [tweede]\n"


def write(tmp_path: Path, content: str, catalogue: str = CATALOGUE) -> tuple[Path, Path]:
    content_dir = tmp_path / "content"
    content_dir.mkdir(exist_ok=True)
    (content_dir / "a.yaml").write_text(textwrap.dedent(content), encoding="utf-8")
    (tmp_path / "catalogue.yaml").write_text(catalogue, encoding="utf-8")
    return content_dir, tmp_path / "catalogue.yaml"


def problems_for(tmp_path: Path, content: str, catalogue: str = CATALOGUE) -> list[str]:
    content_dir, cat = write(tmp_path, content, catalogue)
    return [str(p) for p in check_faq(content_dir, cat)[1]]


def test_valid_fixture_loads(tmp_path):
    faq = load_faq(*write(tmp_path, GOOD))
    assert [e.id for e in faq.entries] == ["eerste", "tweede"]
    assert faq.by_id["tweede"].offer_person is True
    assert faq.by_id["eerste"].line == 1 and faq.by_id["tweede"].line == 10


def test_yaml_syntax_error_has_line(tmp_path):
    broken = GOOD.replace("  keywords: [twee]", "  keywords: [twee")
    found = problems_for(tmp_path, broken)
    assert len(found) == 1, "a syntax error must not drown in follow-up problems"
    assert "a.yaml:14: YAML syntax" in found[0]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("  keywords: [een]", "  keywords: [een]\n  colour: blue"),
            "a.yaml:5: unknown field 'colour'",
        ),
        (
            (
                '  sources: [{claim: Het antwoord klopt., url: "https://www.voorbeeld.nl/een", '
                "checked: 2026-11-01}]\n",
                "",
            ),
            "a.yaml:1: entry 'eerste' has no 'sources'",
        ),
        (("- id: tweede", "- id: eerste"), "duplicate id 'eerste'"),
        (("ander vijf]", "ander vijf, 'Vraag een?']"), "duplicate phrasing 'Vraag een?'"),
        (("related: [tweede]", "related: [derde]"), "a.yaml:1: related id 'derde' does not exist"),
        (
            ("answer: Dit is het antwoord.", "answer: ''"),
            "a.yaml:5: field 'answer' must be non-empty",
        ),
        (
            ("answer: Dit is het antwoord.", "answer: " + "lang " * 200),
            "answer is 999 characters; the limit is 700",
        ),
        (("vraag vier, vraag vijf]", "vraag vier]"), "a.yaml:3: 4 questions"),
        (
            ("  keywords: [een]", "  keywords: [een]\n  keywords: [twee]"),
            "a.yaml:5: duplicate field 'keywords'",
        ),
        (("id: eerste", "id: Eerste Vraag"), "must be lower-case words"),
        (("  offer_person: true", "  offer_person: misschien"), "must be true or false"),
        (("  offer_person: true\n", ""), "entry 'tweede' must have 'offer_person: true'"),
    ],
)
def test_each_error_kind_is_reported_with_location(tmp_path, change, expected):
    old, new = change
    assert old in GOOD
    found = problems_for(tmp_path, GOOD.replace(old, new))
    assert any(expected in p for p in found), found


def test_missing_catalogue_id_points_at_catalogue_line(tmp_path):
    catalogue = "required_ids:\n  - eerste\n  - tweede\n  - derde\n"
    found = problems_for(tmp_path, GOOD, catalogue)
    assert any(p.endswith("catalogue.yaml:4: catalogue id 'derde' has no FAQ entry") for p in found)


def test_top_level_must_be_a_list(tmp_path):
    found = problems_for(tmp_path, "id: eerste\n")
    assert found == [
        f"{tmp_path}/content/a.yaml:1: the file must be a list of entries ('- id: ...')"
    ]


def test_empty_content_dir_is_an_error(tmp_path):
    (tmp_path / "leeg").mkdir()
    _, found = check_faq(tmp_path / "leeg", None)
    assert "no FAQ content files" in str(found[0])


def test_not_utf8_is_reported(tmp_path):
    content_dir, cat = write(tmp_path, GOOD)
    (content_dir / "b.yaml").write_bytes(b"- id: \xff\xfe\n")
    found = [str(p) for p in check_faq(content_dir, cat)[1]]
    assert any("b.yaml:1: cannot read file" in p for p in found)


def test_load_faq_raises_with_all_problems(tmp_path):
    broken = GOOD.replace("related: [tweede]", "related: [derde]").replace(
        "- id: tweede", "- id: eerste"
    )
    with pytest.raises(ContentError) as caught:
        load_faq(*write(tmp_path, broken))
    message = str(caught.value)
    assert "related id 'derde'" in message and "duplicate id 'eerste'" in message
