"""A seeded corpus of hostile messages (#15): real Dutch questions with hostile mutations,
unicode edge cases, huge and control-character texts, markup, emoji floods, forged button ids
and every media kind. `corpus(n)` is deterministic: the same seed gives the same messages.
`sensible(text)` says why a reply is not of sensible form (every channel's suite uses it)."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

SEED = 15

# Questions a parent might type; written for this corpus (never from the evaluation set).
QUESTIONS = (
    "mijn zoon wil niet meer naar school wat kan ik doen",
    "hoe vraag ik een gesprek aan met de intern begeleider",
    "onze dochter heeft adhd en krijgt steeds strafwerk",
    "wat moet er in een ontwikkelingsperspectief staan",
    "mag de school mijn kind zomaar schorsen",
    "wie betaalt het leerlingenvervoer naar speciaal onderwijs",
    "ik ben het niet eens met het schooladvies van groep acht",
    "hoe lang mag een kind thuiszitten voordat de leerplicht belt",
    "kan ik bezwaar maken tegen een verwijzing naar het sbo",
    "mijn kind wordt gepest in de klas en de juf doet niks",
    "wat is passend onderwijs eigenlijk",
    "waar vind ik een onafhankelijke onderwijsconsulent",
    "de school zegt dat ze geen plek hebben voor mijn autistische zoon",
    "hebben wij recht op een rugzakje of extra ondersteuning",
    "hoe werkt een aanvraag voor een toelaatbaarheidsverklaring",
    "mijn dochter slaapt slecht en is heel moe op school",
    "wat kan ik doen als mijn kind dyslexie heeft",
    "mag ik het dossier van mijn kind inzien",
    "wanneer krijgen we een gesprek over de overgang naar het voortgezet onderwijs",
    "is huisonderwijs toegestaan in nederland",
    "hoi, ik heb een vraag over het samenwerkingsverband",
    "de leerkracht belt me elke dag over gedrag, wat nu",
    "kunnen jullie me helpen met een klacht over de school",
    "wat als de school het ondersteuningsplan niet uitvoert",
    "help",
    "hallo",
    "?",
    "ok",
    "dank je wel",
    "ik wil iemand spreken",
)

# Crisis messages (own wording): their help must survive every harmless mutation below.
CRISIS = (
    "ik wil niet meer leven",
    "mijn zoon zegt dat hij zelfmoord wil plegen",
    "mijn dochter snijdt zichzelf",
    "ik denk erover om er een eind aan te maken",
    "mijn kind praat steeds over dood willen gaan",
)

ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad")
DIRECTION = ("\u202e", "\u202d", "\u200f", "\u200e", "\u2066", "\u2067", "\u2069", "\u061c")
CONTROL = tuple(chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32), 127, *range(0x80, 0xA0)))
EMOJI = ("😀", "😭", "👍", "👨‍👩‍👧‍👦", "🏳️‍🌈", "❤️", "🙏🏽", "🇳🇱", "🤯", "💔", "🧒🏿")
MARKUP = (
    "<b>{q}</b>",
    "<script>alert('x')</script>{q}",
    "*{q}*",
    "_{q}_",
    "`{q}`",
    "```\n{q}\n```",
    "[{q}](http://example.invalid/x)",
    "{q} &amp; &lt;b&gt; &#0; &nbsp;",
    "# {q}\n## kop\n> citaat",
    "{q} <a href='javascript:alert(1)'>klik</a>",
    "{{{q}}} {{naam}} {{0}} %s %(x)s",
    "\\*{q}\\* ||spoiler|| ~doorgestreept~",
)
UNICODE = (
    "\ud800",  # a lone surrogate
    "\udfff half \ud83d",
    "ｍｉｊｎ ｋｉｎｄ ｗｉｌ ｎｉｅｔ ｎａａｒ ｓｃｈｏｏｌ",  # full-width
    "e\u0301\u0301\u0301\u0301\u0301" * 50,  # stacked combining accents
    "Z̸̡̢̛̗̘̙̜̝̞̟̠̀́̂̃̄̅̆̇̈̉̊̋̌̍̎̏alg̷o̶",  # "zalgo"
    "①②③ ² ₂ ٣ ૩ 𝟗",
    "\U0010ffff\U000e0001\U000e007f",  # the last code point, tags
    "ǅ ß ẞ ﬁ ﬀ ǈ İ ı",  # case-folding oddities
    "\u2028\u2029\x85",  # line and paragraph separators
    "𝓂𝒾𝒿𝓃 𝓏𝑜𝑜𝓃",  # mathematical letters
    "\uffff\ufffe\ufffd",
    "ééééé" * 400,
)
# Forged, oversized or foreign button ids; `{n}` becomes a row id of some other handoff.
FORGED = (
    "m:",
    "m:nope",
    "m:forget:maybe",
    "f:",
    "f:../../etc/passwd",
    "f:BESTAAT-NIET",
    "fb:y:",
    "fb:x:ouderavond",
    "t:",
    "t:geen-knoop-hier",
    "h:",
    "h:fb:y:{n}",
    "h:fb:n:{n}",
    "h:reopen:{n}",
    "h:anyone:{n}",
    "h:stop:{n}",
    "h:wait:007",
    "h:role:admin",
    "h:topic:",
    "v:claim:{n}",
    "v:close!:{n}:advice",
    "v:pass!:{n}:advisor",
    "v:release!:{n}",
    "v:available",
    "x:y:z",
    "::::",
    ":",
    "h:reopen:" + "9" * 40,
    "h:reopen:-1",
    "h:reopen:①",
    "t:" + "a" * 70,
    "m:ask" + " " * 70,
    "é" * 40,  # 80 bytes
    "\x00m:ask",
    "m:ask\ud800",
    "<script>",
    "v:say:{n}",
)
MEDIA = (
    "sticker",
    "photo",
    "voice",
    "video",
    "video_note",
    "animation",
    "audio",
    "document",
    "location",
    "contact",
    "poll",
    "dice",
    "venue",
    "other",
)
COMMANDS = (
    "/start",
    "/menu",
    "/help",
    "/stop",
    "/start@ouderlijn_test_bot",
    "/aanmelden",
    "/aanmelden XXXX-YYYY",
    "/aanmelden " + "A" * 500,
    "/onbekend",
    "/",
    "//",
    "/menu\x00",
    "/MENU",
    "/start " + "x" * 3000,
)
CATEGORIES = (
    "dutch",
    "crisis",
    "unicode",
    "huge",
    "control",
    "rtl_zero_width",
    "markup",
    "emoji",
    "forged_button",
    "media",
    "command",
)
HUGE_CHARS = 100_000


@dataclass(frozen=True)
class Hostile:
    """One corpus message: text and/or a pressed button id, or a media kind (no text)."""

    category: str
    text: str | None = None
    choice: str | None = None
    kind: str = "text"
    crisis: bool = False  # a crisis message: its help must come whatever was done to it

    @property
    def typed(self) -> bool:
        """A message a person typed (text, or media with a caption): it must be answered."""
        return self.choice is None


def corpus(count: int, seed: int = SEED, huge_every: int = 250) -> list[Hostile]:
    """`count` messages, every category in turn (crisis and huge ones less often)."""
    rng = random.Random(seed)
    return [_one(rng, i, huge_every) for i in range(count)]


def by_category(messages: list[Hostile]) -> dict[str, int]:
    """How many messages of each category (for the figures line)."""
    counts = dict.fromkeys(CATEGORIES, 0)
    for message in messages:
        counts[message.category] += 1
    return counts


def _one(rng: random.Random, i: int, huge_every: int) -> Hostile:
    if i % huge_every == huge_every - 1:
        return Hostile("huge", text=_huge(rng))
    if i % 13 == 5:
        return Hostile("crisis", text=_harmless_mutation(rng, rng.choice(CRISIS)), crisis=True)
    category = CATEGORIES[i % len(CATEGORIES)]
    if category in ("crisis", "huge"):
        category = "dutch"
    make = _MAKERS[category]
    return make(rng)


def _question(rng: random.Random) -> str:
    return rng.choice(QUESTIONS)


def _harmless_mutation(rng: random.Random, text: str) -> str:
    """A change a person would not notice: hidden characters, case, width, emoji around."""
    match rng.randrange(7):
        case 0:
            return "".join(c + (rng.choice(ZERO_WIDTH) if rng.random() < 0.3 else "") for c in text)
        case 1:
            return text.upper()
        case 2:
            return "".join(chr(ord(c) + 0xFEE0) if "a" <= c <= "z" else c for c in text)
        case 3:
            return f"{rng.choice(EMOJI) * rng.randint(1, 5)} {text} {rng.choice(EMOJI)}"
        case 4:
            return rng.choice(DIRECTION) + text + rng.choice(DIRECTION)
        case 5:
            return f"  {text}!!!???  \n\n"
    return text


def _dutch(rng: random.Random) -> Hostile:
    return Hostile("dutch", text=_harmless_mutation(rng, _question(rng)))


def _unicode(rng: random.Random) -> Hostile:
    odd = rng.choice(UNICODE)
    return Hostile("unicode", text=odd if rng.random() < 0.5 else f"{_question(rng)} {odd}")


def _huge(rng: random.Random) -> str:
    piece = rng.choice((_question(rng) + ". ", "a", "😭", "\u200b", "<b>", "x" * 99 + " "))
    return (piece * (HUGE_CHARS // len(piece) + 1))[:HUGE_CHARS]


def _control(rng: random.Random) -> Hostile:
    words = _question(rng).split()
    text = "".join(w + "".join(rng.choices(CONTROL, k=rng.randint(1, 3))) for w in words)
    return Hostile("control", text=text if rng.random() < 0.8 else "\x00" * rng.randint(1, 50))


def _rtl(rng: random.Random) -> Hostile:
    text = _question(rng)
    if rng.random() < 0.3:
        return Hostile("rtl_zero_width", text="".join(rng.choices(ZERO_WIDTH + DIRECTION, k=20)))
    marks = ZERO_WIDTH + DIRECTION
    return Hostile("rtl_zero_width", text="".join(c + rng.choice(marks) for c in text))


def _markup(rng: random.Random) -> Hostile:
    return Hostile("markup", text=rng.choice(MARKUP).replace("{q}", _question(rng)))


def _emoji(rng: random.Random) -> Hostile:
    flood = "".join(rng.choices(EMOJI, k=rng.choice((1, 5, 200, 3000))))
    return Hostile("emoji", text=flood if rng.random() < 0.6 else f"{flood} {_question(rng)}")


def _forged(rng: random.Random) -> Hostile:
    raw = rng.choice(FORGED).replace("{n}", str(rng.choice((1, 2, 3, 17, 10**11))))
    return Hostile("forged_button", choice=raw)


def _media(rng: random.Random) -> Hostile:
    caption = rng.choice((None, None, _question(rng), "<b>" * 300, rng.choice(CRISIS)))
    crisis = caption in CRISIS
    return Hostile("media", text=caption, kind=rng.choice(MEDIA), crisis=crisis)


def _command(rng: random.Random) -> Hostile:
    return Hostile("command", text=rng.choice(COMMANDS))


_MAKERS = {
    "dutch": _dutch,
    "unicode": _unicode,
    "control": _control,
    "rtl_zero_width": _rtl,
    "markup": _markup,
    "emoji": _emoji,
    "forged_button": _forged,
    "media": _media,
    "command": _command,
}


def iter_texts(messages: list[Hostile]) -> Iterator[str]:
    """Every text of the corpus (for the properties and the unit-level checks)."""
    return (m.text for m in messages if m.text is not None)


LIMIT = 4096  # Telegram's characters per message, the smallest channel limit
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
RAW_ERROR = re.compile(r"Traceback|Exception|Error:|\bNone\b|object at 0x")
# Words nearly every Dutch sentence of ours has; a reply with none of them is not Dutch.
DUTCH = frozenset(
    {
        *("u", "uw", "ik", "de", "het", "een", "en", "is", "niet", "van", "dat", "wat", "kan"),
        *("er", "op", "te", "met", "om", "voor", "dit", "bij", "als", "geen", "nog", "hier"),
        *("of", "wilt", "kunt", "hulp", "typ", "vraag", "mens"),
    }
)


def sensible(text: str) -> str | None:
    """Why a reply's text is not of sensible form, or None when it is."""
    if not text.strip():
        return "empty"
    if len(text) > LIMIT:
        return f"{len(text)} characters"
    if PLACEHOLDER.search(text):
        return "a {placeholder}"
    if RAW_ERROR.search(text):
        return "raw error text"
    if "\x00" in text or any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        return "NUL or a lone surrogate"
    words = set(re.findall(r"[a-zà-ÿ]+", text.lower()))
    if not words & DUTCH:
        return "not Dutch"
    return None
