"""HTML pages from templates and Dutch texts in YAML, by plain substitution (no logic in
templates): `{{t:key}}` a text, `{{v:name}}` a server value, `{{texts_json}}` all texts for the
page's script, `{{h:name}}` HTML the server built and escaped itself. Everything else is
HTML-escaped, all in one pass (a value never smuggles in a placeholder); an unknown text key is
an error, found at start."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from pathlib import Path

from bot.core.flat_texts import LOCALES as LOCALES
from bot.core.flat_texts import load_flat_texts
from bot.core.flat_texts import problem as problem

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


_PLACEHOLDER = re.compile(r"\{\{(t:[\w.-]+|v:\w+|h:\w+|texts_json)\}\}")


def load_page_texts(name: str) -> dict[str, str]:
    """A page's texts (`bot/locales/<name>.yaml`), flattened to dotted keys."""
    return load_flat_texts(name)


def _script_json(texts: Mapping[str, str]) -> str:
    """JSON that is safe inside a <script type="application/json"> data block."""
    raw = json.dumps(dict(texts), ensure_ascii=False)
    return raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class Page:
    """One template with its texts; `render` fills in the server's values."""

    def __init__(self, template: str, texts: Mapping[str, str]) -> None:
        self.path = TEMPLATES / template
        try:
            self.source = self.path.read_text(encoding="utf-8")
        except OSError as error:
            raise problem(self.path, str(error)) from None
        self.texts = dict(texts)
        self.values = set()
        self.fragments = set()
        for match in _PLACEHOLDER.finditer(self.source):
            key = match.group(1)
            if key.startswith("t:") and key[2:] not in self.texts:
                line = self.source.count("\n", 0, match.start()) + 1
                raise problem(self.path, f"no text '{key[2:]}'", line)
            if key.startswith("v:"):
                self.values.add(key[2:])
            if key.startswith("h:"):
                self.fragments.add(key[2:])

    def render(self, **values: str) -> str:
        """The page with every placeholder filled; a value the template needs must be given."""
        return self.render_with(values, {})

    def render_with(self, values: Mapping[str, str], fragments: Mapping[str, str]) -> str:
        """Like render, with server-built HTML for the `{{h:name}}` placeholders."""
        missing = (self.values - set(values)) | (self.fragments - set(fragments))
        if missing:
            raise KeyError(f"{self.path.name} needs {', '.join(sorted(missing))}")

        def fill(match: re.Match[str]) -> str:
            key = match.group(1)
            if key == "texts_json":
                return _script_json(self.texts)
            if key.startswith("t:"):
                return html.escape(self.texts[key[2:]])
            if key.startswith("h:"):
                return fragments[key[2:]]
            return html.escape(values[key[2:]])

        return _PLACEHOLDER.sub(fill, self.source)
