"""The decision tree: the shipped tree is sound, broken fixtures are caught with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from faq.decision_tree import (
    DEFAULT_TREE,
    PERSONS,
    Choice,
    DecisionTree,
    TreeNode,
    check_tree,
    load_tree,
)
from faq.loader import load_faq
from faq.model import ContentError
from faq.tree_diagram import to_mermaid

DIAGRAM = DEFAULT_TREE.with_suffix(".mmd")

GOOD = """\
id: proef
title: Proefboom
start: begin
nodes:
  begin:
    text: Wat speelt er?
    choices:
      - label: Thuis
        next: thuis
      - label: Hulp
        next: hulp
  hulp:
    text: Welke hulp?
    choices:
      - label: Weinig
        next: blad-a
      - label: Geen
        next: blad-b
  thuis:
    text: Uw kind zit thuis.
    steps: [Bel de school.]
    faq: [thuiszitten]
    person: advisor
    sources: [{claim: Dit klopt., url: "https://www.voorbeeld.nl/a", checked: 2026-11-01}]
    link: https://www.voorbeeld.nl/a
  blad-a:
    text: Er is weinig hulp.
    steps: [Vraag een gesprek., Vraag om een plan.]
    faq: [opp]
    person: either
    sources: [{claim: Dit klopt., url: "https://www.voorbeeld.nl/a", checked: 2026-11-01}]
    link: https://www.voorbeeld.nl/a
  blad-b:
    text: Er is geen hulp.
    steps: [Vraag om een OT.]
    faq: [ondersteuningsteam, opp]
    person: buddy
    sources: [{claim: Dit klopt., url: "https://www.voorbeeld.nl/a", checked: 2026-11-01}]
    link: https://www.voorbeeld.nl/a
"""

FAQ_IDS = {"thuiszitten", "opp", "ondersteuningsteam"}

EXTRA_LEAF = """\
  extra:
    text: Nog een antwoord.
    steps: [Bel ons.]
    faq: [opp]
    person: buddy
    sources: [{claim: Dit klopt., url: "https://www.voorbeeld.nl/a", checked: 2026-11-01}]
    link: https://www.voorbeeld.nl/a
"""

DEAD_END_CHANGE = (
    "next: blad-a\n      - label: Geen\n        next: blad-b",
    "next: hulp\n      - label: Geen\n        next: hulp",
)

DUPLICATE_THUIS = EXTRA_LEAF.replace("extra:", "thuis:")


@pytest.fixture(scope="module")
def real_faq_ids() -> set[str]:
    return {entry.id for entry in load_faq().entries}


def write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "tree.yaml"
    path.write_text(content, encoding="utf-8")
    return path


def problems_for(tmp_path: Path, content: str, faq_ids: set[str] | None = FAQ_IDS) -> list[str]:
    path = write(tmp_path, content)
    tree, problems = check_tree(path, faq_ids)
    assert tree is None or not problems
    assert all(p.path == str(path) for p in problems)
    return [str(p) for p in problems]


def reachable(tree: DecisionTree) -> set[str]:
    seen, todo = {tree.start}, [tree.start]
    while todo:
        for choice in tree.node(todo.pop()).choices:
            if choice.next not in seen:
                seen.add(choice.next)
                todo.append(choice.next)
    return seen


# --- the shipped tree ------------------------------------------------------------------------


def test_shipped_tree_loads_with_the_real_faq_ids(real_faq_ids):
    tree = load_tree(DEFAULT_TREE, real_faq_ids)
    assert tree.id == "school-lukt-niet"
    assert tree.start == "start" and not tree.node("start").is_leaf
    assert tree.source_file == str(DEFAULT_TREE)


def test_every_node_and_leaf_of_the_shipped_tree_is_reachable():
    tree = load_tree()
    assert reachable(tree) == set(tree.nodes)
    assert any(node.is_leaf for node in tree.nodes.values())


def test_every_shipped_leaf_has_steps_faq_ids_and_a_person(real_faq_ids):
    leaves = [node for node in load_tree().nodes.values() if node.is_leaf]
    for leaf in leaves:
        assert 1 <= len(leaf.steps) <= 4, leaf.id
        assert leaf.faq and set(leaf.faq) <= real_faq_ids, leaf.id
        assert leaf.person in PERSONS, leaf.id


def test_every_shipped_question_has_two_to_six_short_choices():
    for node in load_tree().nodes.values():
        if not node.is_leaf:
            assert 2 <= len(node.choices) <= 6, node.id
            assert all(len(choice.label) <= 40 for choice in node.choices), node.id


def test_committed_diagram_is_up_to_date():
    hint = (
        'regenerate with: .venv/bin/python -c "from faq.decision_tree import load_tree, '
        "DEFAULT_TREE; from faq.tree_diagram import to_mermaid; DEFAULT_TREE.with_suffix('.mmd')"
        ".write_text(to_mermaid(load_tree()), encoding='utf-8')\""
    )
    assert DIAGRAM.read_text(encoding="utf-8") == to_mermaid(load_tree()), hint


# --- the model -------------------------------------------------------------------------------


def test_good_fixture_loads_with_lines_and_parents(tmp_path):
    tree = load_tree(write(tmp_path, GOOD), FAQ_IDS)
    assert list(tree.nodes) == ["begin", "hulp", "thuis", "blad-a", "blad-b"]
    assert tree.node("hulp").line == 12
    assert tree.node("begin").choices[0] == Choice("Thuis", "thuis", 8)
    leaf = tree.node("blad-a")
    assert leaf.is_leaf and leaf.steps == ("Vraag een gesprek.", "Vraag om een plan.")
    assert leaf.faq == ("opp",) and leaf.person == "either"
    assert tree.parents("blad-b") == ["hulp"]
    assert tree.parents("begin") == []
    with pytest.raises(KeyError):
        tree.node("bestaat-niet")


def test_faq_ids_are_not_checked_without_a_list(tmp_path):
    content = GOOD.replace("faq: [opp]", "faq: [bestaat-niet]")
    assert problems_for(tmp_path, content, None) == []


# --- broken fixtures -------------------------------------------------------------------------


def test_yaml_syntax_error_has_line(tmp_path):
    found = problems_for(tmp_path, GOOD.replace("text: Welke hulp?", "text: [Welke hulp?"))
    assert len(found) == 1, "a syntax error must not drown in follow-up problems"
    assert "tree.yaml:13: YAML syntax" in found[0]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            ("next: blad-b", "next: blad-c"),
            "tree.yaml:17: choice 'Geen' leads to unknown node 'blad-c'",
            id="unknown-next",
        ),
        pytest.param(
            DEAD_END_CHANGE,
            "tree.yaml:12: dead end: no answer can be reached from 'hulp'",
            id="dead-end",
        ),
        pytest.param(
            ("next: blad-b", "next: begin"),
            "tree.yaml:17: cycle: begin → hulp → begin",
            id="cycle",
        ),
        pytest.param(
            ("next: blad-b", "next: hulp"),
            "tree.yaml:17: cycle: hulp → hulp",
            id="self-loop",
        ),
        pytest.param(
            ("    text: Welke hulp?\n", ""),
            "tree.yaml:12: node 'hulp': missing field 'text'",
            id="missing-text",
        ),
        pytest.param(
            ("text: Welke hulp?", "text: '  '"),
            "tree.yaml:13: text of node 'hulp' must be non-empty text",
            id="empty-text",
        ),
        pytest.param(
            ("    steps: [Bel de school.]\n", ""),
            "tree.yaml:19: node 'thuis' is an answer (no 'choices'): missing field 'steps'",
            id="leaf-without-steps",
        ),
        pytest.param(
            ("steps: [Bel de school.]", "steps: [een, twee, drie, vier, vijf]"),
            "tree.yaml:21: steps of node 'thuis' has 5 items; allowed 1 to 4",
            id="too-many-steps",
        ),
        pytest.param(
            ("    person: advisor\n", "    person: advisor\n    colour: blue\n"),
            "tree.yaml:24: unknown field 'colour' in node 'thuis'",
            id="unknown-field",
        ),
        pytest.param(
            ("person: advisor", "person: iedereen"),
            "tree.yaml:23: person 'iedereen' must be one of advisor, buddy, either",
            id="bad-person",
        ),
        pytest.param(
            ("faq: [opp]", "faq: [opp, bestaat-niet]"),
            "tree.yaml:29: unknown FAQ id 'bestaat-niet'",
            id="unknown-faq-id",
        ),
        pytest.param(
            ("faq: [opp]", "faq: []"),
            "tree.yaml:29: faq must be a list of at least one FAQ id",
            id="empty-faq",
        ),
        pytest.param(
            ("label: Thuis", "label: " + "x" * 41),
            "tree.yaml:8: label '" + "x" * 41 + "' is 41 characters; the limit is 40",
            id="label-too-long",
        ),
        pytest.param(
            ("label: Geen", "label: weinig"),
            "tree.yaml:17: duplicate label 'weinig' (first at line 15)",
            id="duplicate-label",
        ),
        pytest.param(
            ("start: begin", "start: begin-nu"),
            "tree.yaml:3: start node 'begin-nu' does not exist",
            id="missing-start",
        ),
        pytest.param(
            ("  blad-a:", "  Blad_A:"),
            "tree.yaml:26: node id 'Blad_A' must be lower-case words joined by '-'",
            id="bad-node-id",
        ),
        pytest.param(
            ("    text: Wat speelt er?\n", "    text: Wat speelt er?\n    steps: [Bel.]\n"),
            "tree.yaml:7: node 'begin' has both 'choices' and 'steps'",
            id="choices-and-steps",
        ),
        pytest.param(
            ("      - label: Geen\n        next: blad-b\n", ""),
            "tree.yaml:14: node 'hulp' has 1 choices; allowed 2 to 6",
            id="one-choice",
        ),
        pytest.param(
            ("        next: thuis\n", ""),
            "tree.yaml:8: choice of node 'begin': missing field 'next'",
            id="choice-without-next",
        ),
        pytest.param(
            ("title: Proefboom", "title: Proefboom\nkleur: blauw"),
            "tree.yaml:3: unknown field 'kleur' in the tree",
            id="unknown-top-level-field",
        ),
        pytest.param(
            ("start: begin\n", ""),
            "tree.yaml:1: the tree: missing field 'start'",
            id="missing-top-level-field",
        ),
    ],
)
def test_broken_fixture_is_caught_with_file_and_line(tmp_path, change, expected):
    old, new = change
    assert old in GOOD, "the fixture change must apply"
    found = problems_for(tmp_path, GOOD.replace(old, new, 1))
    assert any(expected in problem for problem in found), found
    with pytest.raises(ContentError):
        load_tree(tmp_path / "tree.yaml", FAQ_IDS)


def test_unreachable_node_is_reported(tmp_path):
    found = problems_for(tmp_path, GOOD + EXTRA_LEAF)
    assert found == [f"{tmp_path / 'tree.yaml'}:40: node 'extra' cannot be reached from 'begin'"]


def test_duplicate_node_id_is_reported(tmp_path):
    found = problems_for(tmp_path, GOOD + DUPLICATE_THUIS)
    assert f"{tmp_path / 'tree.yaml'}:40: duplicate node id 'thuis'" in found


def test_all_problems_are_collected_not_just_the_first(tmp_path):
    content = (
        GOOD.replace("person: advisor", "person: iedereen")
        .replace("faq: [opp]", "faq: [bestaat-niet]")
        .replace("next: blad-b", "next: blad-c")
    )
    found = problems_for(tmp_path, content)
    assert len(found) >= 3
    assert [p.split(": ", 1)[0].rsplit(":", 1)[1] for p in found] == sorted(
        (p.split(": ", 1)[0].rsplit(":", 1)[1] for p in found), key=int
    )


def test_file_that_is_not_a_mapping(tmp_path):
    assert problems_for(tmp_path, "- een\n- twee\n") == [
        f"{tmp_path / 'tree.yaml'}:1: the file must be a mapping with id, title, start, nodes"
    ]


def chain(questions: int) -> str:
    lines = ["id: diep", "title: Diepe boom", "start: q1", "nodes:"]
    for number in range(1, questions + 1):
        following = f"q{number + 1}" if number < questions else "klaar"
        lines += [
            f"  q{number}:",
            f"    text: Vraag {number}?",
            "    choices:",
            "      - label: Verder",
            f"        next: {following}",
            "      - label: Stop",
            "        next: klaar",
        ]
    lines += ["  klaar:", "    text: Klaar.", "    steps: [Bel ons.]", "    faq: [opp]"]
    source = '    sources: [{claim: Ja., url: "https://www.voorbeeld.nl/a", checked: 2026-11-01}]'
    link = "    link: https://www.voorbeeld.nl/a"
    return "\n".join([*lines, "    person: buddy", source, link, ""])


def test_six_questions_deep_is_fine(tmp_path):
    assert problems_for(tmp_path, chain(6)) == []


def test_seven_questions_deep_is_too_deep(tmp_path):
    found = problems_for(tmp_path, chain(7))
    line = 5 + 7 * 6  # q7 starts after the header and six question blocks
    assert found == [
        f"{tmp_path / 'tree.yaml'}:{line}: 'q7' is question 7 on the path q1 → q2 → q3 → q4"
        " → q5 → q6 → q7; at most 6 questions before an answer"
    ]


def test_unreadable_file_is_a_problem(tmp_path):
    _, problems = check_tree(tmp_path / "missing.yaml", None)
    assert len(problems) == 1 and "cannot read file" in problems[0].message


# --- the diagram -----------------------------------------------------------------------------


def small_tree() -> DecisionTree:
    question = TreeNode(
        "end",
        'Wat zegt "school"?',
        (Choice('Zegt "nee" | <b>', "lang-antwoord", 3), Choice("Ja & #1", "end-2", 4)),
        (),
        (),
        None,
        1,
    )
    long_text = "Dit is een heel lange tekst die veel langer is dan zestig tekens, echt waar."
    leaf = TreeNode("lang-antwoord", long_text, (), ("Bel.",), ("opp",), "buddy", 5)
    other = TreeNode("end-2", "Kort.", (), ("Mail.",), ("opp",), "advisor", 9)
    nodes = {"end": question, "lang-antwoord": leaf, "end-2": other}
    return DecisionTree("proef", "Proef", "end", nodes, "/ergens/proef.yaml")


def test_mermaid_shapes_ids_and_escaping():
    text = to_mermaid(small_tree())
    assert text.startswith("flowchart TD\n") and text.endswith("\n")
    assert '    n_end("Wat zegt #quot;school#quot;?")' in text
    assert '    n_end_2(["Kort."])' in text
    assert '    n_end -->|"Zegt #quot;nee#quot; #124; #lt;b#gt;"| n_lang_antwoord' in text
    assert '    n_end -->|"Ja #amp; #35;1"| n_end_2' in text
    assert "/ergens" not in text, "output must not depend on where the file lives"


def test_mermaid_shortens_long_texts():
    line = next(x for x in to_mermaid(small_tree()).splitlines() if "n_lang_antwoord([" in x)
    label = line.split('"')[1]
    assert label.endswith("…") and len(label) <= 60
    assert label.startswith("Dit is een heel lange tekst")


def test_mermaid_is_deterministic():
    assert to_mermaid(small_tree()) == to_mermaid(small_tree())
    assert to_mermaid(load_tree()) == to_mermaid(load_tree())


def test_a_cycle_is_reported_once(tmp_path):
    found = problems_for(tmp_path, GOOD.replace(DEAD_END_CHANGE[0], DEAD_END_CHANGE[1]))
    assert [p for p in found if ": cycle: " in p] == [
        f"{tmp_path / 'tree.yaml'}:15: cycle: hulp → hulp (a choice may not lead back)"
    ]
