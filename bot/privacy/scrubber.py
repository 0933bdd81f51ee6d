"""The scrubber: every detector over one message, overlaps resolved, placeholders in."""

from __future__ import annotations

import threading

from bot.privacy.lexicon import ROOT, Lexicon, load_lexicon
from bot.privacy.model import Finding, replace, resolve
from bot.privacy.names import AGE, NameFinder, find_initials
from bot.privacy.numbers import (
    cited_hosts,
    find_bsn,
    find_emails,
    find_phones,
    find_postcodes,
    find_urls,
    helpline_numbers,
    yaml_texts,
)
from bot.privacy.places import find_addresses, find_birth_dates, find_schools

# The helpline's own texts: a phone number in them is a helpline's, never a parent's.
HELPLINE_TEXTS = (ROOT / "faq" / "content", ROOT / "faq" / "tree", ROOT / "bot" / "locales")


class Scrubber:
    """Finds and replaces Dutch personal data; built once, then pure and thread-safe."""

    def __init__(
        self,
        lexicon: Lexicon,
        helplines: frozenset[str] = frozenset(),
        cited: frozenset[str] = frozenset(),
    ) -> None:
        """Use these word lists; helpline numbers (national digits) and cited sites stay."""
        self.lexicon = lexicon
        self.names = NameFinder(lexicon)
        self.helplines = helplines or helpline_numbers()
        self.cited = cited

    @classmethod
    def load(cls) -> Scrubber:
        """Read deduce's lists, the domain vocabulary, helpline numbers and cited sites."""
        texts = list(yaml_texts(HELPLINE_TEXTS))
        return cls(load_lexicon(), helpline_numbers(texts), cited_hosts(texts))

    def findings(self, text: str) -> list[Finding]:
        """Every piece of personal data in text, non-overlapping, in text order."""
        found = find_emails(text) + find_urls(text, self.cited) + find_bsn(text)
        found += find_phones(text, self.helplines) + find_postcodes(text)
        found += find_addresses(text, self.lexicon) + find_schools(text, self.lexicon)
        names = resolve(found + self.names.find(text) + find_initials(text, self.lexicon))
        names = [f for f in names if f.kind == "NAAM"]
        found += names + find_birth_dates(text, [n.end for n in names])
        found += [age for n in names if (age := self._age(text, n.end)) is not None]
        return resolve(found)

    @staticmethod
    def _age(text: str, at: int) -> Finding | None:
        match = AGE.match(text, at)
        if match is None:
            return None
        group = next(g for g in (1, 2, 3) if match.group(g) is not None)
        return Finding("LEEFTIJD", match.start(group), match.end(group))

    def scrub(self, text: str) -> str:
        """The text with each finding replaced by its placeholder ("[NAAM]", "[TELEFOON]", …)."""
        return replace(text, self.findings(text))


_default: Scrubber | None = None
_lock = threading.Lock()


def default_scrubber() -> Scrubber:
    """The process-wide scrubber, loaded on first use (word lists are read once)."""
    global _default
    with _lock:
        if _default is None:
            _default = Scrubber.load()
        return _default
