"""Everything the bot says, loaded from a locale file (bot/locales/<lang>.yaml) and checked
strictly: a missing or misspelled key stops the bot at start, not in a conversation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from faq.model import ContentError, ContentProblem
from faq.yamlsource import YamlNode, read_yaml

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locales"

TEXT_KEYS = frozenset(
    {
        "welcome",
        "welcome_back",
        "privacy_line",
        "menu",
        "help",
        "ask_prompt",
        "faq_more",
        "faq_steps",
        "faq_feedback",
        "suggestions",
        "no_match",
        "feedback_thanks",
        "feedback_sorry",
        "stale_choice",
        "unknown_command",
        "stopped",
        "forgotten",
        "only_text",
        "too_long",
        "busy",
        "tree_intro",
        "tree_changed",
        "tree_steps",
        "tree_read_more",
        "tree_person",
        "person_intro",
        "person_soon",
        "crisis",
        "crisis_person",
        "default_opening_hours",
        "default_contact",
        "retention_period",
    }
)
BUTTON_KEYS = frozenset(
    {
        "ask",
        "tree",
        "person",
        "menu",
        "helped_yes",
        "helped_no",
        "back",
        "restart",
        "resume",
        "something_else",
    }
)
COMMAND_KEYS = frozenset({"start", "menu", "stop", "help", "forget", "privacy"})


@dataclass(frozen=True)
class Texts:
    """Sentences, button labels and command aliases of one language."""

    language: str
    sentences: dict[str, str]
    buttons: dict[str, str]
    commands: dict[str, str]  # alias (without "/") -> command name

    def say(self, key: str, **values: str) -> str:
        """The sentence for key with its {placeholders} filled in."""
        return self.sentences[key].format(**values) if values else self.sentences[key]

    def button(self, key: str) -> str:
        return self.buttons[key]


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


def load_texts(language: str = "nl", directory: Path = LOCALE_DIR) -> Texts:
    """Load and validate one locale file; raises ContentError listing every problem."""
    path = directory / f"{language}.yaml"
    root = read_yaml(path)
    problems: list[ContentProblem] = []
    if root is None or not isinstance(root.value, dict):
        raise ContentError([ContentProblem(str(path), 1, "a locale file must be a mapping")])
    fields = root.value
    sentences = {k: v for k, v in fields.items() if k not in ("buttons", "commands")}
    buttons = _section(fields, "buttons", str(path), problems)
    commands = _section(fields, "commands", str(path), problems)
    _check_keys(sentences, TEXT_KEYS, "text", str(path), root.line, problems)
    _check_keys(buttons, BUTTON_KEYS, "button", str(path), root.line, problems)
    _check_keys(commands, COMMAND_KEYS, "command", str(path), root.line, problems)
    for key, node in [*sentences.items(), *buttons.items()]:
        if not isinstance(node.value, str) or not node.value.strip():
            problems.append(ContentProblem(str(path), node.line, f"'{key}' must be non-empty text"))
    aliases: dict[str, str] = {}
    for name, node in commands.items():
        values = node.value if isinstance(node.value, list) else []
        if not values:
            problems.append(ContentProblem(str(path), node.line, f"command '{name}' needs aliases"))
        for alias in values:
            word = str(alias.value).lstrip("/").lower()
            if word in aliases:
                problems.append(ContentProblem(str(path), alias.line, f"alias '{word}' used twice"))
            aliases[word] = name
    if problems:
        raise ContentError(sorted(problems))
    return Texts(
        language=language,
        sentences={k: str(v.value).strip() for k, v in sentences.items()},
        buttons={k: str(v.value).strip() for k, v in buttons.items()},
        commands=aliases,
    )
