"""Everything the bot says, loaded from a locale file (bot/locales/<lang>.yaml) and checked
strictly: a missing or misspelled key stops the bot at start, not in a conversation."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.core.text_keys import (
    COMMAND_SECTIONS,
    FIXED_SECTIONS,
    SECTIONS,
    TEXT_KEYS,
)
from faq.model import ContentError, ContentProblem
from faq.yamlsource import YamlNode, read_yaml

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locales"


@dataclass(frozen=True)
class Texts:
    """Sentences, button labels and command aliases of one language.

    Parents read `sentences` and `buttons` ("u"); volunteers read `volunteer` ("je").
    """

    language: str
    sentences: dict[str, str]
    buttons: dict[str, str]
    commands: dict[str, str]  # alias (without "/") -> command name
    sections: dict[str, dict[str, str]] = field(default_factory=dict)
    volunteer_commands: dict[str, str] = field(default_factory=dict)
    bare_commands: dict[str, str] = field(default_factory=dict)  # "stop" typed alone

    def say(self, key: str, **values: str) -> str:
        """The sentence for key with its {placeholders} filled in."""
        return self.sentences[key].format(**values) if values else self.sentences[key]

    def button(self, key: str) -> str:
        return self.buttons[key]

    def tell(self, key: str, **values: str) -> str:
        """A sentence for volunteers, with its {placeholders} filled in."""
        text = self.sections["volunteer"][key]
        return text.format(**values) if values else text

    def word(self, section: str, key: str) -> str:
        """A label from a small section: role_names, outcomes, topics, volunteer_buttons."""
        return self.sections[section].get(key, key)

    @property
    def topics(self) -> dict[str, str]:
        """Topic id -> label, in the locale's order."""
        return self.sections.get("topics", {})

    def command_menu(self, volunteer: bool = False) -> list[tuple[str, str]]:
        """(command word, description) for a chat app's menu: each command's first alias."""
        aliases = self.volunteer_commands if volunteer else self.commands
        first: dict[str, str] = {}
        for alias, name in aliases.items():
            first.setdefault(name, alias)
        section = "volunteer_command_descriptions" if volunteer else "command_descriptions"
        described = self.sections[section]
        return [(first[name], text) for name, text in described.items() if name in first]

    def calendar(self, key: str) -> list[str]:
        return [part.strip() for part in self.sections["calendar"][key].split(",")]


def _section(
    root: dict[str, YamlNode], name: str, path: str, problems: list[ContentProblem]
) -> dict[str, YamlNode]:
    node = root.get(name)
    if node is None or not isinstance(node.value, dict):
        problems.append(
            ContentProblem(path, node.line if node else 1, f"'{name}' must be a mapping")
        )
        return {}
    return node.value


def _check_keys(
    found: dict[str, YamlNode],
    expected: frozenset[str],
    where: str,
    path: str,
    line: int,
    problems: list[ContentProblem],
) -> None:
    for key in sorted(set(found) - expected):
        problems.append(ContentProblem(path, found[key].line, f"unknown {where} key '{key}'"))
    for key in sorted(expected - set(found)):
        problems.append(ContentProblem(path, line, f"missing {where} key '{key}'"))


def _texts(nodes: dict[str, YamlNode], path: str, problems: list[ContentProblem]) -> dict[str, str]:
    """Non-empty text values of a section, stripped."""
    for key, node in nodes.items():
        if not isinstance(node.value, str) or not node.value.strip():
            problems.append(ContentProblem(path, node.line, f"'{key}' must be non-empty text"))
    return {k: str(v.value).strip() for k, v in nodes.items()}


def _aliases(
    nodes: dict[str, YamlNode], path: str, problems: list[ContentProblem]
) -> dict[str, str]:
    """alias -> command name; every command needs at least one alias, each used once."""
    aliases: dict[str, str] = {}
    for name, node in nodes.items():
        values = node.value if isinstance(node.value, list) else []
        if not values:
            problems.append(ContentProblem(path, node.line, f"command '{name}' needs aliases"))
        for alias in values:
            word = str(alias.value).lstrip("/").lower()
            if word in aliases:
                problems.append(ContentProblem(path, alias.line, f"alias '{word}' used twice"))
            aliases[word] = name
    return aliases


def load_texts(language: str = "nl", directory: Path = LOCALE_DIR) -> Texts:
    """Load and validate one locale file; raises ContentError listing every problem."""
    path = directory / f"{language}.yaml"
    where = str(path)
    root = read_yaml(path)
    problems: list[ContentProblem] = []
    if root is None or not isinstance(root.value, dict):
        raise ContentError([ContentProblem(where, 1, "a locale file must be a mapping")])
    fields = root.value
    sentences = {k: v for k, v in fields.items() if k not in SECTIONS}
    _check_keys(sentences, TEXT_KEYS, "text", where, root.line, problems)
    sections: dict[str, dict[str, str]] = {}
    for name, keys in FIXED_SECTIONS.items():
        nodes = _section(fields, name, where, problems)
        _check_keys(nodes, keys, name.removesuffix("s"), where, root.line, problems)
        sections[name] = _texts(nodes, where, problems)
    sections["topics"] = _texts(_section(fields, "topics", where, problems), where, problems)
    commands: dict[str, dict[str, str]] = {}
    for name, keys in COMMAND_SECTIONS.items():
        nodes = _section(fields, name, where, problems)
        _check_keys(nodes, keys, name.removesuffix("s"), where, root.line, problems)
        commands[name] = _aliases(nodes, where, problems)
    texts = _texts(sentences, where, problems)
    if problems:
        raise ContentError(sorted(problems))
    return Texts(
        language=language,
        sentences=texts,
        buttons=sections.pop("buttons"),
        commands=commands["commands"],
        sections=sections,
        volunteer_commands=commands["volunteer_commands"],
        bare_commands=commands["bare_commands"],
    )
