"""The explainable half of the safety triage: named rule groups from a YAML data file.

Each group (`bot/core/data/crisis_nl.yaml`, its shape is documented at the top of that file)
belongs to a triage category (suicide, harm, distress) and has `patterns` that signal it and
`unless` expressions for everyday speech ("ik schrik me dood", "dood graag", a child who hits
others) that neutralise a match when they cover its key.

Matching runs on folded text (faq.textfold.fold). The rules favour recall: a missed crisis is
worse than a rare false alarm. They never log or keep message text, and never raise on input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from faq.model import ContentError
from faq.textfold import fold
from faq.yamlsource import ProblemList, YamlNode, read_yaml

DEFAULT_CRISIS_FILE = Path(__file__).resolve().parent / "data" / "crisis_nl.yaml"

# An unless expression may start at most this many characters before the key it covers and
# end at most this many after it; longer everyday expressions are not supported.
UNLESS_REACH = 300

# Every pattern and unless expression starts at the start of a word: "\\b(?=\\w)(?:...)".
_ANCHOR = r"\b(?=\w)(?:"
# A leading group of plain words: "(?:slaat|sloeg|schopt)" (not followed by a quantifier).
_LEADING_WORDS = re.compile(r"\(\?:([a-z0-9 ]+(?:\|[a-z0-9 ]+)*)\)(?![?*+{])")
_BACKREFERENCE_RE = re.compile(r"\\[1-9]|\(\?P=")
# Sentence ends: runs of "!" and "?", and a single "." (two or more dots are an ellipsis).
_SENTENCE_END = re.compile(r"[!?]+|(?<!\.)\.(?!\.)")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_REFERENCE_RE = re.compile(r"\{([a-z][a-z0-9_]*)\}")
_TOP_KEYS = ("define", "everyday", "groups")
# Everyday expressions are replaced by this word before the model reads a message; with many
# everyday training lines that contain idioms, the model learns the word as harmless.
EVERYDAY_MASK = " alledaags "
_SPACES = re.compile(r" {2,}")
_GROUP_KEYS = ("name", "category", "patterns", "unless")
# The triage categories a rule group can signal, most severe first.
RULE_CATEGORIES = ("suicide", "harm", "distress")
# Neutral folded text: a pattern that matches it with zero width would match every message.
_NEUTRAL_SAMPLE = "de ouder vraagt iets over school 12"


@dataclass(frozen=True)
class RuleGroup:
    """One named kind of crisis: patterns that signal it, everyday expressions that do not."""

    name: str
    category: str
    patterns: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]
    any_pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "any_pattern", combine(self.patterns))

    def hit(self, folded: str) -> bool:
        """Whether a pattern matches folded text with a key that no unless expression covers."""
        if self.any_pattern.search(folded) is None:
            return False
        if not self.unless:
            return True
        return any(self._uncovered_match(pattern, folded) for pattern in self.patterns)

    def _uncovered_match(self, pattern: re.Pattern[str], folded: str) -> bool:
        """Whether some match of one pattern (at any start) has a key left uncovered."""
        pos = 0
        while (match := pattern.search(folded, pos)) is not None:
            start, end = match.span()
            if pattern.groups and match.start(1) >= 0:
                start, end = match.span(1)
            if not self._covered(folded, start, end):
                return True
            pos = match.start() + 1
        return False

    def _covered(self, folded: str, start: int, end: int) -> bool:
        """Whether an unless expression spans the whole key folded[start:end]."""
        low = max(0, start - UNLESS_REACH)
        high = min(len(folded), end + UNLESS_REACH)
        for expression in self.unless:
            pos = low
            while (match := expression.search(folded, pos, high)) is not None:
                if match.start() > start:
                    break
                # A match that ends at a cut-off window edge may be an artefact of the cut.
                if match.end() >= end and (match.end() < high or high == len(folded)):
                    return True
                pos = match.start() + 1
        return False


class RuleSet:
    """The rule groups of a crisis data file, matched against one message at a time."""

    def __init__(
        self, groups: Sequence[RuleGroup], everyday: Sequence[re.Pattern[str]] = ()
    ) -> None:
        self.groups = tuple(groups)
        patterns = [pattern for group in self.groups for pattern in group.patterns]
        self._any = combine(patterns) if patterns else None
        self._everyday = combine(everyday) if everyday else None

    @classmethod
    def load(cls, path: Path = DEFAULT_CRISIS_FILE) -> RuleSet:
        """Load and validate a crisis data file; raise ContentError listing file:line problems."""
        return cls(*_load_file(path))

    def mask(self, folded: str) -> str:
        """The folded message with its everyday expressions ("ik schrik me dood", "doodmoe")
        replaced by one harmless word, so the model does not read them as danger."""
        if self._everyday is None:
            return folded
        return _SPACES.sub(" ", self._everyday.sub(EVERYDAY_MASK, folded)).strip()

    @property
    def group_names(self) -> tuple[str, ...]:
        """Names of the rule groups, in file order."""
        return tuple(group.name for group in self.groups)

    def fired(self, folded: str) -> list[RuleGroup]:
        """The groups that fire on an already folded message (see fold_message)."""
        if not folded or self._any is None or self._any.search(folded) is None:
            return []
        return [group for group in self.groups if group.hit(folded)]

    def matches(self, text: str) -> list[str]:
        """Names of the rule groups that fire on the message (for tests and debugging)."""
        return [group.name for group in self.fired(fold_message(text))]


def anchored(source: str) -> str:
    """The regex tried only at the start of a word, as every crisis pattern is."""
    return f"{_ANCHOR}{source})"


def combine(patterns: Iterable[re.Pattern[str]]) -> re.Pattern[str]:
    """One regex that matches wherever any of the patterns matches (a fast pre-check).

    Python's regex engine tries every alternative at every position, but skips an alternative
    in one step when it starts with a plain letter. So anchored patterns are regrouped under
    their first letter ("s(?:laat ...|loeg ...)"); only the rest is tried one by one. The result
    is only used to ask "does anything match?", for which this regrouping is exact.
    """
    buckets: dict[str, list[str]] = {}
    others: list[str] = []
    for pattern in patterns:
        source = pattern.pattern
        body = source[len(_ANCHOR) : -1]
        split = _by_first_letter(body) if anchored(body) == source and _compiles(body) else None
        if split is None:
            others.append(f"(?:{source})")
            continue
        for letter, rest in split:
            buckets.setdefault(letter, []).append(f"(?:{rest})")
    regrouped = [f"{letter}(?:{'|'.join(rests)})" for letter, rests in sorted(buckets.items())]
    parts = [anchored("|".join(regrouped))] if regrouped else []
    return re.compile("|".join(parts + others))


def _by_first_letter(body: str) -> list[tuple[str, str]] | None:
    """(first letter, rest) pairs that match exactly what body matches; None when unsure."""
    if _has_top_level_bar(body) or "(?#" in body or "(?x" in body:
        return None
    if re.match(r"[a-z0-9](?![?*+{])", body):
        return [(body[0], body[1:])]
    words = _LEADING_WORDS.match(body)
    if words is None:
        return None
    tails: dict[str, list[str]] = {}
    for word in words.group(1).split("|"):
        tails.setdefault(word[0], []).append(word[1:])
    rest = body[words.end() :]
    return [(letter, f"(?:{'|'.join(ends)}){rest}") for letter, ends in tails.items()]


def _has_top_level_bar(source: str) -> bool:
    """Whether the regex has a '|' outside any group (then it cannot be split by first letter)."""
    depth, index, in_class = 0, 0, False
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 1
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            index += 1 if source[index + 1 : index + 2] == "^" else 0
            index += 1 if source[index + 1 : index + 2] == "]" else 0
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
        index += 1
    return False


def _compiles(source: str) -> bool:
    """Whether the text is a complete regex on its own."""
    try:
        re.compile(source)
    except re.error:
        return False
    return True


def fold_message(text: object) -> str:
    """The message as the rules see it: folded sentences joined by " . " ("" for non-text).

    Folding removes punctuation, so sentence ends are kept as " . ": an everyday expression
    must not be made of two sentences ("ik wil dood. Graag advies" is not "dood graag").
    An ellipsis ("ik wil... dood") does not end a sentence.
    """
    if not isinstance(text, str):
        return ""
    sentences = (fold(part) for part in _SENTENCE_END.split(text))
    return " . ".join(sentence for sentence in sentences if sentence)


def _text(node: YamlNode, what: str, out: ProblemList) -> str | None:
    """The node's non-empty text, or None after reporting a problem."""
    if not isinstance(node.value, str) or not node.value.strip():
        out.add(node.line, f"{what} must be non-empty text")
        return None
    return node.value.strip()


def _expand(raw: str, line: int, defines: dict[str, str], out: ProblemList) -> str | None:
    """Replace {name} references with their define; report unknown names."""
    missing = sorted({m.group(1) for m in _REFERENCE_RE.finditer(raw)} - defines.keys())
    if missing:
        out.add(line, f"unknown define(s) {', '.join(missing)} (add them under 'define')")
        return None
    return _REFERENCE_RE.sub(lambda m: defines[m.group(1)], raw)


def _read_defines(node: YamlNode | None, out: ProblemList) -> dict[str, str]:
    """Named regex fragments; a define may use the defines above it."""
    defines: dict[str, str] = {}
    if node is None:
        return defines
    if not isinstance(node.value, dict) or not node.value:
        out.add(node.line, "'define' must be a non-empty mapping of name: regex fragment")
        return defines
    out.fields(node, node.value.keys(), "'define'")
    for name, child in node.value.items():
        line = node.key_lines[name]
        if not _NAME_RE.match(name):
            out.add(line, f"define name '{name}' must be lower case letters, digits and '_'")
        raw = _text(child, f"define '{name}'", out)
        expanded = None if raw is None else _expand(raw, child.line, defines, out)
        if expanded is not None:
            defines[name] = expanded
    return defines


def _compile(
    node: YamlNode, what: str, defines: dict[str, str], out: ProblemList
) -> re.Pattern[str] | None:
    """Compile one regex item of a list, reporting every way it can be unusable."""
    raw = _text(node, what, out)
    source = None if raw is None else _expand(raw, node.line, defines, out)
    if source is None:
        return None
    if _BACKREFERENCE_RE.search(source):
        out.add(node.line, f"{what} uses a backreference; patterns are combined, so they cannot")
        return None
    if not source.isascii():
        out.add(
            node.line, f"{what} has accents or other non-ASCII text; matching runs on folded text"
        )
        return None
    try:
        compiled = re.compile(source)  # alone first, so that error positions fit the item
        if compiled.groups <= 1:
            compiled = re.compile(anchored(source))
    except re.error as error:
        out.add(node.line, f"invalid regex in {what}: {error.msg} at position {error.pos}")
        return None
    if compiled.groups > 1:
        out.add(
            node.line,
            f"{what} has {compiled.groups} capturing groups; use (?:...) and at most one key group",
        )
        return None
    for sample in ("", _NEUTRAL_SAMPLE):
        match = compiled.search(sample)
        if match is not None and match.end() == match.start():
            out.add(node.line, f"{what} matches empty text, so it would match every message")
            return None
    return compiled


def _regex_list(
    node: YamlNode | None, key: str, defines: dict[str, str], out: ProblemList
) -> tuple[re.Pattern[str], ...] | None:
    """The compiled items of a group's 'patterns' or 'unless' list."""
    if node is None:
        return ()
    if not isinstance(node.value, list) or not node.value:
        out.add(node.line, f"'{key}' must be a non-empty list of regexes")
        return None
    compiled = [_compile(item, f"'{key}' item", defines, out) for item in node.value]
    valid = tuple(p for p in compiled if p is not None)
    return valid if len(valid) == len(compiled) else None


def _read_group(
    node: YamlNode, defines: dict[str, str], seen: dict[str, int], out: ProblemList
) -> RuleGroup | None:
    """Validate one group mapping; None when it cannot be built."""
    if not isinstance(node.value, dict):
        out.add(node.line, "each group must be a mapping with 'name' and 'patterns'")
        return None
    fields = node.value
    out.fields(node, _GROUP_KEYS, "a group")
    name: str | None = None
    if "name" not in fields:
        out.add(node.line, "group is missing 'name'")
    else:
        name = _text(fields["name"], "'name'", out)
        if name is not None and not _NAME_RE.match(name):
            out.add(
                fields["name"].line,
                f"group name '{name}' must be lower case letters, digits and '_'",
            )
        elif name is not None and name in seen:
            out.add(
                fields["name"].line, f"duplicate group name '{name}' (first at line {seen[name]})"
            )
        elif name is not None:
            seen[name] = fields["name"].line
    category = _category(node, out)
    if "patterns" not in fields:
        out.add(node.line, "group is missing 'patterns'")
    patterns = _regex_list(fields.get("patterns"), "patterns", defines, out)
    unless = _regex_list(fields.get("unless"), "unless", defines, out)
    if name is None or category is None or not patterns or unless is None:
        return None
    return RuleGroup(name, category, patterns, unless)


def _category(node: YamlNode, out: ProblemList) -> str | None:
    """The group's triage category (suicide, harm or distress), or None after a problem."""
    fields = node.value
    assert isinstance(fields, dict)
    if "category" not in fields:
        out.add(node.line, f"group is missing 'category' ({', '.join(RULE_CATEGORIES)})")
        return None
    value = fields["category"].value
    if value not in RULE_CATEGORIES:
        out.add(
            fields["category"].line,
            f"category must be one of {', '.join(RULE_CATEGORIES)}, not {value!r}",
        )
        return None
    return str(value)


def _load_file(path: Path) -> tuple[list[RuleGroup], tuple[re.Pattern[str], ...]]:
    """Read and validate a crisis data file (groups and everyday expressions); raise
    ContentError with every problem found."""
    out = ProblemList(str(path))
    root = read_yaml(path)
    if root is None or not isinstance(root.value, dict):
        out.add(root.line if root else 1, "the file must be a mapping with 'groups' (and 'define')")
        raise ContentError(out.problems)
    out.fields(root, _TOP_KEYS, "the file")
    defines = _read_defines(root.value.get("define"), out)
    everyday = _regex_list(root.value.get("everyday"), "everyday", defines, out)
    groups_node = root.value.get("groups")
    groups: list[RuleGroup] = []
    if groups_node is None:
        out.add(root.line, "missing 'groups'")
    elif not isinstance(groups_node.value, list) or not groups_node.value:
        out.add(groups_node.line, "'groups' must be a non-empty list of groups")
    else:
        seen: dict[str, int] = {}
        for item in groups_node.value:
            group = _read_group(item, defines, seen, out)
            if group is not None:
                groups.append(group)
    if out.problems:
        raise ContentError(out.problems)
    return groups, everyday or ()
