"""The statistics' Dutch labels (bot/locales/stats_nl.yaml), with a readable error for a gap."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.flat_texts import load_flat_texts


@dataclass(frozen=True)
class Labels:
    """Looks up a label; an unknown key falls back to the key itself (a new outcome code
    should still show, not crash the dashboard)."""

    texts: Mapping[str, str]

    def __call__(self, key: str, **values: str) -> str:
        text = self.texts.get(key, key.rsplit(".", 1)[-1])
        return text.format(**values) if values else text


def load_labels(language: str = "nl") -> Labels:
    """The labels of one language."""
    return Labels(load_flat_texts(f"stats_{language}"))
