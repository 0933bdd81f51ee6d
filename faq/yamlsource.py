"""Read YAML into a small tree that remembers line numbers, so content errors can point at a line.

PyYAML's plain loaders drop positions and silently accept duplicate keys; content editors need
both reported. Shared by every content file (FAQ entries, lexicon, later the decision tree).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from faq.model import ContentError, ContentProblem

Scalar = str | int | float | bool | None


@dataclass
class YamlNode:
    """A YAML value with its 1-based line; mappings and sequences hold child nodes."""

    line: int
    value: Scalar | list[YamlNode] | dict[str, YamlNode]
    key_lines: dict[str, int] = field(default_factory=dict)
    duplicate_keys: list[tuple[str, int]] = field(default_factory=list)

    def plain(self) -> object:
        """The value as ordinary Python data, without positions."""
        if isinstance(self.value, list):
            return [child.plain() for child in self.value]
        if isinstance(self.value, dict):
            return {key: child.plain() for key, child in self.value.items()}
        return self.value


def _convert(loader: yaml.SafeLoader, node: yaml.Node) -> YamlNode:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        children: dict[str, YamlNode] = {}
        result = YamlNode(line, children)
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node))
            key_line = key_node.start_mark.line + 1
            if key in children:
                result.duplicate_keys.append((key, key_line))
            children[key] = _convert(loader, value_node)
            result.key_lines[key] = key_line
        return result
    if isinstance(node, yaml.SequenceNode):
        return YamlNode(line, [_convert(loader, item) for item in node.value])
    value = loader.construct_object(node)
    if not isinstance(value, str | int | float | bool | type(None)):
        value = str(value)  # dates and other exotic scalars: keep their text
    return YamlNode(line, value)


def parse_yaml(text: str, path: str) -> YamlNode | None:
    """Parse one YAML document; raise ContentError with the line of a syntax error."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        return None if root is None else _convert(loader, root)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = error.problem or error.context or "invalid YAML"
        raise ContentError([ContentProblem(path, line, f"YAML syntax: {problem}")]) from None
    except yaml.YAMLError as error:
        raise ContentError([ContentProblem(path, 1, f"YAML syntax: {error}")]) from None
    finally:
        loader.dispose()


def read_yaml(path: Path) -> YamlNode | None:
    """Read and parse a YAML file; unreadable or non-UTF-8 files become content problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ContentError([ContentProblem(str(path), 1, f"cannot read file: {error}")]) from None
    return parse_yaml(text, str(path))


class ProblemList:
    """Collects every problem of one content file, so validation never stops at the first."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[ContentProblem] = []

    def add(self, line: int, message: str) -> None:
        self.problems.append(ContentProblem(self.path, line, message))

    def fields(self, node: YamlNode, allowed: Iterable[str], what: str) -> dict[str, YamlNode]:
        """The fields of a mapping node; reports a non-mapping, duplicate and unknown fields."""
        allowed = tuple(allowed)
        if not isinstance(node.value, dict):
            self.add(node.line, f"{what} must be a mapping with fields ({', '.join(allowed)})")
            return {}
        for key, line in node.duplicate_keys:
            self.add(line, f"duplicate field '{key}' in {what}")
        for key in node.value:
            if key not in allowed:
                self.add(
                    node.key_lines[key],
                    f"unknown field '{key}' in {what} (allowed: {', '.join(allowed)})",
                )
        return node.value
