"""Tables about people: requests, waiting, handling, outcomes, feedback, urgency and load."""

from __future__ import annotations

from collections import defaultdict

from bot.stats.figures import median, minutes_of, p90, tally, total, where
from bot.stats.model import Cell, Figure, Ratio, Sum, Table, count, rate
from bot.stats.parent_tables import REQUESTED
from bot.stats.scope import Scope
from handoff.model import CATEGORIES, OUTCOMES, SYSTEM_OUTCOMES

ROLES = ("advisor", "buddy")
# Events that end a volunteer's time on a conversation (they carry the minutes since claim).
WORK_ENDS = (*OUTCOMES, "passed", "released", "parent_stopped")


def handoffs(s: Scope) -> Table:
    """Requests, claims, requests abandoned before a claim, and the wait until a claim."""
    h = tally(where(s.events, "handoff"), lambda e: e.outcome)
    requested = sum(h[k] for k in REQUESTED)
    waits = minutes_of(where(s.events, "handoff", "claimed"))
    abandoned = h["parent_left_queue"]
    rows: list[tuple[Cell, ...]] = [
        (s.labels("handoffs.requested"), count(requested)),
        (s.labels("handoffs.urgent"), count(h["urgent"])),
        (s.labels("handoffs.reopened"), count(h["reopened"])),
        (s.labels("handoffs.claimed"), count(h["claimed"])),
        (s.labels("handoffs.abandoned"), count(abandoned)),
        (s.labels("handoffs.answer_rate"), rate(max(0, requested - abandoned), requested)),
        (s.labels("handoffs.wait_median"), median(waits)),
        (s.labels("handoffs.wait_p90"), p90(waits)),
    ]
    columns = (s.labels("figure"), s.labels("value"))
    return Table("handoffs", s.labels("handoffs.title"), columns, tuple(rows))


def handling(s: Scope) -> Table:
    """How long conversations took from claim to close, per role (median and p90)."""
    rows = []
    for role in ROLES:
        closed = [c for c in where(s.events, "handoff", *OUTCOMES) if c[0].topic == role]
        minutes = minutes_of(closed)
        rows.append(
            (s.labels(f"roles.{role}"), count(total(closed)), median(minutes), p90(minutes))
        )
    keys = ("role", "conversations", "median", "p90")
    columns = tuple(s.labels(f"handling.{k}") for k in keys)
    return Table("handling", s.labels("handling.title"), columns, tuple(rows))


def outcomes(s: Scope) -> Table:
    """How conversations ended: the volunteer's outcome codes and the system's."""
    found = tally(where(s.events, "handoff", *OUTCOMES, *SYSTEM_OUTCOMES), lambda e: e.outcome)
    rows = tuple(
        (s.labels(f"outcomes.{code}"), count(found[code])) for code in (*OUTCOMES, *SYSTEM_OUTCOMES)
    )
    columns = (s.labels("outcomes.outcome"), s.labels("count"))
    return Table("outcomes", s.labels("outcomes.title"), columns, rows)


def helped(s: Scope) -> Table:
    """The closing question: how often it was answered, and how often with 'yes'."""
    asked = total(where(s.events, "handoff", *OUTCOMES))
    answers = tally(where(s.events, "handoff_feedback"), lambda e: e.outcome)
    answered = answers["helped"] + answers["not_helped"]
    rows = (
        (s.labels("helped.asked"), count(asked)),
        (s.labels("helped.answered"), count(answered)),
        (s.labels("helped.response_rate"), rate(answered, asked)),
        (s.labels("helped.helped"), count(answers["helped"])),
        (s.labels("helped.helped_rate"), rate(answers["helped"], answered)),
    )
    columns = (s.labels("figure"), s.labels("value"))
    checks = (  # the counts nobody sees (no answer; "no") follow from the ones shown
        Sum(((0, 1), (1, 1), asked - answered)),
        Sum(((1, 1), (3, 1), answers["not_helped"])),
        Ratio((2, 1), (1, 1), (0, 1)),  # response rate = answered / asked
        Ratio((4, 1), (3, 1), (1, 1)),  # helped rate = helped / answered
    )
    return Table("helped", s.labels("helped.title"), columns, rows, checks=checks)


def urgent(s: Scope) -> Table:
    """Per week: messages of each triage category, and requests that went out as urgent."""
    crisis = tally(
        where(s.events, "crisis") + where(s.events, "distress"),
        lambda e: f"{s.week(e)}|{e.topic if e.kind == 'crisis' else 'distress'}",
    )
    handed = tally(where(s.events, "handoff", "urgent"), s.week)
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (week, *(count(crisis[f"{week}|{c}"]) for c in CATEGORIES), count(handed[week]))
        for week in s.weeks()
    )
    columns = (
        s.labels("urgent.week"),
        *(s.labels(f"categories.{c}") for c in CATEGORIES),
        s.labels("urgent.handoffs"),
    )
    return Table("urgent", s.labels("urgent.title"), columns, rows)


def volunteers(s: Scope) -> Table:
    """Conversations picked up and hours spent per volunteer."""
    claimed = tally(where(s.events, "handoff", "claimed"), lambda e: _who(e.volunteer))
    minutes: dict[str, int] = defaultdict(int)
    for e, times in where(s.events, "handoff", *WORK_ENDS):
        if e.volunteer is not None and e.minutes is not None:
            minutes[str(e.volunteer)] += e.minutes * times
    ids = sorted(set(claimed) | set(minutes), key=lambda v: (-claimed[v], v))
    rows = tuple(
        (
            _name(s, v),
            count(claimed[v]),
            Figure(minutes[v] / 60, claimed[v], "hours"),
        )
        for v in ids
    )
    keys = ("volunteer", "conversations", "hours")
    columns = tuple(s.labels(f"volunteers.{k}") for k in keys)
    return Table("volunteers", s.labels("volunteers.title"), columns, rows)


def _who(volunteer: int | None) -> str | None:
    return str(volunteer) if volunteer is not None else None


def _name(s: Scope, volunteer: str) -> str:
    name = s.names.volunteers.get(int(volunteer))
    return name if name is not None else s.labels("volunteers.removed", id=volunteer)
