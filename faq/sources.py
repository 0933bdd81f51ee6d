"""Where a fact comes from: per-claim sources with a `checked:` date, the one link a parent
sees ("Bron:"), and regional details kept apart for the regional layer.

FAQ entries and tree leaves share this parsing, so `faq check`, `tree check` and
`faq sources` judge both the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from urllib.parse import urlsplit

from faq.model import ContentProblem, Provenance, RegionalNote, SourceRef
from faq.yamlsource import ProblemList, YamlNode

_SOURCE_FIELDS = ("claim", "url", "law", "doc", "checked")
_REGIONAL_FIELDS = ("region", "text", "url", "law", "doc", "checked")
_REGION_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DEFAULT_MAX_AGE_MONTHS = 12


def _text(node: YamlNode, name: str, out: ProblemList) -> str | None:
    if not isinstance(node.value, str) or not node.value.strip():
        out.add(node.line, f"field '{name}' must be non-empty text")
        return None
    return " ".join(node.value.split())


def _date(node: YamlNode | None, line: int, out: ProblemList) -> date | None:
    if node is None:
        out.add(line, "a source needs 'checked: YYYY-MM-DD' (the day it was checked)")
        return None
    try:
        return date.fromisoformat(str(node.value))
    except ValueError:
        out.add(node.line, f"'checked' must be a date like 2026-12-01, not '{node.value}'")
        return None


def is_deep_link(url: str) -> bool:
    """True for an https page below a site's root, e.g. not just https://www.duo.nl/."""
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.netloc) and parts.path.strip("/") != ""


def _reference(
    fields: dict[str, YamlNode], line: int, out: ProblemList, claim: str
) -> SourceRef | None:
    """Build a SourceRef from already-checked fields; reports a missing url/law/doc."""
    url = _text(fields["url"], "url", out) if "url" in fields else None
    law = _text(fields["law"], "law", out) if "law" in fields else None
    doc = _text(fields["doc"], "doc", out) if "doc" in fields else None
    if url is not None and not url.startswith("https://"):
        out.add(fields["url"].line, f"source url must start with https:// ('{url}')")
        url = None
    if not (url or law or doc):
        out.add(line, "a source needs a 'url', a 'law' article or a 'doc'")
        return None
    checked = _date(fields.get("checked"), line, out)
    if checked is None:
        return None
    return SourceRef(claim=claim, checked=checked, url=url, law=law, doc=doc)


def _source(node: YamlNode, out: ProblemList) -> SourceRef | None:
    fields = out.fields(node, _SOURCE_FIELDS, "a source")
    if not fields:
        return None
    if "claim" not in fields:
        out.add(node.line, "a source needs 'claim': the fact it backs, in one sentence")
        return None
    claim = _text(fields["claim"], "claim", out)
    return None if claim is None else _reference(fields, node.line, out, claim)


def _regional(node: YamlNode, out: ProblemList) -> RegionalNote | None:
    fields = out.fields(node, _REGIONAL_FIELDS, "a regional note")
    if not fields:
        return None
    missing = [name for name in ("region", "text") if name not in fields]
    if missing:
        out.add(node.line, f"a regional note needs {' and '.join(repr(m) for m in missing)}")
        return None
    region = _text(fields["region"], "region", out)
    text = _text(fields["text"], "text", out)
    if region is not None and not _REGION_RE.match(region):
        out.add(fields["region"].line, f"region '{region}' must be lower-case words joined by '-'")
        return None
    if region is None or text is None:
        return None
    source = _reference(fields, node.line, out, text)
    return None if source is None else RegionalNote(region, text, source)


def _items(node: YamlNode | None, name: str, out: ProblemList) -> list[YamlNode]:
    if node is None:
        return []
    if not isinstance(node.value, list) or not node.value:
        out.add(node.line, f"field '{name}' must be a non-empty list")
        return []
    return node.value


def read_provenance(
    fields: dict[str, YamlNode], line: int, what: str, out: ProblemList, *, required: bool
) -> Provenance:
    """Validate `sources`, `link` and `regional` of one item; sources and link when required."""
    if required and "sources" not in fields:
        out.add(line, f"{what} has no 'sources': list each claim with its url, law or doc")
    sources = [s for n in _items(fields.get("sources"), "sources", out) if (s := _source(n, out))]
    regional = [
        r for n in _items(fields.get("regional"), "regional", out) if (r := _regional(n, out))
    ]
    link_node = fields.get("link")
    link = _text(link_node, "link", out) if link_node is not None else None
    if link_node is not None and link is not None:
        if not is_deep_link(link):
            out.add(link_node.line, f"link must be an https page, not a homepage ('{link}')")
        elif link not in {s.url for s in sources}:
            out.add(link_node.line, "link must also be the url of one of the sources")
    elif required:
        out.add(line, f"{what} needs a 'link': the one page the parent sees under 'Bron:'")
    return Provenance(tuple(sources), link, tuple(regional))


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from one date to a later one."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (later.day < earlier.day)


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (clamped to the month's last day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month + 1, candidate)
        except ValueError:
            continue
    return date(year, month + 1, min(day.day, 28))


def stale_sources(
    items: Iterable[tuple[str, str, int, Provenance]],
    today: date,
    max_age_months: int = DEFAULT_MAX_AGE_MONTHS,
) -> list[ContentProblem]:
    """Warnings for sources checked longer ago than max_age_months (file, id, line, provenance)."""
    warnings = []
    cutoff = months_before(today, max_age_months)
    for path, item_id, line, provenance in items:
        refs = [*provenance.sources, *(note.source for note in provenance.regional)]
        for ref in refs:
            age = months_between(ref.checked, today)
            if ref.checked > today:
                warnings.append(
                    ContentProblem(
                        path,
                        line,
                        f"source of '{item_id}' says it was checked on {ref.checked}, "
                        f"a day still to come: write the day it was really checked",
                    )
                )
            elif ref.checked < cutoff:
                warnings.append(
                    ContentProblem(
                        path,
                        line,
                        f"source of '{item_id}' last checked {ref.checked} ({age} months ago, "
                        f"limit {max_age_months}): check it again — {ref.where}",
                    )
                )
    return warnings
