"""The end-of-run check of a widened crash run (tests/crash_instances.py): what the parents
and volunteers saw on both channels, against what they sent, and the database read with a
connection of its own (tests/db_inspect.py), so SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tests.db_inspect import rows
from tests.fake_telegram import FakeBotApi

if TYPE_CHECKING:
    from tests.crash_harness import Load
    from tests.crash_instances import Holders, WebLoad

ANSWERED = "Heeft dit geholpen?"  # under every FAQ answer
SESSION_SECRET_KEY = "web_session_secret"  # bot/channels/web/server.py
CLAIM_NOTICE = "is er nu voor u"
LAG = 3.0  # a request the killed process had sent may reach the (busy) fake just after the kill
WINDOW = 15.0  # seconds from a send to its outbox row's deletion on a (very) loaded machine


@dataclass
class Report:
    """The figures of one crash run."""

    mode: str
    kills: int = 0
    updates: int = 0
    unanswered: int | None = None  # None: the schema has no inbox to check
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    claimed_twice: int = 0
    handoffs: int = 0
    messages: int = 0  # web chat messages the server acknowledged (the widened run)
    reconnects: int = 0  # web tabs' reconnects
    other: list[str] = field(default_factory=list)  # leases, outbox, stored twice, exits
    leases: dict[str, tuple[int, int]] = field(default_factory=dict)  # job -> (held, samples)
    # when each kill happened, on the monotonic clock (the fake's) and the wall clock (web's)
    kill_clock: dict[str, list[float]] = field(default_factory=lambda: {"mono": [], "wall": []})
    repeats: list[tuple[str, str, list[float], int]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # how long the phases took
    late: list[str] = field(default_factory=list)  # answers that came, but after `wait` s

    def killed(self) -> None:
        """Count a kill (of one or more processes), and note when it happened."""
        self.kills += 1
        self.kill_clock["mono"].append(time.monotonic())
        self.kill_clock["wall"].append(time.time())

    def line(self) -> str:
        unanswered = "n/a" if self.unanswered is None else str(self.unanswered)
        web = f"{self.messages} acknowledged web messages, " if self.messages else ""
        return (
            f"{self.mode}: {self.kills} kills, {self.updates} confirmed updates, {web}"
            f"{unanswered} unanswered, {len(self.lost)} lost, {len(self.duplicated)} duplicated, "
            f"{self.handoffs} handoffs, {self.claimed_twice} claimed twice"
            + (f", {len(self.late)} late" if self.late else "")
            + (f", {len(self.other)} other problems" if self.other else "")
        )

    def figures(self) -> dict[str, object]:
        """The numbers for tests.stress.record."""
        return {
            "kills": self.kills,
            "updates_confirmed": self.updates,
            "web_messages_acknowledged": self.messages,
            "unanswered": self.unanswered,
            "lost": len(self.lost),
            "duplicated": len(self.duplicated),
            "duplicated_unexplained": len(explain(self)),
            "handoffs": self.handoffs,
            "claimed_twice": self.claimed_twice,
            "late": len(self.late),
            "other_problems": len(self.other),
        }


def tally(report: Report, where: str, times: list[float], expected: int, clock: str) -> None:
    """One expected piece (or `expected` of them) against the copies that arrived at `times`
    (on the "mono" or "wall" clock): the missing ones are lost, the extra ones duplicated."""
    report.lost += [where] * max(0, expected - len(times))
    if len(times) > expected:
        report.duplicated += [where] * (len(times) - expected)
        report.repeats.append((clock, where.split(":", 1)[0], sorted(times), expected))


def explain(report: Report, window: float = WINDOW) -> list[str]:
    """The duplicates a kill does not explain. A piece may go out twice only when its first
    send was under way at a kill: a kill at most `window` seconds after the first copy (or
    `LAG` before it) and before the next; each kill explains at most one duplicate per chat."""
    used: set[tuple[str, str, int]] = set()
    unexplained = []
    for clock, chat, times, expected in report.repeats:
        kills = report.kill_clock[clock]
        extra = len(times) - expected
        for first, later in itertools.pairwise(times):
            if extra == 0:
                break
            for k, at in enumerate(kills):
                if first - LAG <= at <= min(later, first + window) and (clock, chat, k) not in used:
                    used.add((clock, chat, k))
                    extra -= 1
                    break
        if extra > 0:
            gaps = [round(at - first, 1) for at in kills for first in times if at >= first - LAG]
            unexplained.append(f"{chat}: {extra} duplicate(s) no kill explains (gaps {gaps[:6]})")
    return unexplained


def check_telegram(api: FakeBotApi, load: Load, report: Report) -> None:
    """What Telegram delivered against what was asked and relayed (FAQ answers, lines,
    claim notices); into `report`."""
    for (chat, title), asked in load.asked.items():
        times = [
            m.at
            for m in api.messages_to(chat)
            if (m.text or "").split("\n", 1)[0] == title and ANSWERED in (m.text or "")
        ]
        tally(report, f"{chat}: {title}", times, asked, "mono")
    for (chat, line), sent in load.relayed.items():
        times = [m.at for m in api.messages_to(chat) if (m.text or "").endswith(": " + line)]
        tally(report, f"{chat}: {line}", times, sent, "mono")
    for parent in load.talkers:
        times = [m.at for m in api.messages_to(parent.id) if CLAIM_NOTICE in (m.text or "")]
        tally(report, f"{parent.id}: told who came", times, 1, "mono")
    report.lost += load.problems
    report.late += load.late


def web_address(secret: str, token: str) -> str:
    """A tab's pseudonym, as WebChat.address_for makes it (to find its inbox rows)."""
    return "web:" + hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()[:32]


def inbox_key(address: str, client_id: str) -> str:
    """The inbox key of one web message, as bot/channels/web/parent_chat.py makes it."""
    return hashlib.sha256(f"{address}\n{client_id}".encode()).hexdigest()[:40]


def _wall(frame: dict[str, object]) -> float:
    """When the server stored a web message (its `at`), on the wall clock."""
    return datetime.fromisoformat(str(frame["at"]).replace("Z", "+00:00")).timestamp()


def check_web(web: WebLoad, api: FakeBotApi, report: Report) -> None:
    """FAQ answers and relayed lines on the web side: each once, as often as asked or sent."""
    tabs = {tab.name: tab for tab in web.tabs}
    for (name, title), asked in web.asked.items():
        times = [_wall(m) for m in web.answers(tabs[name], title)]
        tally(report, f"{name}: {title}", times, asked, "wall")
    for (where, line), sent in web.relayed.items():
        if where in tabs:  # a volunteer's line, shown in the tab without the name in front
            shown = tabs[where].shown
            walls = [_wall(m) for m in shown if m.get("from") == "volunteer" and m["text"] == line]
            tally(report, f"{where}: {line}", walls, sent, "wall")
        else:  # a web parent's line at the Telegram volunteer, after the parent's label
            got = api.messages_to(int(where))
            times = [m.at for m in got if (m.text or "").endswith(": " + line)]
            tally(report, f"{where}: {line}", times, sent, "mono")
    notices = [m for m in web.talker.shown if CLAIM_NOTICE in str(m.get("text", ""))]
    tally(report, f"{web.talker.name}: told who came", [_wall(m) for m in notices], 1, "wall")
    report.lost += web.problems
    report.late += web.late
    report.lost += [f"{t.name}: error {code}" for t in web.tabs for code in t.errors]
    report.messages = sum(len(t.acked) for t in web.tabs)
    report.reconnects = sum(t.reconnects for t in web.tabs)


def check_database(
    database: str | Path,
    load: Load,
    web: WebLoad,
    report: Report,
    confirmed: set[int],
) -> None:
    """Handoffs (none lost, none claimed twice), relayed lines stored once, and every
    confirmed update and acknowledged web message handled in the inbox."""
    handoffs = rows(database, "SELECT id, status, volunteer_id FROM handoffs")
    report.handoffs = len(handoffs)
    talkers = len(load.talkers) + 1
    if len(handoffs) != talkers or any(v is None for _, _, v in handoffs):
        report.lost.append(f"handoffs: {len(handoffs)} rows for {talkers} talkers: {handoffs}")
    per_volunteer = Counter(v for _, _, v in handoffs if v is not None)
    events = rows(
        database,
        "SELECT coalesce(sum(n), 0) FROM events WHERE kind = 'handoff' AND outcome = 'claimed'",
    )
    claimed = sum(per_volunteer.values())
    report.claimed_twice = sum(n - 1 for n in per_volunteer.values() if n > 1)
    report.claimed_twice += max(0, int(events[0][0]) - claimed)
    stored = Counter(str(t) for (t,) in rows(database, "SELECT text FROM handoff_messages"))
    lines = [line for _, line in load.relayed] + [line for _, line in web.relayed]
    report.other += [f"stored {stored[line]} times: {line}" for line in lines if stored[line] != 1]
    handled = {
        (str(channel), str(key))
        for channel, key in rows(
            database, "SELECT channel, key FROM inbox WHERE handled_at IS NOT NULL"
        )
    }
    secret = rows(database, "SELECT value FROM meta WHERE key = ?", SESSION_SECRET_KEY)
    unanswered = [str(u) for u in confirmed if ("telegram", str(u)) not in handled]
    if secret:
        for tab in web.tabs:
            address = web_address(str(secret[0][0]), tab.token)
            unanswered += [c for c in tab.acked if ("web", inbox_key(address, c)) not in handled]
    else:
        report.other.append("no web session secret in meta: the web inbox was not checked")
    report.unanswered = len(unanswered)
    left = rows(database, "SELECT count(*) FROM outbox")
    if int(left[0][0]):
        report.other.append(f"{left[0][0]} rows left in the outbox")


def check_leases(samples: list[Holders], report: Report) -> None:
    """The queue watch and retention: never held by two sessions at one sampled moment."""
    for job in ("queue-watch", "retention"):
        twice = [s[job] for s in samples if len(s[job]) > 1]
        held = sum(bool(s[job]) for s in samples)
        report.other += [f"{job} held by {h}" for h in twice[:5]]
        report.leases[job] = (held, len(samples))
        if samples and not held:
            report.other.append(f"{job}: nobody held it in {len(samples)} samples")


def logged_tracebacks(logs: list[Path]) -> list[str]:
    """Tracebacks the instances logged (a SIGKILL leaves none; a bug may)."""
    return [
        f"{path.name}: traceback"
        for path in logs
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
        if line.startswith("Traceback")
    ]


def verify(
    api: FakeBotApi,
    load: Load,
    web: WebLoad,
    report: Report,
    database: str | Path,
    confirmed: set[int],
    samples: list[Holders],
) -> None:
    """Everything at once, into `report`."""
    check_telegram(api, load, report)
    check_web(web, api, report)
    check_database(database, load, web, report, confirmed)
    if samples:
        check_leases(samples, report)
