"""The coordinators' figures: /dashboard (every table of the report with a chart drawn on the
server and a CSV link), /dashboard/csv/<table>.csv and /dashboard/api/stats (JSON). Only for
coordinators; small counts are "<5" everywhere because every cell goes through Figure.text()."""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Mapping
from urllib.parse import urlencode

from aiohttp import web

from bot.app import Service
from bot.channels.web import svg_charts
from bot.channels.web.console_auth import ConsoleAuth, Signed
from bot.channels.web.pages import Page
from bot.stats.export import table_csv
from bot.stats.model import GROUPINGS, Figure, Report, Table
from bot.stats.report import TABLE_IDS
from bot.stats.source import RangeError, Request

_WEEK = re.compile(r"(\d{4})-W(\d\d)")  # a period label in the CSV and JSON: 2026-W45
BOM = "\ufeff"  # so Excel reads the CSV as UTF-8 (é, emoji)
# Which figure columns each table draws (the others: chart "none", or mixed units in a column).
CHART_COLUMNS: dict[str, tuple[int, ...]] = {
    "contacts": (1,),
    "channels": (1,),
    "resolved": (1,),
    "faq_outcomes": (1,),
    "faq_entries": (1,),
    "tree": (1,),
    "tree_left": (1,),
    "tree_leaves": (1,),
    "handling": (1,),
    "outcomes": (1,),
    "urgent": (1, 2, 3, 4),
    "volunteers": (1,),
}


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def coordinator_top(top: Page, signed: Signed, current: str) -> str:
    """The header and navigation both coordinator pages share (templates/coordinator_top.html);
    `current` is "dashboard", "review" or "blocks"."""
    return top.render(
        volunteer_name=signed.volunteer.name,
        csrf=signed.csrf,
        at_dashboard="page" if current == "dashboard" else "false",
        at_review="page" if current == "review" else "false",
        at_blocks="page" if current == "blocks" else "false",
    )


def html_response(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, content_type="text/html", status=status)


async def coordinator(auth: ConsoleAuth, request: web.Request) -> Signed | web.Response:
    """The signed-in coordinator, or the page that refuses everyone else."""
    signed = await auth.signed_in(request)
    if signed is None:
        return auth.login_refused(auth.texts["console_no_session"])
    if signed.volunteer.role != "coordinator":
        return auth.coordinators_only()
    return signed


def _figure(row: tuple[object, ...], i: int) -> Figure | None:
    cell = row[i] if i < len(row) else None
    return cell if isinstance(cell, Figure) else None


def shown_label(cell: object, week: str) -> str:
    """A row's label as the page shows it: "week 45 (2026)" for 2026-W45 (`week` is the
    locale's "week {week} ({year})"); the table's data and the CSV keep 2026-W45."""
    text = str(cell)
    found = _WEEK.fullmatch(text)
    return week.format(week=int(found.group(2)), year=found.group(1)) if found else text


def range_problem(error: RangeError) -> str:
    """The key of the Dutch text that explains a range the source refused."""
    return f"error.{error.code}"


class Dashboard:
    """The figures' routes; the page is built from the report's tables."""

    def __init__(self, service: Service, auth: ConsoleAuth, texts: Mapping[str, str]) -> None:
        if service.stats is None:
            raise ValueError("the dashboard needs Service.stats (built by Wiring.service)")
        self.service = service
        self.stats = service.stats
        self.auth = auth
        self.texts = dict(texts)
        self.page = Page("dashboard.html", texts)
        self.top = Page("coordinator_top.html", texts)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/dashboard", self.show)
        app.router.add_get("/dashboard/csv/{table:[a-z_]+}.csv", self.csv)
        app.router.add_get("/dashboard/api/stats", self.api)
        from bot.channels.web.blocks_page import BlocksPage  # it imports this module

        BlocksPage(self.service, self.auth, self.texts).add_routes(app)

    def _request(self, query: Mapping[str, str]) -> Request:
        today = self.stats.today(self.service.engine.clock())
        return Request.parse(
            query.get("from") or None, query.get("to") or None, query.get("group") or None, today
        )

    async def _report(self, request: Request) -> Report:
        read = functools.partial(self.stats.report, request=request)
        return await self.service.store.read(read)

    async def show(self, request: web.Request) -> web.Response:
        signed = await coordinator(self.auth, request)
        if not isinstance(signed, Signed):
            return signed
        query = request.query
        try:
            wanted = self._request(query)
        except RangeError as error:
            typed = {k: query.get(k, "")[:40] for k in ("from", "to", "group")}
            return self._page(signed, typed, error=self.texts[range_problem(error)], status=400)
        report = await self._report(wanted)
        shown = {"from": wanted.start.isoformat(), "to": wanted.end.isoformat()}
        return self._page(signed, {**shown, "group": wanted.grouping}, report=report)

    def _page(
        self,
        signed: Signed,
        form: Mapping[str, str],
        report: Report | None = None,
        error: str = "",
        status: int = 200,
    ) -> web.Response:
        values = {"start": form["from"], "end": form["to"]}
        fragments = {
            "top": coordinator_top(self.top, signed, "dashboard"),
            "group_options": self._group_options(form["group"]),
            "error": self._error(error) if error else "",
            "summary": self._summary(report) if report else "",
            "contents": self._contents(report) if report else "",
            "tables": "".join(self._section(t, report) for t in report.tables) if report else "",
        }
        return html_response(self.page.render_with(values, fragments), status)

    def _group_options(self, chosen: str) -> str:
        return "".join(
            f'<option value="{g}"{" selected" if g == chosen else ""}>'
            f"{esc(self.texts[f'dash.group_{g}'])}</option>"
            for g in GROUPINGS
        )

    def _error(self, message: str) -> str:
        return (
            '<div class="card card-error" role="alert" aria-labelledby="range-error">'
            f'<h2 id="range-error">{esc(self.texts["error.heading"])}</h2>'
            f"<p>{esc(message)}</p></div>"
        )

    def _summary(self, report: Report) -> str:
        group = self.texts[f"dash.group_{report.grouping}"]
        line = self.texts["dash.range"].format(
            start=report.start.isoformat(), end=report.end.isoformat(), group=group
        )
        small = self.stats.labels("small")
        return (
            f'<p class="range-summary">{esc(line)}</p>'
            f'<p class="small-note"><span class="small-mark" aria-hidden="true"></span>'
            f"{esc(small)}</p>"
        )

    def _contents(self, report: Report) -> str:
        items = "".join(
            f'<li><a href="#tabel-{t.id}">{esc(t.title)}</a></li>' for t in report.tables
        )
        return (
            '<nav class="contents card" aria-labelledby="contents-heading">'
            f'<h2 id="contents-heading">{esc(self.texts["dash.contents"])}</h2>'
            f"<ol>{items}</ol></nav>"
        )

    def _section(self, table: Table, report: Report) -> str:
        query = urlencode(
            {
                "from": report.start.isoformat(),
                "to": report.end.isoformat(),
                "group": report.grouping,
            }
        )
        href = f"/dashboard/csv/{table.id}.csv?{query}"
        note = f'<p class="note">{esc(table.note)}</p>' if table.note else ""
        if table.rows:
            chart = self._chart(table)
            drawn = f'<div class="chart">{chart}</div>' if chart else ""
            wide = " has-chart" if chart else ""
            body = f'<div class="stat-body{wide}">{drawn}{self._table(table)}</div>'
        else:
            body = f'<p class="empty">{esc(self.texts["dash.empty"])}</p>'
        hidden = self.texts["dash.csv_of"].format(title=table.title)
        return (
            f'<section class="stat stat-{table.chart}" id="tabel-{table.id}" '
            f'aria-labelledby="h-{table.id}">'
            f'<h2 id="h-{table.id}">{esc(table.title)}</h2>{note}{body}'
            f'<p class="csv"><a href="{esc(href)}" download>{esc(self.texts["dash.csv"])}'
            f'<span class="visually-hidden"> {esc(hidden)}</span></a></p></section>'
        )

    def _chart(self, table: Table) -> str:
        if table.chart == "heatmap":
            texts = svg_charts.ChartTexts(
                table.title,
                self.texts["dash.chart_heat"],
                self.texts["dash.chart_heat_values"],
            )
            days = [str(row[0]) for row in table.rows]
            cells = [[c if isinstance(c, Figure) else None for c in row[1:]] for row in table.rows]
            return svg_charts.heat_grid(f"chart-{table.id}", days, table.columns[1:], cells, texts)
        columns = CHART_COLUMNS.get(table.id, ())
        if table.chart == "none" or not columns:
            return ""
        series = [
            svg_charts.Series(table.columns[i], tuple(_figure(row, i) for row in table.rows))
            for i in columns
            if i < len(table.columns)
        ]
        texts = svg_charts.ChartTexts(
            table.title, self.texts["dash.chart_bars"], self.texts["dash.chart_values"]
        )
        labels = [self._label(row[0]) for row in table.rows]
        return svg_charts.bar_chart(f"chart-{table.id}", labels, series, texts)

    def _table(self, table: Table) -> str:
        first = table.columns[0] or self.texts["dash.day_column"]
        head = f'<th scope="col">{esc(first)}</th>' + "".join(
            f'<th scope="col">{esc(c)}</th>' for c in table.columns[1:]
        )
        rows = []
        for row in table.rows:
            cells = [f'<th scope="row">{esc(self._label(row[0]))}</th>']
            cells += [self._cell(c) for c in row[1:]]
            rows.append(f"<tr>{''.join(cells)}</tr>")
        label = self.texts["dash.table_label"].format(title=table.title)
        return (
            f'<div class="table-wrap" role="region" tabindex="0" aria-label="{esc(label)}">'
            f'<table class="stat-table"><caption class="visually-hidden">{esc(table.title)}'
            "</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        )

    def _label(self, cell: object) -> str:
        return shown_label(cell, self.texts["dash.week_label"])

    def _cell(self, cell: object) -> str:
        if isinstance(cell, Figure) and cell.suppressed:
            title = esc(self.texts["dash.hidden_cell" if cell.hidden else "dash.small_cell"])
            return f'<td class="is-small"><abbr title="{title}">{esc(cell.text())}</abbr></td>'
        return f"<td>{esc(cell.text() if isinstance(cell, Figure) else cell)}</td>"

    async def csv(self, request: web.Request) -> web.Response:
        signed = await coordinator(self.auth, request)
        if not isinstance(signed, Signed):
            return signed
        table_id = request.match_info["table"]
        if table_id not in TABLE_IDS:
            return web.Response(text=self.texts["error.no_table"], status=404)
        try:
            wanted = self._request(request.query)
        except RangeError as error:
            return web.Response(text=self.texts[range_problem(error)], status=400)
        table = (await self._report(wanted)).table(table_id)
        if table is None:
            return web.Response(text=self.texts["error.no_table"], status=404)
        name = f"ouderlijn-{table_id}-{wanted.start.isoformat()}-{wanted.end.isoformat()}.csv"
        return web.Response(
            body=(BOM + table_csv(table)).encode("utf-8"),
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    async def api(self, request: web.Request) -> web.Response:
        signed = await self.auth.signed_in(request)
        if signed is None:
            return self._json({"error": self.auth.texts["console_no_session"]}, 401)
        if signed.volunteer.role != "coordinator":
            return self._json({"error": self.auth.texts["console_coordinators_only"]}, 403)
        try:
            wanted = self._request(request.query)
        except RangeError as error:
            return self._json({"error": self.texts[range_problem(error)]}, 400)
        return self._json((await self._report(wanted)).as_json())

    def _json(self, data: object, status: int = 200) -> web.Response:
        dumps = functools.partial(json.dumps, ensure_ascii=False)
        return web.json_response(data, status=status, dumps=dumps)
