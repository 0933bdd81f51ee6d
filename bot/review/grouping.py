"""Similar review questions grouped together, so a coordinator sees "asked 12 times" once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.storage.records import ReviewItem
from faq.textfold import fold

SIMILAR = 72  # token-set similarity (0-100) from which two questions count as one
MAX_EXAMPLES = 3


@dataclass(frozen=True)
class ReviewGroup:
    """Questions that say much the same; `key` is the id of its first item."""

    key: int
    text: str
    examples: tuple[str, ...]
    size: int
    kinds: tuple[str, ...]
    entry: str | None
    item_ids: tuple[int, ...]


def group_items(items: Sequence[ReviewItem]) -> list[ReviewGroup]:
    """Greedy clustering on folded text: each item joins the most similar group's first
    question, or starts a group. Biggest groups first, then oldest."""
    firsts: list[str] = []
    members: list[list[ReviewItem]] = []
    for item in items:
        folded = fold(item.text)
        best = process.extractOne(folded, firsts, scorer=fuzz.token_set_ratio, score_cutoff=SIMILAR)
        if best is not None:
            members[best[2]].append(item)
        else:
            firsts.append(folded)
            members.append([item])
    groups = [_group(found) for found in members]
    return sorted(groups, key=lambda g: (-g.size, g.key))


def _group(found: list[ReviewItem]) -> ReviewGroup:
    texts = list(dict.fromkeys(item.text for item in found))
    entries = Counter(item.entry for item in found if item.entry)
    kinds = tuple(dict.fromkeys(item.kind for item in found))
    return ReviewGroup(
        key=found[0].id,
        text=texts[0],
        examples=tuple(texts[1 : 1 + MAX_EXAMPLES]),
        size=len(found),
        kinds=kinds,
        entry=entries.most_common(1)[0][0] if entries else None,
        item_ids=tuple(item.id for item in found),
    )
