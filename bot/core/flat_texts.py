"""Flat text files (`bot/locales/<name>.yaml`, one level of nesting): the web pages' and the
statistics' Dutch labels, read the same way by every surface."""

from __future__ import annotations

from pathlib import Path

import yaml

from faq.model import ContentError, ContentProblem

LOCALES = Path(__file__).resolve().parents[1] / "locales"


def problem(path: Path, message: str, line: int = 1) -> ContentError:
    """A ContentError with one file:line problem (the bot refuses to start with it)."""
    return ContentError([ContentProblem(str(path), line, message)])


def load_flat_texts(name: str) -> dict[str, str]:
    """A locale file's texts, flattened to dotted keys (`queue: {claim: …}` → "queue.claim")."""
    path = LOCALES / f"{name}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise problem(path, str(error)) from None
    if not isinstance(data, dict):
        raise problem(path, "expected a mapping of texts")
    flat: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            for sub, text in value.items():
                flat[f"{key}.{sub}"] = str(text)
        else:
            flat[str(key)] = str(value)
    return flat
