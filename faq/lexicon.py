"""The Dutch matching lexicon (chat spellings, synonyms, stop words), loaded from YAML data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from faq.model import ContentError, ContentProblem
from faq.textfold import tokens
from faq.yamlsource import YamlNode, read_yaml

DEFAULT_LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"
MAX_PHRASE_WORDS = 5


@dataclass(frozen=True)
class Lexicon:
    """Lookup tables the analyzer applies to every text, parent's and content's alike."""

    chat: dict[str, tuple[str, ...]]
    single: dict[str, str]
    phrases: dict[tuple[str, ...], str]
    stopwords: frozenset[str]

    @property
    def canonical(self) -> frozenset[str]:
        """Canonical synonym terms: protected from stemming and splitting."""
        return frozenset(self.single.values()) | frozenset(self.phrases.values())


def _mapping(
    node: YamlNode | None, path: Path, problems: list[ContentProblem]
) -> dict[str, YamlNode]:
    if node is None or not isinstance(node.value, dict):
        problems.append(ContentProblem(str(path), node.line if node else 1, "expected a mapping"))
        return {}
    for key, line in node.duplicate_keys:
        problems.append(ContentProblem(str(path), line, f"duplicate key '{key}'"))
    return node.value


def _read(path: Path, problems: list[ContentProblem]) -> YamlNode | None:
    try:
        return read_yaml(path)
    except ContentError as error:
        problems.extend(error.problems)
        return None


def _load_synonyms(
    path: Path, lexicon_chat: dict[str, tuple[str, ...]], problems: list[ContentProblem]
) -> tuple[dict[str, str], dict[tuple[str, ...], str]]:
    single: dict[str, str] = {}
    phrases: dict[tuple[str, ...], str] = {}
    for canonical, node in _mapping(_read(path, problems), path, problems).items():
        if not isinstance(node.value, list):
            problems.append(ContentProblem(str(path), node.line, f"'{canonical}' needs a list"))
            continue
        head = tokens(canonical)
        if len(head) != 1:
            problems.append(
                ContentProblem(
                    str(path), node.line, f"canonical term '{canonical}' must be one word"
                )
            )
            continue
        for item in node.value:
            words = tuple(tokens(str(item.value)))
            if not words or len(words) > MAX_PHRASE_WORDS:
                problems.append(
                    ContentProblem(
                        str(path),
                        item.line,
                        f"variant '{item.value}' must have 1-{MAX_PHRASE_WORDS} words",
                    )
                )
                continue
            words = tuple(w for word in words for w in lexicon_chat.get(word, (word,)))
            previous = single.get(words[0]) if len(words) == 1 else phrases.get(words)
            if previous is not None and previous != head[0]:
                problems.append(
                    ContentProblem(
                        str(path),
                        item.line,
                        f"variant '{item.value}' is also listed under '{previous}'",
                    )
                )
            elif len(words) == 1:
                single[words[0]] = head[0]
            else:
                phrases[words] = head[0]
    return single, phrases


def load_lexicon(directory: Path = DEFAULT_LEXICON_DIR) -> Lexicon:
    """Load chat.yaml, synonyms.yaml and stopwords.yaml; raise ContentError on any problem."""
    problems: list[ContentProblem] = []
    chat_path = directory / "chat.yaml"
    chat: dict[str, tuple[str, ...]] = {}
    for key, node in _mapping(_read(chat_path, problems), chat_path, problems).items():
        words = tuple(tokens(str(node.value)))
        if len(tokens(key)) != 1 or not words:
            problems.append(
                ContentProblem(
                    str(chat_path), node.line, f"chat form '{key}' must be one word with a meaning"
                )
            )
            continue
        chat[tokens(key)[0]] = words
    single, phrases = _load_synonyms(directory / "synonyms.yaml", chat, problems)
    stop_path = directory / "stopwords.yaml"
    stop_node = _read(stop_path, problems)
    stopwords: set[str] = set()
    if stop_node is not None and isinstance(stop_node.value, list):
        stopwords = {w for item in stop_node.value for w in tokens(str(item.value))}
    elif stop_node is not None:
        problems.append(ContentProblem(str(stop_path), stop_node.line, "expected a list of words"))
    clash = stopwords & (set(single) | set(single.values()))
    for word in sorted(clash):
        problems.append(
            ContentProblem(str(stop_path), 1, f"'{word}' is both a stop word and a synonym")
        )
    if problems:
        raise ContentError(problems)
    return Lexicon(chat=chat, single=single, phrases=phrases, stopwords=frozenset(stopwords))
