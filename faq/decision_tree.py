"""The decision tree ("School lukt niet, wat nu?"): model and strict loader with file and line.

Question nodes offer 2 to 6 buttons; answer nodes (leaves) give 1 to 4 steps, FAQ ids and the
kind of person to offer. Graph checks (dangling links, cycles, depth) live in faq.tree_checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from faq.model import ContentError, ContentProblem, Provenance
from faq.sources import read_provenance
from faq.tree_checks import graph_problems
from faq.yamlsource import ProblemList, YamlNode, read_yaml

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_TREE = PACKAGE_DIR / "tree" / "school-lukt-niet.yaml"

PERSONS = ("advisor", "buddy", "either")
CHOICES_RANGE = (2, 6)
STEPS_RANGE = (1, 4)
MAX_LABEL_CHARS = 40
MAX_ID_CHARS = 40

_ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_TOP_FIELDS = ("id", "title", "start", "nodes")
_NODE_FIELDS = ("text", "choices", "steps", "faq", "person", "sources", "link", "regional")
_LEAF_FIELDS = ("steps", "faq", "person")
_PROVENANCE_FIELDS = ("sources", "link", "regional")
_CHOICE_FIELDS = ("label", "next")


@dataclass(frozen=True)
class Choice:
    """One button of a question node: its label and the id of the node it leads to."""

    label: str
    next: str
    line: int


@dataclass(frozen=True)
class TreeNode:
    """A question (with choices) or an answer leaf (with steps, FAQ ids and a person)."""

    id: str
    text: str
    choices: tuple[Choice, ...]
    steps: tuple[str, ...]
    faq: tuple[str, ...]
    person: str | None
    line: int
    provenance: Provenance = field(default_factory=Provenance)

    @property
    def is_leaf(self) -> bool:
        """True for an answer node: it has no choices."""
        return not self.choices


@dataclass(frozen=True)
class DecisionTree:
    """A validated decision tree; nodes keep the order of the file."""

    id: str
    title: str
    start: str
    nodes: dict[str, TreeNode]
    source_file: str

    def node(self, node_id: str) -> TreeNode:
        """The node with this id (KeyError when there is none)."""
        if node_id not in self.nodes:
            raise KeyError(f"decision tree '{self.id}' has no node '{node_id}'")
        return self.nodes[node_id]

    def parents(self, node_id: str) -> list[str]:
        """Ids of the nodes with a choice leading to node_id, in file order."""
        return [n.id for n in self.nodes.values() if any(c.next == node_id for c in n.choices)]


class _Collector(ProblemList):
    """Problems of the tree file, plus the FAQ ids that leaves may refer to."""

    def __init__(self, path: str, faq_ids: set[str] | None) -> None:
        super().__init__(path)
        self.faq_ids = faq_ids


def _require(
    fields: dict[str, YamlNode], names: tuple[str, ...], line: int, what: str, out: _Collector
) -> None:
    """Report every required field that is missing."""
    for name in names:
        if name not in fields:
            out.add(line, f"{what}: missing field '{name}'")


def _text(node: YamlNode | None, name: str, out: _Collector) -> str:
    """The stripped text of a field; '' when absent, or (reported) empty or not text."""
    if node is None:
        return ""
    if isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return str(node.value)
    if not isinstance(node.value, str) or not node.value.strip():
        out.add(node.line, f"{name} must be non-empty text")
        return ""
    return node.value.strip()


def _texts(node: YamlNode, name: str, line: int, out: _Collector) -> tuple[str, ...]:
    """A list of 1 to 4 non-empty texts (steps); line is where the field starts."""
    if not isinstance(node.value, list):
        out.add(line, f"{name} must be a list of texts")
        return ()
    low, high = STEPS_RANGE
    if not low <= len(node.value) <= high:
        out.add(line, f"{name} has {len(node.value)} items; allowed {low} to {high}")
    return tuple(text for item in node.value if (text := _text(item, f"{name} item", out)))


def _check_id(value: str, line: int, what: str, out: _Collector) -> None:
    """Ids are lower-case words joined by '-', at most MAX_ID_CHARS long."""
    if not _ID_RE.match(value):
        out.add(line, f"{what} '{value}' must be lower-case words joined by '-'")
    elif len(value) > MAX_ID_CHARS:
        out.add(line, f"{what} '{value}' is longer than {MAX_ID_CHARS} characters")


def _choice(item: YamlNode, what: str, out: _Collector) -> Choice | None:
    """One choice mapping with 'label' and 'next'; None when it is not a mapping."""
    if not isinstance(item.value, dict):
        out.add(item.line, f"a choice of {what} must be a mapping with 'label' and 'next'")
        return None
    fields = out.fields(item, _CHOICE_FIELDS, f"a choice of {what}")
    _require(fields, _CHOICE_FIELDS, item.line, f"choice of {what}", out)
    label = _text(fields.get("label"), "choice label", out)
    if len(label) > MAX_LABEL_CHARS:
        out.add(
            fields["label"].line,
            f"label '{label}' is {len(label)} characters; the limit is {MAX_LABEL_CHARS}",
        )
    return Choice(label, _text(fields.get("next"), "choice next", out), item.line)


def _choices(node: YamlNode, what: str, line: int, out: _Collector) -> tuple[Choice, ...]:
    """The choices of a question node; line is where the field starts."""
    if not isinstance(node.value, list):
        out.add(line, f"'choices' of {what} must be a list")
        return ()
    low, high = CHOICES_RANGE
    if not low <= len(node.value) <= high:
        out.add(line, f"{what} has {len(node.value)} choices; allowed {low} to {high}")
    choices = tuple(c for item in node.value if (c := _choice(item, what, out)) is not None)
    seen: dict[str, int] = {}
    for choice in choices:
        key = " ".join(choice.label.casefold().split())
        if key in seen:
            out.add(choice.line, f"duplicate label '{choice.label}' (first at line {seen[key]})")
        seen.setdefault(key, choice.line)
    return choices


def _faq_ids(node: YamlNode, line: int, out: _Collector) -> tuple[str, ...]:
    """The FAQ ids of a leaf; unknown ids are reported when the FAQ ids are known."""
    if not isinstance(node.value, list) or not node.value:
        out.add(line, "faq must be a list of at least one FAQ id")
        return ()
    ids: list[str] = []
    for item in node.value:
        faq_id = _text(item, "faq item", out)
        if faq_id and out.faq_ids is not None and faq_id not in out.faq_ids:
            out.add(item.line, f"unknown FAQ id '{faq_id}'")
        ids.extend([faq_id] if faq_id else [])
    return tuple(ids)


def _person(node: YamlNode | None, out: _Collector) -> str | None:
    """The kind of person a leaf offers: one of PERSONS."""
    if node is None:
        return None
    if node.value not in PERSONS:
        out.add(node.line, f"person '{node.plain()}' must be one of {', '.join(PERSONS)}")
        return None
    return str(node.value)


def _node(node_id: str, line: int, raw: YamlNode, out: _Collector) -> TreeNode:
    """Validate one node field by field; always returns a (possibly partial) node."""
    what = f"node '{node_id}'"
    _check_id(node_id, line, "node id", out)
    fields = out.fields(raw, _NODE_FIELDS, what)
    if not isinstance(raw.value, dict):
        return TreeNode(node_id, "", (), (), (), None, line)
    _require(fields, ("text",), line, what, out)
    text = _text(fields.get("text"), f"text of {what}", out)
    if "choices" in fields:
        for key in (k for k in (*_LEAF_FIELDS, *_PROVENANCE_FIELDS) if k in fields):
            out.add(
                raw.key_lines[key],
                f"{what} has both 'choices' and '{key}'; a node is a question or an answer",
            )
        choices = _choices(fields["choices"], what, raw.key_lines["choices"], out)
        return TreeNode(node_id, text, choices, (), (), None, line)
    _require(fields, _LEAF_FIELDS, line, f"{what} is an answer (no 'choices')", out)
    steps: tuple[str, ...] = ()
    faq: tuple[str, ...] = ()
    if "steps" in fields:
        steps = _texts(fields["steps"], f"steps of {what}", raw.key_lines["steps"], out)
    if "faq" in fields:
        faq = _faq_ids(fields["faq"], raw.key_lines["faq"], out)
    provenance = read_provenance(fields, line, f"leaf '{node_id}'", out, required=True)
    person = _person(fields.get("person"), out)
    return TreeNode(node_id, text, (), steps, faq, person, line, provenance)


def _nodes(raw: YamlNode | None, out: _Collector) -> dict[str, TreeNode]:
    """All nodes by id, in file order; duplicate ids are reported."""
    if raw is None:
        return {}
    if not isinstance(raw.value, dict) or not raw.value:
        out.add(raw.line, "'nodes' must be a mapping from node id to node")
        return {}
    for key, line in raw.duplicate_keys:
        out.add(line, f"duplicate node id '{key}'")
    return {key: _node(key, raw.key_lines[key], value, out) for key, value in raw.value.items()}


def _tree(root: YamlNode | None, out: _Collector) -> DecisionTree | None:
    """Validate the whole file: top-level fields, every node, then the graph."""
    if root is None or not isinstance(root.value, dict):
        out.add(root.line if root else 1, "the file must be a mapping with id, title, start, nodes")
        return None
    fields = out.fields(root, _TOP_FIELDS, "the tree")
    _require(fields, _TOP_FIELDS, root.line, "the tree", out)
    tree_id = _text(fields.get("id"), "id", out)
    if tree_id:
        _check_id(tree_id, fields["id"].line, "tree id", out)
    title = _text(fields.get("title"), "title", out)
    start = _text(fields.get("start"), "start", out)
    nodes = _nodes(fields.get("nodes"), out)
    if start and nodes and start not in nodes:
        out.add(fields["start"].line, f"start node '{start}' does not exist")
    out.problems.extend(graph_problems(out.path, nodes, start))
    return DecisionTree(tree_id, title, start, nodes, out.path)


def check_tree(
    path: Path, faq_ids: set[str] | None = None
) -> tuple[DecisionTree | None, list[ContentProblem]]:
    """Validate a tree file: the tree (None if there is any problem) and all problems, sorted."""
    out = _Collector(str(path), faq_ids)
    try:
        root = read_yaml(path)
    except ContentError as error:
        return None, sorted(error.problems)
    tree = _tree(root, out)
    return (None if out.problems else tree), sorted(out.problems)


def load_tree(path: Path = DEFAULT_TREE, faq_ids: set[str] | None = None) -> DecisionTree:
    """Load the tree for the bot, refusing content with any problem (raises ContentError)."""
    tree, problems = check_tree(path, faq_ids)
    if problems or tree is None:
        raise ContentError(problems)
    return tree
