"""Transcript files: plain-text conversations that helpline staff write and pytest runs.

One line, one step (see bot/testing/README.md for the whole format)::

    # a comment
    ## Een ouder vraagt naar het OPP          a scenario: one test, with a fresh helpline
    parent: wat is een opp                     the parent types this
    parent: [Ja, dit helpt]                    presses the button (label, or its start)
    parent: [👍 Ja] (old)                      presses it on an earlier message (stale button)
    parent: (photo)                            sends a photo; also (sticker), (voice), (open)
    bot: Een OPP is                            a reply since the last step contains this
    bot: Heeft dit geholpen? [👍 Ja] [👎 Nee]   ... and these buttons are on the keyboard
    bot!: dat weet ik niet                     NO reply since the last step contains this
    volunteer Sanne (buddy, autisme): /aanmelden   declares Sanne and links her account
    volunteer sanne: [Oppakken]                Sanne presses (or types, like the parent)
    volunteer sanne <- Nieuwe vraag            what Sanne received since the last step
    volunteer kees !<- Nieuwe vraag            ... does not contain this
    clock: +15m                                time passes (d, h, m, s), the queue watch runs

Checks ignore case and look for a piece of a message; `…` (or `...`) stands for any text.
Lines before the first `##` are a preamble that every scenario starts with. Several parents:
`parent anna: ...` and `parent anna <- ...`; `bot:` always reads the parent who acted last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

MEDIA = ("photo", "sticker", "voice", "video", "document", "audio", "animation")
DEFAULT_PARENT = "ouder"

_PARENT = re.compile(r"^parent(?:\s+(?P<name>[^\s:<!]+))?\s*(?P<op>:|<-|!<-)\s*(?P<rest>.*)$")
_BOT = re.compile(r"^bot\s*(?P<neg>!?)\s*:\s*(?P<rest>.*)$")
_VOLUNTEER = re.compile(
    r"^volunteer\s+(?P<name>[^\s:(<!]+)\s*(?:\((?P<decl>[^)]*)\))?\s*(?P<op>:|<-|!<-)\s*(?P<rest>.*)$"
)
_CLOCK = re.compile(r"^clock\s*:\s*(?P<rest>.*)$")
_PRESS = re.compile(r"^\[(?P<label>[^\]]+)\](?:\s*\((?P<old>old)\))?$")
_MEDIA = re.compile(r"^\((?P<kind>[a-z]+)\)$")
_TRAILING_BUTTONS = re.compile(r"^(?P<text>.*?)\s*(?P<buttons>(?:\[[^\]]+\]\s*)*)$")
_DURATION = re.compile(r"^\+(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$")


class TranscriptSyntaxError(Exception):
    """A line that is not a step; names file and line, like every transcript problem."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line = path, line


@dataclass(frozen=True)
class Step:
    """One line of a transcript, parsed.

    `kind`: "say", "press", "media", "open" (a participant acts), "join" (a volunteer is
    declared and linked), "clock" (time passes), "see" or "miss" (a check of what someone
    received since the last acting step)."""

    line: int
    source: str
    kind: str
    who: str  # "parent", "volunteer", "bot" (the last parent) or "clock"
    name: str = ""  # the participant's name, as written (volunteers) or "ouder"
    text: str = ""  # what is typed, the label pressed, the media kind, the text checked
    buttons: tuple[str, ...] = ()  # checked button labels
    old: bool = False  # press: on an earlier message than the latest keyboard
    role: str = ""  # join
    topics: tuple[str, ...] = ()  # join
    delta: timedelta = timedelta()  # clock

    @property
    def acts(self) -> bool:
        """Whether this step makes something happen (checks afterwards read what follows)."""
        return self.kind not in ("see", "miss")


@dataclass
class Scenario:
    """One test: a name, the line it starts on and its steps (the preamble included)."""

    path: Path
    name: str
    line: int
    steps: list[Step] = field(default_factory=list)


def parse_file(path: Path) -> list[Scenario]:
    """The scenarios of a transcript file (one, named after the file, when it has no `##`)."""
    return parse(path.read_text(encoding="utf-8"), path)


def parse(text: str, path: Path) -> list[Scenario]:
    """Parse a transcript's text; raise TranscriptSyntaxError naming the first bad line."""
    preamble: list[Step] = []
    scenarios: list[Scenario] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("##"):
            title = line.lstrip("#").strip()
            if not title:
                raise TranscriptSyntaxError(path, number, "a scenario (##) needs a name")
            scenarios.append(Scenario(path, title, number, list(preamble)))
        elif line and not line.startswith("#"):
            step = parse_line(line, path, number)
            (scenarios[-1].steps if scenarios else preamble).append(step)
    if not scenarios:
        scenarios.append(Scenario(path, path.stem, 1, preamble))
    for scenario in scenarios:
        if not any(step.kind not in ("join", "clock") for step in scenario.steps):
            raise TranscriptSyntaxError(path, scenario.line, f"{scenario.name!r} has no steps")
    return scenarios


def parse_line(line: str, path: Path, number: int) -> Step:
    """One non-empty, non-comment line as a Step."""
    if match := _BOT.match(line):
        return _check(line, path, number, "bot", "", "miss" if match["neg"] else "see", match)
    if match := _PARENT.match(line):
        name = match["name"] or DEFAULT_PARENT
        if match["op"] != ":":
            kind = "see" if match["op"] == "<-" else "miss"
            return _check(line, path, number, "parent", name, kind, match)
        return _action(line, path, number, "parent", name, match["rest"].strip())
    if match := _VOLUNTEER.match(line):
        return _volunteer(line, path, number, match)
    if match := _CLOCK.match(line):
        return Step(number, line, "clock", "clock", delta=_duration(match["rest"], path, number))
    word = line.split(":")[0].split()[0] if line.split() else line
    raise TranscriptSyntaxError(
        path,
        number,
        f"unknown line {word!r}: lines start with parent:, bot:, bot!:, volunteer NAME:, "
        "volunteer NAME <-, clock:, # (comment) or ## (scenario)",
    )


def _volunteer(line: str, path: Path, number: int, match: re.Match[str]) -> Step:
    """A volunteer's line: declaration, action or check."""
    name, rest = match["name"], match["rest"].strip()
    if match["decl"] is not None:
        parts = [p.strip() for p in match["decl"].split(",") if p.strip()]
        if match["op"] != ":" or not parts:
            raise TranscriptSyntaxError(
                path, number, "declare a volunteer as: volunteer NAME (role, topic, …): /aanmelden"
            )
        if rest not in ("", "/aanmelden"):
            raise TranscriptSyntaxError(
                path,
                number,
                f"a declaration only takes /aanmelden (the code is filled in), not {rest!r}",
            )
        return Step(number, line, "join", "volunteer", name, role=parts[0], topics=tuple(parts[1:]))
    if match["op"] != ":":
        kind = "see" if match["op"] == "<-" else "miss"
        return _check(line, path, number, "volunteer", name, kind, match)
    return _action(line, path, number, "volunteer", name, rest)


def _action(line: str, path: Path, number: int, who: str, name: str, rest: str) -> Step:
    """Typing, pressing, media or opening the chat."""
    if not rest:
        raise TranscriptSyntaxError(path, number, f"{who} says nothing: write a text or [button]")
    if press := _PRESS.match(rest):
        return Step(
            number, line, "press", who, name, press["label"].strip(), old=bool(press["old"])
        )
    if media := _MEDIA.match(rest):
        kind = media["kind"]
        if kind == "open":
            return Step(number, line, "open", who, name)
        if kind not in MEDIA:
            known = ", ".join(f"({k})" for k in (*MEDIA, "open"))
            raise TranscriptSyntaxError(path, number, f"unknown ({kind}): use one of {known}")
        return Step(number, line, "media", who, name, kind)
    return Step(number, line, "say", who, name, rest)


def _check(
    line: str, path: Path, number: int, who: str, name: str, kind: str, match: re.Match[str]
) -> Step:
    """A check line: a text fragment and/or trailing [button] labels."""
    parts = _TRAILING_BUTTONS.match(match["rest"].strip())
    assert parts is not None  # the pattern matches any text
    text = parts["text"].strip()
    buttons = tuple(b.strip() for b in re.findall(r"\[([^\]]+)\]", parts["buttons"]))
    if not text and not buttons:
        raise TranscriptSyntaxError(path, number, "a check needs a text or [buttons] to look for")
    return Step(number, line, kind, who, name, text, buttons)


def _duration(text: str, path: Path, number: int) -> timedelta:
    """`+15m`, `+2h`, `+1h30m`, `+1d`, `+30s` as a timedelta."""
    match = _DURATION.match(text.replace(" ", ""))
    if not match or not any(match.groupdict().values()):
        raise TranscriptSyntaxError(
            path, number, f"clock: write +15m, +2h, +1d or +30s, not {text!r}"
        )
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    return timedelta(
        days=parts.get("d", 0),
        hours=parts.get("h", 0),
        minutes=parts.get("m", 0),
        seconds=parts.get("s", 0),
    )


def slug(name: str) -> str:
    """A scenario's name as a test id: lower case, words joined by dashes."""
    return re.sub(r"[^\w]+", "-", name.casefold()).strip("-") or "scenario"
