"""Adding a parent's question to an entry's `questions:` as a new phrasing, written back into
the YAML file as one inserted line (comments and layout stay), validated like `faq check`
on a copy first, so a bad phrasing never reaches the live content."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import yaml

from faq.content_check import check_content
from faq.knowledge import KnowledgeSources
from faq.model import ContentProblem

_PLACEHOLDER = re.compile(r"\[[A-Z]+\]")
MAX_PHRASING = 500


class PhrasingError(ValueError):
    """The phrasing cannot be added: the message says why (English, for logs), `reason`
    which (empty, long, content), for a page's own words."""

    def __init__(self, message: str, reason: str = "content") -> None:
        super().__init__(message)
        self.reason = reason


def clean_phrasing(text: str) -> str:
    """The phrasing as it will be stored: scrubber placeholders such as [NAAM], control and
    direction characters (NUL, U+202E) taken out, whitespace collapsed. Raises PhrasingError
    for an empty or overlong phrasing."""
    visible = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf") or c in "\n\t")
    cleaned = " ".join(_PLACEHOLDER.sub(" ", visible).split())
    if not cleaned:
        raise PhrasingError("the phrasing is empty", "empty")
    if len(cleaned) > MAX_PHRASING:
        raise PhrasingError(f"the phrasing is longer than {MAX_PHRASING} characters", "long")
    return cleaned


def insert_phrasing(yaml_text: str, entry_id: str, phrasing: str) -> str:
    """The file's text with `phrasing` appended to the entry's block-style `questions:`."""
    lines = yaml_text.splitlines(keepends=True)
    start = next(
        (
            i
            for i, line in enumerate(lines)
            if re.fullmatch(rf"- id: {re.escape(entry_id)}\s*", line)
        ),
        None,
    )
    if start is None:
        raise PhrasingError(f"entry {entry_id!r} is not in this file")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("- ")), len(lines))
    key = next((i for i in range(start, end) if re.fullmatch(r"  questions:\s*", lines[i])), None)
    if key is None:
        raise PhrasingError(f"entry {entry_id!r} has no block-style questions list")
    indent = len(lines[key]) - len(lines[key].lstrip()) + 2
    last = key
    for i in range(key + 1, end):
        stripped = lines[i].lstrip()
        depth = len(lines[i]) - len(stripped)
        if stripped.strip() and depth < indent:
            break
        if stripped.strip():
            last = i
    item = yaml.safe_dump([phrasing], allow_unicode=True, width=10**6).rstrip("\n")
    new_line = " " * indent + item + "\n"
    if not lines[last].endswith("\n"):
        lines[last] += "\n"
    return "".join([*lines[: last + 1], new_line, *lines[last + 1 :]])


def add_phrasing(
    sources: KnowledgeSources, entry_id: str, phrasing: str, source_file: Path
) -> list[ContentProblem]:
    """Append the phrasing to `source_file` if the content still passes `faq check` with it;
    returns the problems (then nothing was written)."""
    original = source_file.read_text(encoding="utf-8")
    changed = insert_phrasing(original, entry_id, phrasing)
    with tempfile.TemporaryDirectory(prefix="ouderlijn-phrasing-") as scratch:
        copy = Path(scratch) / "content"
        shutil.copytree(sources.content_dir, copy)
        (copy / source_file.name).write_text(changed, encoding="utf-8")
        problems = check_content(replace(sources, content_dir=copy)).problems
    if problems:
        return problems
    handle, temporary = tempfile.mkstemp(prefix=f".{source_file.name}.", dir=source_file.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(changed)
    os.replace(temporary, source_file)  # atomic: a reader sees the old file or the new one
    return []


@contextlib.contextmanager
def content_lock(content_dir: Path) -> Iterator[None]:
    """One writer at a time across processes (`ouderlijn run` and another instance)."""
    with open(content_dir / ".ouderlijn-write.lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
