"""Word lists for the scrubber: deduce's name and street lists plus the helpline's own vocabulary.

deduce ships its lookup lists as plain text files (LGPL data). They are read straight from the
installed package: importing deduce would build its full model (about a gigabyte), which the
bot must not carry. Everything is folded to lower case and kept in frozensets, loaded once.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from wordfreq import zipf_frequency

ROOT = Path(__file__).resolve().parents[2]
# The helpline's own texts: every word in them is domain vocabulary, never a name by itself.
DOMAIN_SOURCES = (
    ROOT / "faq" / "content",
    ROOT / "faq" / "lexicon",
    ROOT / "faq" / "tree",
)
# Street names ending in one of these are recognised by their shape; only the others are kept.
STREET_SUFFIXES = (
    "straat", "laan", "weg", "plein", "gracht", "kade", "singel", "dijk", "pad", "hof", "park",
    "dreef", "steeg", "markt", "plantsoen", "wal", "ring", "baan", "veld", "erf", "gaarde",
    "boulevard", "allee", "dam", "haven", "burg", "kwartier", "oord", "akker", "hoek", "weide",
    "donk", "horst", "straatje", "laantje", "pleintje", "hage", "zoom", "poort", "brink",
)  # fmt: skip


def words(text: str) -> frozenset[str]:
    """A word list written as whitespace-separated text."""
    return frozenset(text.split())


# Names that are also everyday Dutch (or chat-English) words: a name only in a name context.
AMBIGUOUS = words(
    """
    roos bas mark wil ben hoop mees noor lieve kader brand koop job constant win star
    lente fan line just engel maatje rem kik pluk parel zwaan mus botje haring blaas kas
    hok raaf lelie mare mans has fine max ken my love day an can guy may sky river moon
    hope luck lucky silver ocean rover mint seven nine tin hang don ai mo roman marine
    junior prince king france india paris roma august anno storm zonne vive sin lean done
    fake alien brain bars cars daily him take skip stern splinter lava pie reef tiny ward
    wester mine lone bien bin dies age kee mie pom sas tos iet lie juni juli june july
    april jan mei islam israël ouwe vrouwtje feite kong jersey gene hero rose joy faith bo
    jo ed rio dex lot floor sterre fleur merel roel ties piet joke
    """
)


@dataclass(frozen=True)
class Lexicon:
    """Everything the name and address rules look up, folded to lower case."""

    first_names: frozenset[str]
    surnames: frozenset[str]
    interfixes: tuple[tuple[str, ...], ...]  # "van der" as ("van", "der"), longest first
    stop_words: frozenset[str]
    common_words: frozenset[str]  # deduce's common words and stop words
    domain_words: frozenset[str]  # every word of the FAQ, tree and lexicon files
    places: frozenset[str]
    streets: frozenset[str]  # known streets without a street suffix ("lange voorhout")
    source: Path | None

    def is_common(self, word: str) -> bool:
        """True for a word that is ordinary text here, whatever the name lists say."""
        return word in self.common_words or word in self.domain_words or word in AMBIGUOUS


@lru_cache(maxsize=200_000)
def zipf(word: str) -> float:
    """Dutch word frequency on the Zipf scale (wordfreq, cached per word)."""
    return float(zipf_frequency(word, "nl"))


def deduce_lookup_dir() -> Path | None:
    """deduce's lookup/src folder, found without importing deduce (None when not installed)."""
    spec = importlib.util.find_spec("deduce")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "data" / "lookup" / "src"
    return folder if folder.is_dir() else None


def _read(path: Path) -> Iterator[str]:
    if path.is_file():
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    yield line.strip().lower()


def read_list(folder: Path | None, name: str) -> frozenset[str]:
    """One deduce list (items minus exceptions, all nested lists), folded to lower case."""
    if folder is None:
        return frozenset()
    root = folder / name
    items: set[str] = set()
    for path in sorted(root.rglob("items.txt")) if root.is_dir() else []:
        items.update(_read(path))
        items.difference_update(_read(path.with_name("exceptions.txt")))
    return frozenset(items)


WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def domain_vocabulary(sources: Iterable[Path] = DOMAIN_SOURCES) -> frozenset[str]:
    """Every word in the helpline's YAML files, lower case ("opp", "balans", "leerplicht")."""
    words: set[str] = set()
    for folder in sources:
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            text = path.read_text(encoding="utf-8")
            words.update(w.lower() for w in WORD.findall(text))
    return frozenset(words)


def suffixless_streets(folder: Path | None) -> frozenset[str]:
    """deduce's streets that no suffix rule finds ("lange voorhout"), read line by line."""
    if folder is None:
        return frozenset()
    path = folder / "locations" / "lst_street" / "items.txt"
    kept = (s for s in _read(path) if len(s) > 3 and not s.endswith(STREET_SUFFIXES))
    return frozenset(kept) - frozenset(_read(path.with_name("exceptions.txt")))


def load_lexicon(with_streets: bool = True) -> Lexicon:
    """Read deduce's lists and the domain vocabulary (about a second; call once)."""
    folder = deduce_lookup_dir()
    stop = read_list(folder, "whitelist/lst_stop_word")
    common = read_list(folder, "whitelist/lst_common_word") | stop
    interfix = read_list(folder, "names/lst_interfix")
    surnames = read_list(folder, "names/lst_surname") | read_list(
        folder, "names/lst_interfix_surname"
    )
    places = read_list(folder, "locations/lst_placename")
    return Lexicon(
        first_names=read_list(folder, "names/lst_first_name"),
        surnames=surnames,
        interfixes=tuple(
            sorted({tuple(i.split()) for i in interfix}, key=lambda parts: (-len(parts), parts))
        ),
        stop_words=stop,
        common_words=common,
        domain_words=domain_vocabulary(),
        places=places,
        streets=suffixless_streets(folder) if with_streets else frozenset(),
        source=folder,
    )
