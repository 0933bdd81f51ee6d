"""Strict loading of the FAQ content files: every problem reported with file and line.

The bot and `ouderlijn faq check` share this code, so a coordinator sees exactly the messages
that would stop the bot from starting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from faq.model import ContentError, ContentProblem, FaqEntry
from faq.sources import DEFAULT_MAX_AGE_MONTHS, read_provenance
from faq.textfold import fold
from faq.yamlsource import ProblemList, YamlNode, read_yaml

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_CONTENT_DIR = PACKAGE_DIR / "content"
DEFAULT_CATALOGUE = PACKAGE_DIR / "catalogue.yaml"

_ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_FAQ_ID_CHARS = 48  # "fb:y:<id>" must fit a Telegram button's 64 bytes of callback data
_REQUIRED = ("id", "title", "questions", "keywords", "answer", "steps", "related")
_TEXT_FIELDS = ("id", "title", "answer")
_LIST_FIELDS = ("questions", "keywords", "steps", "related")
_OPTIONAL = ("sources", "link", "regional", "offer_person", "about_helpline")
_KNOWN = set(_REQUIRED) | set(_OPTIONAL)


@dataclass(frozen=True)
class ContentLimits:
    """Editorial limits that keep answers short enough to read on a phone."""

    max_answer_chars: int = 700
    max_step_chars: int = 200
    max_title_chars: int = 60
    min_questions: int = 5
    max_source_age_months: int = DEFAULT_MAX_AGE_MONTHS


@dataclass(frozen=True)
class FaqBase:
    """The validated FAQ: entries in file order and an index by id."""

    entries: tuple[FaqEntry, ...]

    @cached_property
    def by_id(self) -> dict[str, FaqEntry]:
        """Entries by id, built once."""
        return {entry.id: entry for entry in self.entries}


def _text(node: YamlNode, name: str, out: ProblemList) -> str | None:
    if isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return str(node.value)  # a bare number such as a year is fine as text
    if not isinstance(node.value, str) or not node.value.strip():
        out.add(node.line, f"field '{name}' must be non-empty text")
        return None
    return node.value.strip()


def _text_list(node: YamlNode, name: str, out: ProblemList) -> tuple[str, ...] | None:
    if not isinstance(node.value, list):
        out.add(node.line, f"field '{name}' must be a list of texts")
        return None
    items: list[str] = []
    for item in node.value:
        value = _text(item, f"{name} item", out)
        if value is not None:
            items.append(value)
    return tuple(items)


def _flag(fields: dict[str, YamlNode], name: str, out: ProblemList) -> bool:
    """An optional true/false field; reports any other value."""
    node = fields.get(name)
    if node is not None and not isinstance(node.value, bool):
        out.add(node.line, f"field '{name}' must be true or false")
    return node is not None and node.value is True


def _entry_from_node(node: YamlNode, limits: ContentLimits, out: ProblemList) -> FaqEntry | None:
    """Validate one entry mapping field by field; None when it cannot be built."""
    if not isinstance(node.value, dict):
        out.add(node.line, "each entry must be a mapping with fields such as 'id' and 'answer'")
        return None
    fields = out.fields(node, sorted(_KNOWN), "an entry")
    for key in _REQUIRED:
        if key not in fields:
            out.add(node.line, f"missing field '{key}'")
    before = len(out.problems)
    texts = {k: _text(fields[k], k, out) for k in _TEXT_FIELDS if k in fields}
    lists = {k: _text_list(fields[k], k, out) for k in _LIST_FIELDS if k in fields}
    entry_id, answer, title = texts.get("id"), texts.get("answer"), texts.get("title")
    if entry_id is not None and not _ID_RE.match(entry_id):
        out.add(fields["id"].line, f"id '{entry_id}' must be lower-case words joined by '-'")
    elif entry_id is not None and len(entry_id) > MAX_FAQ_ID_CHARS:
        out.add(
            fields["id"].line,
            f"id '{entry_id}' is longer than {MAX_FAQ_ID_CHARS} characters (button ids must "
            "fit in Telegram's 64 bytes)",
        )
    if answer is not None and len(answer) > limits.max_answer_chars:
        out.add(
            fields["answer"].line,
            f"answer is {len(answer)} characters; the limit is {limits.max_answer_chars}",
        )
    if title is not None and len(title) > limits.max_title_chars:
        out.add(fields["title"].line, f"title is longer than {limits.max_title_chars} characters")
    questions = lists.get("questions")
    if questions is not None and len(questions) < limits.min_questions:
        out.add(
            fields["questions"].line,
            f"{len(questions)} questions; write at least {limits.min_questions} phrasings",
        )
    for step in lists.get("steps") or ():
        if len(step) > limits.max_step_chars:
            out.add(
                fields["steps"].line, f"a step is longer than {limits.max_step_chars} characters"
            )
    offer, about = _flag(fields, "offer_person", out), _flag(fields, "about_helpline", out)
    what = f"entry '{entry_id}'" if entry_id else "an entry"
    provenance = read_provenance(fields, node.line, what, out, required=not about)
    if len(out.problems) > before or any(k not in fields for k in _REQUIRED):
        return None
    assert entry_id and title and answer is not None
    return FaqEntry(
        id=entry_id,
        title=title,
        answer=answer,
        questions=lists["questions"] or (),
        keywords=lists["keywords"] or (),
        steps=lists["steps"] or (),
        related=lists["related"] or (),
        provenance=provenance,
        offer_person=offer,
        about_helpline=about,
        source_file=out.path,
        line=node.line,
    )


def _entries_in_file(
    path: Path, limits: ContentLimits
) -> tuple[list[FaqEntry], list[ContentProblem]]:
    out = ProblemList(str(path))
    try:
        root = read_yaml(path)
    except ContentError as error:
        return [], error.problems
    if root is None or not isinstance(root.value, list):
        out.add(root.line if root else 1, "the file must be a list of entries ('- id: ...')")
        return [], out.problems
    entries = [e for node in root.value if (e := _entry_from_node(node, limits, out)) is not None]
    return entries, out.problems


def _cross_checks(entries: Iterable[FaqEntry]) -> list[ContentProblem]:
    """Checks that span entries: duplicate ids and phrasings, dangling related ids."""
    problems: list[ContentProblem] = []
    seen_ids: dict[str, FaqEntry] = {}
    seen_questions: dict[str, FaqEntry] = {}
    entries = list(entries)
    for entry in entries:
        if entry.id in seen_ids:
            first = seen_ids[entry.id]
            problems.append(
                ContentProblem(
                    entry.source_file,
                    entry.line,
                    f"duplicate id '{entry.id}' (first at {first.source_file}:{first.line})",
                )
            )
        seen_ids.setdefault(entry.id, entry)
        for question in entry.questions:
            key = fold(question)
            other = seen_questions.get(key)
            if other is not None:
                where = "this entry" if other is entry else f"entry '{other.id}'"
                problems.append(
                    ContentProblem(
                        entry.source_file,
                        entry.line,
                        f"duplicate phrasing '{question}' (also in {where})",
                    )
                )
            seen_questions.setdefault(key, entry)
    for entry in entries:
        for related in entry.related:
            if related not in seen_ids:
                problems.append(
                    ContentProblem(
                        entry.source_file, entry.line, f"related id '{related}' does not exist"
                    )
                )
            elif related == entry.id:
                problems.append(
                    ContentProblem(
                        entry.source_file, entry.line, "an entry cannot be related to itself"
                    )
                )
    return problems


def _catalogue_checks(entries: list[FaqEntry], catalogue: Path) -> list[ContentProblem]:
    """Every catalogue id must exist, and handoff entries must offer a person."""
    try:
        root = read_yaml(catalogue)
    except ContentError as error:
        return error.problems
    if root is None or not isinstance(root.value, dict) or "required_ids" not in root.value:
        return [ContentProblem(str(catalogue), 1, "catalogue needs a 'required_ids' list")]
    by_id = {entry.id: entry for entry in entries}
    problems: list[ContentProblem] = []
    required = root.value["required_ids"].value
    for node in required if isinstance(required, list) else []:
        if node.value not in by_id:
            problems.append(
                ContentProblem(
                    str(catalogue), node.line, f"catalogue id '{node.value}' has no FAQ entry"
                )
            )
    offer = root.value.get("must_offer_person")
    for node in offer.value if offer is not None and isinstance(offer.value, list) else []:
        entry = by_id.get(str(node.value))
        if entry is not None and not entry.offer_person:
            problems.append(
                ContentProblem(
                    entry.source_file,
                    entry.line,
                    f"entry '{entry.id}' must have 'offer_person: true'",
                )
            )
    return problems


def check_faq(
    content_dir: Path = DEFAULT_CONTENT_DIR,
    catalogue: Path | None = DEFAULT_CATALOGUE,
    limits: ContentLimits | None = None,
) -> tuple[list[FaqEntry], list[ContentProblem]]:
    """Load every *.yaml file under content_dir; return the valid entries and all problems."""
    limits = limits or ContentLimits()
    files = sorted(content_dir.glob("*.yaml")) if content_dir.is_dir() else []
    if not files:
        return [], [ContentProblem(str(content_dir), 0, "no FAQ content files (*.yaml) found")]
    entries: list[FaqEntry] = []
    problems: list[ContentProblem] = []
    for path in files:
        file_entries, file_problems = _entries_in_file(path, limits)
        entries.extend(file_entries)
        problems.extend(file_problems)
    unreadable = ("YAML syntax", "cannot read", "the file must be a list")
    if any(p.message.startswith(unreadable) for p in problems):
        return entries, sorted(problems)  # cross-file checks would only echo the missing file
    problems.extend(_cross_checks(entries))
    if catalogue is not None:
        problems.extend(_catalogue_checks(entries, catalogue))
    return entries, sorted(problems)


def load_faq(
    content_dir: Path = DEFAULT_CONTENT_DIR,
    catalogue: Path | None = DEFAULT_CATALOGUE,
    limits: ContentLimits | None = None,
) -> FaqBase:
    """Load the FAQ for the bot, refusing content with any problem (raises ContentError)."""
    entries, problems = check_faq(content_dir, catalogue, limits)
    if problems:
        raise ContentError(problems)
    return FaqBase(tuple(entries))
