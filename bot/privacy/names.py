"""First names and surnames, also in lower case, from deduce's lists plus the words around them.

A word from the name lists counts by itself only when it is no ordinary word (common, domain,
ambiguous, very frequent). In a name context ("mijn zoon X", "ik heet X", "juf X", "groetjes X")
the lists are trusted more, and an unknown capitalised word after a title is a name too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.privacy.lexicon import AMBIGUOUS, Lexicon, words, zipf
from bot.privacy.model import Finding

# An age right after a word: "Daan (8)", "Daan van 8 jaar", "Daan, 8 jaar", "Daan is 8".
AGE = re.compile(
    r"(?:\s*\(\s*(\d{1,2}(?:\s*(?:jaar|jr\.?))?)\s*\)"
    r"|\s*,\s*(\d{1,2}\s*(?:jaar|jr\.?))(?!\w)"
    r"|\s+(?:van|is|wordt)\s+(\d{1,2}(?:\s*(?:jaar|jr\.?))?))"
    r"(?![\w]|[-/.:,]\d|\s*(?:uur|keer|%|minuten|dagen|weken|maanden|euro|kinderen)\b)"
)
TOKEN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
TITLES = words(
    """
    juf juffrouw meester meneer mevrouw mevr mw mvr dhr heer dr dokter fam familie mej mr
    drs ir ing prof tante oom opa oma zuster
    """
)
RELATIONS = words(
    """
    zoon zoontje dochter dochtertje kind kindje man vrouw partner vriend vriendin ex broer
    broertje zus zusje neef neefje nicht nichtje kleinzoon kleindochter stiefzoon
    stiefdochter pleegzoon pleegdochter pleegkind oudste jongste middelste buurvrouw
    buurman schoonmoeder schoonvader vader moeder papa mama collega mentor leraar lerares
    leerkracht ib'er ibber directeur directrice orthopedagoog psycholoog adviseur
    consulent begeleider coach huisarts jeugdarts leerplichtambtenaar stiefvader
    stiefmoeder kleinkind klasgenoot vriendje
    """
)
SIGN_OFFS = words(
    """
    groet groeten groetjes gr grtz grtjs mvg liefs hgr vgr
    """
)
STRONG_BEFORE = (("ik", "heet"), ("heet",), ("naam", "is"), ("naam",), ("heten",), ("noemen",))
MEDIUM_BEFORE = (("ik", "ben"), ("wij", "zijn"), ("we", "zijn"), ("met",))
PARENT_OF = words(
    """
    moeder vader papa mama ouders ouder school leraar juf mentor
    """
)
POSSESSIVE_AFTER = frozenset(("zijn", "haar", "z'n", "d'r", "zn"))
GREETINGS = words(
    """
    hoi hallo hai hey goedemorgen goedemiddag goedenavond dag beste
    """
)


# Everyday school and family words that deduce also lists as surnames.
NOT_SURNAMES = frozenset(
    ("school", "klas", "groep", "les", "juf", "meester", "zoon", "dochter", "moeder", "vader")
)


@dataclass(frozen=True)
class Token:
    """One word of the message with its place and whether a sentence starts there."""

    text: str
    start: int
    end: int
    sentence_start: bool

    @property
    def lower(self) -> str:
        """The word in lower case."""
        return self.text.lower()

    @property
    def capitalised(self) -> bool:
        """Capital first letter, not an acronym ("Daan", not "OPP")."""
        return self.text[0].isupper() and not (len(self.text) > 1 and self.text.isupper())


def tokenize(text: str) -> list[Token]:
    """Words with their spans; a sentence starts at the text's start or after . ! ? : or a line."""
    tokens: list[Token] = []
    at = 0
    for match in TOKEN.finditer(text):
        gap = text[at : match.start()]
        starts = not tokens or any(c in gap for c in ".!?:\n") or "- " in gap
        tokens.append(Token(match.group(), match.start(), match.end(), starts))
        at = match.end()
    return tokens


class NameFinder:
    """Finds names in a message with the lexicon's lists and the context rules above."""

    def __init__(self, lexicon: Lexicon) -> None:
        """Keep the lexicon; every lookup is a set membership or a cached frequency."""
        self.lex = lexicon

    def _listed(self, word: str) -> bool:
        return word in self.lex.first_names or word in self.lex.surnames

    def alone(self, tok: Token) -> bool:
        """A name without any context: listed and no ordinary word."""
        word = tok.lower
        if word not in self.lex.first_names or len(word) < 3:
            return False
        if tok.capitalised and not tok.sentence_start:
            ordinary = word in self.lex.common_words or word in self.lex.domain_words
            return not ordinary and word not in self.lex.places
        if self.lex.is_common(word):
            return False
        return tok.text.islower() or (tok.capitalised and zipf(word) < 4.5)

    def in_context(self, tok: Token, strong: bool) -> bool:
        """A name where the words before it announce one ("mijn zoon daan", "juf Anneke")."""
        word = tok.lower
        if word in self.lex.stop_words or (tok.text.isupper() and len(word) > 1):
            return False
        if tok.capitalised and word not in self.lex.domain_words and (strong or self._listed(word)):
            return True  # "mevrouw Bos", "mijn dochter Lot"
        if self._listed(word) and word not in self.lex.common_words:
            return word in AMBIGUOUS or word not in self.lex.domain_words or tok.capitalised
        if tok.capitalised and word not in self.lex.common_words:
            return word not in self.lex.domain_words and zipf(word) < (4.0 if strong else 3.5)
        return strong and word not in self.lex.domain_words and zipf(word) < 2.0

    def context(self, tokens: list[Token], i: int, text: str) -> str | None:
        """ "strong", "medium" or None: how much the words before token i announce a name."""
        before = [t.lower for t in tokens[max(0, i - 3) : i]]
        after = tokens[i + 1].lower if i + 1 < len(tokens) else ""
        if after in POSSESSIVE_AFTER and tokens[i].capitalised:
            return "medium"  # "Bas zijn juf"
        if not before:
            return "medium" if after == "hier" else None
        gap = text[tokens[i - 1].end : tokens[i].start]
        last = before[-1]
        if self._title(tokens[i - 1], before, gap):
            return "strong"
        if last in SIGN_OFFS or before[-2:] == ["vriendelijke", "groet"]:
            return "strong"
        if any(tuple(before[-len(p) :]) == p for p in STRONG_BEFORE) and gap.strip() in ("", ":"):
            return "strong"
        if "," in gap or "." in gap:
            return self._after_greeting(tokens, i)
        if last == "met" and (
            tokens[i - 1].sentence_start or (len(before) > 1 and before[-2] in GREETINGS)
        ):
            return "strong"
        if last in RELATIONS or any(tuple(before[-len(p) :]) == p for p in MEDIUM_BEFORE[:3]):
            return "medium"
        if last == "van" and len(before) > 1 and before[-2] in PARENT_OF:
            return "medium"
        return None

    @staticmethod
    def _title(tok: Token, before: list[str], gap: str) -> bool:
        """ "juf", "dhr.", "de heer" right before (postcode letters "DR" are no title)."""
        if tok.lower not in TITLES or gap.strip() not in ("", "."):
            return False
        if tok.text.isupper() and len(tok.text) > 1:
            return False
        return tok.lower != "heer" or before[-2:-1] == ["de"]

    def _surname(self, tok: Token) -> bool:
        """A word that can follow a first name as its surname ("Bakker", "de vries")."""
        word = tok.lower
        if tok.capitalised and not tok.sentence_start and word not in self.lex.stop_words:
            listed = word in self.lex.surnames and word not in self.lex.domain_words
            unknown = not self.lex.is_common(word) and zipf(word) < 3.5
            return listed or unknown
        return (
            tok.text.islower()
            and word in self.lex.surnames
            and not self.lex.is_common(word)
            and word not in self.lex.first_names
            and zipf(word) < 4.0
        )

    def _after_greeting(self, tokens: list[Token], i: int) -> str | None:
        previous = tokens[i - 1].lower
        if previous in SIGN_OFFS or previous == "groet":
            return "strong"
        if previous in GREETINGS and i + 1 < len(tokens) and tokens[i + 1].lower == "hier":
            return "medium"
        return None

    def extend(self, tokens: list[Token], j: int, text: str, after_title: bool = False) -> int:
        """Index of the last token of a surname following token j-1, or j-1 when none."""
        for parts in self.lex.interfixes:
            end = j + len(parts)
            if end >= len(tokens) or tuple(t.lower for t in tokens[j:end]) != parts:
                continue
            if not self._adjacent(tokens, j if after_title else j - 1, end, text):
                continue
            nxt = tokens[end]
            word = nxt.lower
            if word in self.lex.stop_words or (
                word in self.lex.domain_words
                and not nxt.capitalised
                and not self._surname_root(word)  # "sophie de jong": here jong is a surname
            ):
                continue
            if nxt.capitalised or word in self.lex.surnames:
                return end
        if (
            j < len(tokens)
            and self._adjacent(tokens, j - 1, j, text)
            and (self._surname(tokens[j]) or self._lower_surname(tokens[j - 1], tokens[j]))
        ):
            return j
        return j - 1

    def _surname_root(self, word: str) -> bool:
        """A listed surname that is also an everyday word ("jong", "boer", "dijk"), taken as a
        surname only right after a name and an interfix; never a school word."""
        return word in self.lex.surnames and zipf(word) < 5.1 and word not in NOT_SURNAMES

    def _lower_surname(self, name: Token, tok: Token) -> bool:
        """ "noor bakker", "ingrid visser": a listed surname typed in lower case right after a
        lower-case first name (common words that are surnames too count here)."""
        word = tok.lower
        return (
            name.text.islower()
            and tok.text.islower()
            and word in self.lex.surnames
            and word not in self.lex.first_names
            and word not in self.lex.stop_words
            and word not in self.lex.domain_words
            and word not in NOT_SURNAMES
            and zipf(word) < 5.0
        )

    @staticmethod
    def _adjacent(tokens: list[Token], a: int, b: int, text: str) -> bool:
        return all(not text[tokens[k].end : tokens[k + 1].start].strip() for k in range(a, b))

    def find(self, text: str) -> list[Finding]:
        """Every name in text; "X's" covers X only."""
        tokens = tokenize(text)
        found: list[Finding] = []
        i = 0
        named = False  # the previous accepted token was a name ("Jan en Miriam")
        while i < len(tokens):
            tok = tokens[i]
            strength = self.context(tokens, i, text)
            if strength is None and named and i > 0 and tokens[i - 1].lower == "en":
                strength = "medium"
            start_ok = (
                self.in_context(tok, strength == "strong") if strength else self.alone(tok)
            ) or self._possessive(tok)
            if not start_ok and tok.capitalised and tok.lower in self.lex.first_names:
                start_ok = bool(AGE.match(text, tok.end)) or self.extend(tokens, i + 1, text) > i
            if not start_ok and strength == "strong" and tokens[i - 1].lower in TITLES:
                last = self.extend(tokens, i, text, after_title=True)  # "mevrouw de Boer"
                if last >= i:
                    found.append(Finding("NAAM", tok.start, tokens[last].end))
                    i, named = last + 1, True
                    continue
            if start_ok:
                last = self.extend(tokens, i + 1, text)
                end = tokens[last].end
                if last == i and tok.text[-2:] in ("'s", "’s") and self._possessive(tok):
                    end -= 2
                found.append(Finding("NAAM", tok.start, end))
                i, named = last + 1, True
                continue
            named = named and tok.lower == "en"
            i += 1
        return found

    def _possessive(self, tok: Token) -> bool:
        if not tok.text.endswith(("'s", "’s")) or not tok.capitalised:
            return False
        base = tok.lower[:-2]
        return (
            len(base) > 1
            and base not in self.lex.common_words
            and (base in self.lex.first_names or base not in self.lex.domain_words)
        )


INITIALS = re.compile(
    r"\b(?:[A-Z]\.\s?){1,4}(?:(?:van|de|der|den|ter|ten|te|'t|Van|De)\s+){0,2}[A-Z][a-z]+\b"
)


def find_initials(text: str, lexicon: Lexicon) -> list[Finding]:
    """ "M. de Vries", "J.P. Bakker": initials before a (listed) surname."""
    found = []
    for match in INITIALS.finditer(text):
        last = match.group().split()[-1].lower()
        if " " not in match.group().strip() or lexicon.is_common(last):
            continue
        if last in lexicon.surnames or "." in match.group():
            found.append(Finding("NAAM", match.start(), match.end()))
    return found
