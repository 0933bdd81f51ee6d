"""Phone numbers, BSN (citizen service numbers), e-mail addresses, URLs and postcodes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

from bot.privacy.lexicon import words
from bot.privacy.model import Finding

# Helplines and emergency numbers are not personal data: a parent may name them freely.
HELPLINES = ("112", "113", "0800-0113", "0800-0432", "0800-2000", "0900-8844", "0900-1450")
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
TLDS = "nl|com|org|net|be|eu|info|nu|io|de|app|online|site|frl|amsterdam|me|tv|ly|be"
URL = re.compile(
    r"\bhttps?://[^\s<>\"']+|\bwww\.[^\s<>\"']+"
    rf"|(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{TLDS})\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
TRAILING = ".,;:!?)]}'\""
# A Dutch number phonenumbers may reject: ten digits from 0, in any grouping.
OWN_PHONE = re.compile(r"(?<![\d+])(?:\+31|0031|0)[\s.-]?(?:\(0\)[\s.-]?)?\d(?:[\s.-]?\d){8}(?!\d)")
DIGITS = re.compile(r"\d")
LOOKS_LIKE_DATE = re.compile(r"[0-3]?\d[-/.][01]?\d[-/.](?:19|20)\d\d")
BSN = re.compile(
    r"(?<![\d.,+/-])(?:\d{4}[.\s]\d{2}[.\s]\d{3}|\d{3}[.\s]\d{3}[.\s]\d{3}|\d{9}|\d{8})"
    r"(?![\d]|[.,/-]\d)"
)
BSN_CONTEXT = re.compile(r"(?i)\b(?:bsn|burgerservicenummer|burger\s?service\s?nummer|sofi)")
POSTCODE = re.compile(r"(?<![\w.,-])([1-9]\d{3})(\s?)([A-Za-z]{2})(?![\w-])")
# Two letters after four digits that are words or units, not a postcode ("2019 is", "1000 km").
NOT_POSTCODE = words(
    """
    en is in op om al na nu of te er ik je ze we me zo ja af uw de an ga eh he oh ok tv pc
    km cm mm kg mg ml cl dl gb mb kb kw pk uu jr st ct mi ma di do vr za zo
    """
)


def elfproef(digits: str) -> bool:
    """The BSN 11-test: 9*d1 + 8*d2 + … + 2*d8 - 1*d9 is divisible by 11 (8 digits: pad a 0)."""
    digits = digits.rjust(9, "0")
    if len(digits) != 9 or not digits.isdigit() or int(digits) == 0:
        return False
    total = sum((9 - i) * int(d) for i, d in enumerate(digits[:8])) - int(digits[8])
    return total % 11 == 0


def national(number: str) -> str:
    """The number's national digits ("0800-0113" → "8000113"), or its digits when unparsable."""
    try:
        return str(phonenumbers.parse(number, "NL").national_number)
    except phonenumbers.NumberParseException:
        return "".join(DIGITS.findall(number)).lstrip("0")


def helpline_numbers(texts: Iterable[str] = ()) -> frozenset[str]:
    """National digits of the helplines above and of every number in the given texts."""
    found = {national(n) for n in HELPLINES}
    for text in texts:
        for match in PhoneNumberMatcher(text, "NL", leniency=Leniency.VALID):
            found.add(str(match.number.national_number))
    return frozenset(found)


def yaml_texts(folders: Iterable[Path]) -> Iterator[str]:
    """The texts of the helpline's own YAML files (FAQ, tree, locales)."""
    for folder in folders:
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            yield path.read_text(encoding="utf-8")


def find_phones(text: str, allowed: frozenset[str]) -> list[Finding]:
    """Dutch phone numbers in every common notation, except the allowed (helpline) ones."""
    if len(DIGITS.findall(text)) < 7:
        return []
    spans: dict[tuple[int, int], str] = {}
    for match in PhoneNumberMatcher(text, "NL", leniency=Leniency.VALID):
        if not LOOKS_LIKE_DATE.fullmatch(match.raw_string):
            spans[(match.start, match.end)] = str(match.number.national_number)
    for own in OWN_PHONE.finditer(text):
        if LOOKS_LIKE_DATE.fullmatch(own.group()):
            continue  # "09-09-2014" is a date
        if not any(s <= own.start() < e for s, e in spans):
            spans[(own.start(), own.end())] = national(own.group())
    return [
        Finding("TELEFOON", start, end)
        for (start, end), digits in spans.items()
        if digits not in allowed and digits.lstrip("0") not in allowed
    ]


def find_bsn(text: str) -> list[Finding]:
    """Nine digits (or dotted/spaced groups) that pass the elfproef; eight only after "bsn"."""
    found = []
    for match in BSN.finditer(text):
        digits = "".join(DIGITS.findall(match.group()))
        if len(digits) == 8 and not BSN_CONTEXT.search(text, max(0, match.start() - 40)):
            continue
        if elfproef(digits):
            found.append(Finding("BSN", match.start(), match.end()))
    return found


def find_emails(text: str) -> list[Finding]:
    """E-mail addresses."""
    if "@" not in text:
        return []
    return [Finding("EMAIL", m.start(), m.end()) for m in EMAIL.finditer(text)]


def host(url: str) -> str:
    """The host of a URL in lower case, without scheme or "www." ("discriminatie.nl")."""
    bare = re.sub(r"(?i)^https?://", "", url).split("/", 1)[0].lower()
    return bare.removeprefix("www.")


def cited_hosts(texts: Iterable[str]) -> frozenset[str]:
    """Hosts of every URL in the helpline's own texts: naming such a site is not personal."""
    return frozenset(host(m.group().rstrip(TRAILING)) for t in texts for m in URL.finditer(t))


def find_urls(text: str, cited: frozenset[str] = frozenset()) -> list[Finding]:
    """Web addresses: http(s)://…, www.…, bare domains (ouders.nl/pad); a bare cited host stays."""
    if "." not in text:
        return []
    found = []
    for match in URL.finditer(text):
        url = match.group().rstrip(TRAILING)
        if "(" in match.group() and url.count("(") > url.count(")"):
            url = match.group()
        if url.lower() in cited:
            continue  # a bare site the helpline itself cites ("discriminatie.nl")
        found.append(Finding("URL", match.start(), match.start() + len(url)))
    return found


def find_postcodes(text: str) -> list[Finding]:
    """Dutch postcodes "1234 AB", "1234AB", "1234ab" (PostNL never uses SA, SD or SS)."""
    found = []
    for match in POSTCODE.finditer(text):
        letters = match.group(3)
        if letters.upper() in ("SA", "SD", "SS"):
            continue
        if not letters.isupper() and letters.lower() in NOT_POSTCODE:
            continue
        if not letters.isupper() and not letters.islower():
            continue  # "1234 Ab" is the start of a sentence, not a postcode
        found.append(Finding("POSTCODE", match.start(), match.end()))
    return found
