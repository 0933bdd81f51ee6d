"""The coordinators' figures, computed from a scripted day of conversations: every number
that rests on five or more conversations is exact, every smaller one is "<5"."""

from __future__ import annotations

from datetime import date

import pytest

from bot.app import Wiring
from bot.stats.export import report_text, table_csv
from bot.stats.labels import load_labels
from bot.stats.model import SUPPRESSED, Report
from bot.stats.source import RangeError, Request
from bot.testing.fakes import Helpline

DAY = date(2026, 11, 27)  # the fake clock's Friday
L = load_labels()


def rows(report: Report, table: str) -> dict[str, list[str | int | float]]:
    """A table's exported rows keyed by their label."""
    found = report.table(table)
    assert found is not None, table
    return {str(row[0]): row[1:] for row in found.exported_rows()}


async def report_of(line: Helpline, grouping: str = "day") -> Report:
    source = Wiring().report_source()
    request = Request.parse(DAY.isoformat(), DAY.isoformat(), grouping, DAY)
    return await line.engine.store.read(lambda tx: source.report(tx, request))


async def scripted_day(line: Helpline) -> None:
    """Six answered questions (five 👍, one 👎), two the bot cannot answer, one parent who
    leaves the tree at its first question, and five handoffs a buddy picks up after four
    minutes and closes after ten, each answered with 👍."""
    for n in range(6):
        parent = line.parent()
        await parent.says("wat is een opp")
        assert "OPP" in parent.last
        await parent.presses("👍 Ja" if n < 5 else "👎 Nee")
    for _ in range(2):
        parent = line.parent()
        await parent.says("hoeveel kost een nieuwe fiets met versnellingen")
        assert "Dat weet ik helaas niet" in parent.last
    walker = line.parent()
    await walker.says("/start")
    await walker.presses("School lukt niet — wat nu?")
    await walker.says("/menu")
    sanne = await line.volunteer("Sanne", "buddy", ("autisme",), max_active=1)
    for _ in range(5):
        parent = line.parent()
        await parent.says("/start")
        await parent.presses("Praat met een mens")
        await parent.presses(L("roles.buddy"))
        await parent.presses("Autisme")
        line.clock.advance(minutes=4)
        await sanne.presses("Oppakken")
        assert "Sanne is er nu voor u" in parent.last
        line.clock.advance(minutes=10)
        await sanne.says("/afsluiten")
        await sanne.presses(L("outcomes.advice"))
        await sanne.presses("Ja, afsluiten")
        await parent.presses("👍 Ja")
    await line.channel.settle()


async def test_the_figures_match_the_scripted_day(line: Helpline):
    await scripted_day(line)
    report = await report_of(line)

    assert rows(report, "contacts")["2026-11-27"] == [14, SUPPRESSED, SUPPRESSED, 14]  # "fake"
    assert rows(report, "heatmap")[L("weekdays.4")][11] == 14  # 10:00 UTC is 11:00 in Amsterdam
    assert rows(report, "heatmap")[L("weekdays.4")][10] == SUPPRESSED  # 0: never shown either
    outcomes = rows(report, "faq_outcomes")
    assert outcomes[L("faq_outcomes.answer")][0] == 6
    assert outcomes[L("faq_outcomes.no_match")] == [SUPPRESSED, SUPPRESSED]
    entries = rows(report, "faq_entries")
    opp = next(label for label in entries if "OPP" in label)
    assert entries[opp] == [6, 5, SUPPRESSED]  # asked 6, 👍 5, 👎 1
    resolved = rows(report, "resolved")
    assert resolved[L("resolved.faq_answered")] == [6]
    assert resolved[L("resolved.to_person")] == [5]
    assert rows(report, "tree")[L("tree.left")] == [SUPPRESSED]

    handoffs = rows(report, "handoffs")
    assert handoffs[L("handoffs.requested")] == [5] and handoffs[L("handoffs.claimed")] == [5]
    assert handoffs[L("handoffs.abandoned")] == [SUPPRESSED]
    assert handoffs[L("handoffs.wait_median")] == [4]
    assert handoffs[L("handoffs.wait_p90")] == [4]
    assert rows(report, "handling")[L("roles.buddy")] == [5, 10, 10]
    assert rows(report, "handling")[L("roles.advisor")] == [SUPPRESSED] * 3
    assert rows(report, "outcomes")[L("outcomes.advice")] == [5]
    helped = rows(report, "helped")
    assert helped[L("helped.asked")] == [5] and helped[L("helped.answered")] == [5]
    assert helped[L("helped.response_rate")] == [100] and helped[L("helped.helped_rate")] == [100]
    assert rows(report, "volunteers")["Sanne"] == [5, 0.8]  # 5 x 10 minutes


async def test_small_counts_are_never_exported_exactly(line: Helpline):
    for _ in range(3):
        await line.parent().says("wat is een opp")
    report = await report_of(line)
    assert rows(report, "contacts")["2026-11-27"][0] == SUPPRESSED
    everything = [table_csv(t) for t in report.tables]
    assert "2026-11-27,<5" in everything[0]
    text = report_text(report, Wiring().report_source().labels)
    assert " 3 " not in text and "<5" in text
    json_rows = [row for t in report.as_json()["tables"] for row in t["rows"]]  # type: ignore[attr-defined]
    assert all(cell not in (1, 2, 3, 4) for row in json_rows for cell in row[1:])


async def test_a_parent_who_writes_again_after_six_hours_is_a_new_contact(line: Helpline):
    parent = line.parent()
    await parent.says("wat is een opp")
    line.clock.advance(hours=2)
    await parent.says("en wat is een tlv")
    line.clock.advance(hours=6)
    await parent.says("nog een vraag over leerplicht")
    events = [e for e in await line.engine.store.events() if e.kind == "contact"]
    assert len(events) == 2 and all(e.channel == "fake" for e in events)


def test_ranges_are_checked():
    today = date(2026, 12, 3)
    assert Request.parse(None, None, None, today).start == date(2026, 11, 6)
    for start, end, group in (
        ("2026-12-04", "2026-12-01", "day"),
        ("gisteren", None, "day"),
        (None, None, "year"),
    ):
        with pytest.raises(RangeError):
            Request.parse(start, end, group, today)


async def test_a_question_typed_mid_route_counts_as_leaving_the_tree_there(line: Helpline):
    parent = line.parent()
    await parent.says("/start")
    await parent.presses("School lukt niet — wat nu?")
    first = line.engine.tree.tree.start
    await parent.says("wat is een opp")
    await parent.says("en wat is een tlv")  # still off the route: counted once
    left = [e for e in await line.engine.store.events() if e.outcome == "left"]
    assert [(e.kind, e.topic) for e in left] == [("tree", first)]
    await parent.presses("Verder met de vragen")  # back on the route, then away again
    await parent.says("/menu")
    left = [e for e in await line.engine.store.events() if e.outcome == "left"]
    assert len(left) == 2


async def test_asking_then_going_to_the_menu_counts_one_leaving(line: Helpline):
    parent = line.parent()
    await parent.says("/start")
    await parent.presses("School lukt niet — wat nu?")
    await parent.says("wat is een opp")
    await parent.says("/menu")
    left = [e for e in await line.engine.store.events() if e.outcome == "left"]
    assert len(left) == 1
