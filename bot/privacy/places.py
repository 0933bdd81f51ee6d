"""Street addresses, school names and dates of birth: shapes plus a little context."""

from __future__ import annotations

import re

from bot.privacy.lexicon import STREET_SUFFIXES, Lexicon, zipf
from bot.privacy.model import Finding

HOUSE_NUMBER = re.compile(
    r"\s+(\d{1,4}(?:\s?[a-zA-Z](?![\w])|-\d{1,4}[a-zA-Z]?|\s(?:bis|hs|huis|zw|I{1,3})\b)?)"
    r"(?![\d:.,]\d|\w)"
)
# A number followed by these is an amount or a time, not a house number.
NOT_AFTER_NUMBER = re.compile(
    r"\s*(?:uur|jaar|jr|keer|x|min|minuten|dagen|dag|weken|week|maanden|maand|kinderen|km|"
    r"euro|€|%|procent|kilo|meter|lessen|ochtenden|middagen|leerlingen|uurtjes)\b",
    re.IGNORECASE,
)
STREET_WORD = re.compile(rf"[^\W\d_][\w'’.-]*(?:{'|'.join(STREET_SUFFIXES)})", re.IGNORECASE)
WORD_BEFORE = re.compile(r"([^\W\d_][\w'’.-]*)\s*$")
NAME_JOINERS = frozenset(("de", "van", "der", "den", "het", "'t", "’t", "ter", "ten", "te"))
MONTHS = (
    "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
    "|jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec"
)
DATE = re.compile(
    rf"\b(?:(?:[0-3]?\d)[-/.](?:[01]?\d)[-/.](?:19|20)?\d\d"
    rf"|[0-3]?\d(?:e|ste|de)?\s+(?:{MONTHS})\.?(?:\s+(?:(?:19|20)\d\d|'\d\d))?)(?![\w/-])",
    re.IGNORECASE,
)
HAS_YEAR = re.compile(r"(?:19|20)\d\d\b|['-/.]\d\d$")
BIRTH_BEFORE = re.compile(
    r"(?i)(?:geboren|geb\.?|geboortedatum|geboorte\s?datum|geb\.?\s?datum|dob)"
    r"\s*(?:op|in|:)?\s*[:(]?\s*$"
)
BIRTH_AFTER = re.compile(r"(?i)^\)?\s*(?:geboren|geb\.)")
SCHOOL_TYPES = (
    r"basisschool|basisschooltje|kindcentrum|montessorischool|jenaplanschool|"
    r"daltonschool|freinetschool|vrije\s+school|christelijke\s+basisschool|"
    r"islamitische\s+basisschool|openbare\s+basisschool"
)
SCHOOL_ACRONYMS = r"IKC|KBS|CBS|OBS|PCBS|RKBS|GBS|SBO|SO|VSO|SBAO"
NAME_PART = r"(?:[A-Z][\w'’-]*|'t|’t|'T|’T)"
SCHOOL_NAME = (
    rf"(?:(?:[Dd]e|[Hh]et|'t|’t|'T|Al|El|Sint|St\.)\s+)?{NAME_PART}(?:\s+{NAME_PART}){{0,2}}"
)
SCHOOL_BY_TYPE = re.compile(
    rf"\b(?:(?i:{SCHOOL_TYPES})|{SCHOOL_ACRONYMS})\s+{SCHOOL_NAME}"
    rf"|\b[Ss]chool\s+(?:De|Het|'t|’t)\s+{NAME_PART}(?:\s+{NAME_PART}){{0,2}}"
    rf"|\b(?i:cbs|obs|kbs|pcbs|rkbs|ikc|basisschool|montessorischool)\s+(?:de|het|'t)\s+[a-z]\w+"
    rf"|\b(?i:ikc|kbs|cbs|obs|pcbs|rkbs|gbs|sbo|vso|sbao|bs|osg|roc)\s+{SCHOOL_NAME}"
)
# "zit op De Horizon", "bij De Bolster": a capitalised De/Het name after where a child goes
SCHOOL_AFTER = re.compile(
    rf"\b(?:op|bij|naar|is|heet|van)\s+((?:De|Het|'t|’t)\s+{NAME_PART}(?:\s+{NAME_PART}){{0,2}})"
)
# one-word school names: "de Berkenschool", "Oranje Nassauschool"
SCHOOL_WORD = re.compile(r"\b(?:[A-Z][\w'’-]*\s+)?[A-Z][\w'’-]+school\b")
SCHOOL_KINDS = r"College|Lyceum|Gymnasium|Atheneum|Scholengemeenschap|Scholengroep|Campus"
SCHOOL_BY_NAME = re.compile(
    rf"(?:\b[A-Z][\w'’-]*\s+){{1,3}}(?:{SCHOOL_KINDS})\b(?!\s+(?:van|voor)\b)(?:\s+[A-Z][a-z]+)?"
    rf"|\b[A-Z][\w'’-]*(?:lyceum|college|gymnasium)\b"
    rf"|\b(?:Gymnasium|Lyceum)\s+[A-Z][a-z]+"
)
ARTICLES = frozenset(("het", "de", "een", "mijn", "ons", "onze", "op", "naar", "van", "bij"))


def _is_street_word(word: str, lexicon: Lexicon, capital_ok: bool) -> bool:
    folded = word.lower()
    if not folded.endswith(STREET_SUFFIXES) or folded in lexicon.domain_words:
        return False
    bare = any(folded == s for s in STREET_SUFFIXES)
    if word[0].isupper() and capital_ok:
        return True
    return not bare and zipf(folded) < 4.0


def _street_start(text: str, head_start: int, lexicon: Lexicon) -> int:
    """Extend a street name leftwards over capitalised words and name joiners."""
    start = head_start
    while True:
        before = WORD_BEFORE.search(text, max(0, start - 40), start)
        if before is None or (before.end() != start and text[before.end() : start].strip()):
            return start
        word = before.group(1)
        if (word[0].isupper() and word.lower() not in ARTICLES) or word.lower() in NAME_JOINERS:
            start = before.start()
        else:
            return _trim_joiners(text, start, head_start)


def _trim_joiners(text: str, start: int, head_start: int) -> int:
    while start < head_start and text[start:].split(" ", 1)[0].lower() in NAME_JOINERS:
        start = text.index(" ", start) + 1
    return start


def find_addresses(text: str, lexicon: Lexicon) -> list[Finding]:
    """A street (Dutch suffix or a known street) followed by a house number: "Kerkstraat 12a"."""
    found = []
    for number in HOUSE_NUMBER.finditer(text):
        if NOT_AFTER_NUMBER.match(text, number.end()):
            continue
        before = WORD_BEFORE.search(text, max(0, number.start() - 60), number.start())
        if before is None:
            continue
        word = before.group(1)
        head = before.start()
        sentence_start = not text[:head].strip() or text[:head].rstrip()[-1] in ".!?:"
        start: int | None
        if _is_street_word(word, lexicon, capital_ok=not sentence_start or len(word) > 6):
            start = _street_start(text, head, lexicon)
        else:
            start = _known_street(text, head, before.end(), lexicon)
        if start is not None:
            found.append(Finding("ADRES", start, number.end(1)))
    return found


def _known_street(text: str, head: int, end: int, lexicon: Lexicon) -> int | None:
    """Start of a capitalised street from deduce's list ending at end ("Lange Voorhout")."""
    words = list(re.finditer(r"[\w'’.-]+", text[max(0, head - 40) : end]))
    offset = max(0, head - 40)
    for take in (3, 2, 1):
        if len(words) < take:
            continue
        first = words[-take]
        name = " ".join(w.group() for w in words[-take:]).lower()
        if first.group()[0].isupper() and name in lexicon.streets:
            if take == 1 and (zipf(name) >= 3.0 or name in lexicon.domain_words):
                return None
            return offset + first.start()
    return None


def find_schools(text: str, lexicon: Lexicon) -> list[Finding]:
    """School names: "basisschool De Regenboog", "CBS de Wegwijzer", "het Vossius Gymnasium"."""
    found = []
    for match in SCHOOL_BY_TYPE.finditer(text):
        words = [w.lower() for w in match.group().split()[1:]]
        generic = match.group().lower().startswith("school")
        if generic and all(w in lexicon.domain_words for w in words if w not in NAME_JOINERS):
            continue  # "school Veilig Thuis", "school de Raad": organisations, not schools
        found.append(Finding("SCHOOL", match.start(), match.end()))
    for match in SCHOOL_AFTER.finditer(text):
        words = [w.lower() for w in match.group(1).split()[1:]]
        if not all(w in lexicon.domain_words for w in words):  # not "Het Juridisch Loket"
            found.append(Finding("SCHOOL", match.start(1), match.end(1)))
    for match in SCHOOL_WORD.finditer(text):
        words = [w.lower() for w in match.group().split()]
        if words[-1] not in lexicon.domain_words and zipf(words[-1]) < 3.0:
            start = (
                match.start()
                if len(words) == 1 or words[0] not in ARTICLES
                else (match.start() + len(match.group().split()[0]) + 1)
            )
            found.append(Finding("SCHOOL", start, match.end()))
    for match in SCHOOL_BY_NAME.finditer(text):
        start, words = match.start(), match.group().split()
        while words and words[0].lower() in ARTICLES:
            start = text.index(words[1], start + len(words[0])) if len(words) > 1 else match.end()
            words = words[1:]
        if len(words) >= 1 and start < match.end():
            found.append(Finding("SCHOOL", start, match.end()))
    return found


def find_dates(text: str) -> list[tuple[int, int, bool]]:
    """Every date as (start, end, has_year)."""
    return [
        (m.start(), m.end(), bool(HAS_YEAR.search(m.group())))
        for m in DATE.finditer(text)
        if any(c.isdigit() for c in m.group())
    ]


def find_birth_dates(text: str, name_ends: list[int]) -> list[Finding]:
    """Dates after "geboren (op)", "geb.", "geboortedatum", before "geboren", or after a name."""
    found = []
    for start, end, has_year in find_dates(text):
        before = text[max(0, start - 30) : start]
        if (
            BIRTH_BEFORE.search(before)
            or (has_year and BIRTH_AFTER.match(text[end : end + 12]))
            or (
                has_year
                and any(
                    re.fullmatch(r"\s*(?:is|,|\(|-|:)?\s*", text[e:start])
                    for e in name_ends
                    if e <= start
                )
            )
        ):
            found.append(Finding("GEBOORTEDATUM", start, end))
    return found
