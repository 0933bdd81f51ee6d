"""`ouderlijn faq sources`: every claim of the FAQ and the tree with its source and date, so a
coordinator can see where a fact comes from and which ones are due for a check."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from datetime import date
from typing import TextIO

from bot.config import Settings
from faq.decision_tree import DEFAULT_TREE, check_tree
from faq.loader import check_faq
from faq.model import Provenance, SourceRef
from faq.sources import stale_sources


def _items(settings: Settings) -> Iterator[tuple[str, str, Provenance]]:
    """(kind, id, provenance) of every FAQ entry and tree leaf that loads, in file order."""
    sources = settings.knowledge
    entries, _ = check_faq(sources.content_dir, sources.catalogue, sources.limits)
    for entry in entries:
        yield "faq", entry.id, entry.provenance
    tree, _ = check_tree(DEFAULT_TREE, {e.id for e in entries})
    for node in tree.nodes.values() if tree is not None else ():
        if node.is_leaf:
            yield "tree", node.id, node.provenance


def source_rows(settings: Settings) -> list[dict[str, str | None]]:
    """One row per claim (and per regional note), with the shown link marked."""
    rows: list[dict[str, str | None]] = []
    for kind, item, provenance in _items(settings):
        refs: list[tuple[str | None, SourceRef]] = [(None, ref) for ref in provenance.sources]
        refs += [(note.region, note.source) for note in provenance.regional]
        for region, ref in refs:
            rows.append(
                {
                    "kind": kind,
                    "id": item,
                    "region": region,
                    "claim": ref.claim,
                    "url": ref.url,
                    "law": ref.law,
                    "doc": ref.doc,
                    "checked": ref.checked.isoformat(),
                    "shown": "yes" if ref.url and ref.url == provenance.link else "no",
                }
            )
    return rows


def print_sources(settings: Settings, as_json: bool, out: TextIO = sys.stdout) -> int:
    """Print the table (or JSON); exit 1 when nothing could be loaded."""
    rows = source_rows(settings)
    if as_json:
        json.dump(rows, out, ensure_ascii=False, indent=1)
        out.write("\n")
        return 0 if rows else 1
    width = max((len(f"{r['kind']}:{r['id']}") for r in rows), default=10)
    print(f"{'item':<{width}}  checked     claim / source", file=out)
    for row in rows:
        label = f"{row['kind']}:{row['id']}"
        region = f"[{row['region']}] " if row["region"] else ""
        print(f"{label:<{width}}  {row['checked']}  {region}{row['claim']}", file=out)
        where = " · ".join(str(row[k]) for k in ("law", "doc", "url") if row[k])
        shown = "  (Bron: for parents)" if row["shown"] == "yes" else ""
        print(f"{'':<{width}}              ↳ {where}{shown}", file=out)
    print(f"{len(rows)} claims", file=out)
    return 0 if rows else 1


def warn_stale(
    items: Iterable[tuple[str, str, int, Provenance]], max_age_months: int, out: TextIO
) -> None:
    """Print a "warning:" line per source not checked for `max_age_months` (no failure)."""
    for warning in stale_sources(items, date.today(), max_age_months):
        print(f"warning: {warning}", file=out)
