"""/dashboard/vragen: the questions the bot could not answer well, grouped, for coordinators.
Each group can become a phrasing of an FAQ entry ("Toevoegen als vraag") or be marked handled;
every POST carries the session's CSRF token; one that names another site as Origin is refused.
The page shows the question itself, so its group size is no statistic: the exact number, never
"<5"."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.app import Service
from bot.channels.web.console_auth import ConsoleAuth, Signed
from bot.channels.web.dashboard import coordinator, coordinator_top, esc, html_response
from bot.channels.web.pages import Page
from bot.review.desk import ReviewDesk
from bot.review.grouping import ReviewGroup
from bot.storage.records import AuditEntry
from faq.phrasing import PhrasingError, clean_phrasing

MAX_ITEMS = 2000  # ids one form may carry (a group is at most the desk's MAX_OPEN)
MAX_TEXT = 2000  # characters read from the phrasing field (the desk allows 500)
OK_MESSAGES = {"added": "review.ok_added", "handled": "review.ok_handled", "gone": "review.ok_gone"}
HANDLED_COUNT = re.compile(r"(\d+) item")  # the desk's detail of "marked_handled": "3 item(s)"
Kept = Mapping[tuple[int, ...], tuple[str, str]]  # a group's item ids → (entry, phrasing)


class ReviewPage:
    """The review page and its two form posts."""

    def __init__(self, service: Service, auth: ConsoleAuth, texts: Mapping[str, str]) -> None:
        if service.review is None or service.stats is None:
            raise ValueError("the review page needs Service.review and Service.stats")
        self.desk: ReviewDesk = service.review
        self.zone: ZoneInfo = service.stats.zone
        self.auth = auth
        self.texts = dict(texts)
        self.page = Page("review.html", texts)
        self.top = Page("coordinator_top.html", texts)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/dashboard/vragen", self.show)
        app.router.add_post("/dashboard/vragen/toevoegen", self.add)
        app.router.add_post("/dashboard/vragen/afgehandeld", self.handled)

    async def show(self, request: web.Request) -> web.Response:
        signed = await coordinator(self.auth, request)
        if not isinstance(signed, Signed):
            return signed
        key = OK_MESSAGES.get(request.query.get("ok", ""))
        message = ""
        if key is not None:
            message = f'<p class="card card-ok" role="status">{esc(self.texts[key])}</p>'
        return await self._render(signed, message)

    async def _render(
        self, signed: Signed, message: str = "", status: int = 200, kept: Kept | None = None
    ) -> web.Response:
        groups = await self.desk.groups()
        entries = self.desk.entries()
        audit = await self.desk.audit()
        values: dict[str, str] = {}
        fragments = {
            "top": coordinator_top(self.top, signed, "review"),
            "message": message,
            "groups": self._groups(groups, entries, signed.csrf, kept or {}),
            "audit": self._audit(audit, dict(entries)),
        }
        return html_response(self.page.render_with(values, fragments), status)

    def _groups(
        self,
        groups: Sequence[ReviewGroup],
        entries: Sequence[tuple[str, str]],
        csrf: str,
        kept: Kept,
    ) -> str:
        if not groups:
            return f'<p class="card empty-state">{esc(self.texts["review.empty"])}</p>'
        cards = "".join(self._card(g, entries, csrf, kept.get(g.item_ids)) for g in groups)
        label = esc(self.texts["review.list_label"])
        return f'<ul class="review-list" aria-label="{label}">{cards}</ul>'

    def _card(
        self,
        group: ReviewGroup,
        entries: Sequence[tuple[str, str]],
        csrf: str,
        kept: tuple[str, str] | None,
    ) -> str:
        t, key = self.texts, group.key
        entry, phrasing = kept if kept is not None else (group.entry or "", _stored(group.text))
        hidden = f'<input type="hidden" name="csrf" value="{esc(csrf)}">' + "".join(
            f'<input type="hidden" name="item" value="{i}">' for i in group.item_ids
        )
        kinds = ", ".join(t.get(f"kinds.{k}", k) for k in group.kinds)
        examples = ""
        if group.examples:
            shown = "".join(f"<li>{esc(e)}</li>" for e in group.examples[:3])
            examples = (
                f'<p class="examples-label">{esc(t["review.examples"])}</p>'
                f'<ul class="examples">{shown}</ul>'
            )
        return (
            f'<li class="card review-card" aria-labelledby="g-{key}">'
            f'<h2 id="g-{key}" class="review-text">“{esc(group.text)}”</h2>'
            f'<dl class="review-meta"><div><dt>{esc(t["review.count"])}</dt>'
            f"<dd>{group.size}</dd></div>"
            f"<div><dt>{esc(t['review.kinds'])}</dt><dd>{esc(kinds)}</dd></div></dl>"
            f"{examples}"
            f'<form class="review-add" method="post" action="/dashboard/vragen/toevoegen">'
            f"{hidden}"
            f'<p class="field"><label for="entry-{key}">{esc(t["review.entry"])}</label>'
            f'<select id="entry-{key}" name="entry">{self._options(entries, entry)}</select></p>'
            f'<p class="field"><label for="phrasing-{key}">{esc(t["review.phrasing"])}</label>'
            f'<textarea id="phrasing-{key}" name="phrasing" rows="3" maxlength="500" required '
            f'aria-describedby="phrasing-hint-{key}">{esc(phrasing)}</textarea>'
            f'<span id="phrasing-hint-{key}" class="hint">{esc(t["review.phrasing_hint"])}</span>'
            f"</p>"
            f'<button type="submit" class="button-primary" aria-describedby="g-{key}">'
            f"{esc(t['review.add'])}</button></form>"
            f'<form class="review-done" method="post" action="/dashboard/vragen/afgehandeld">'
            f'{hidden}<p class="hint" id="done-hint-{key}">{esc(t["review.handled_hint"])}</p>'
            f'<button type="submit" class="button-secondary" '
            f'aria-describedby="g-{key} done-hint-{key}">{esc(t["review.handled"])}</button>'
            f"</form></li>"
        )

    def _options(self, entries: Sequence[tuple[str, str]], chosen: str) -> str:
        known = {entry_id for entry_id, _ in entries}
        first = "" if chosen in known else " selected"
        options = [f'<option value=""{first}>{esc(self.texts["review.choose"])}</option>']
        options += [
            f'<option value="{esc(i)}"{" selected" if i == chosen else ""}>{esc(title)}</option>'
            for i, title in entries
        ]
        return "".join(options)

    def _audit(self, audit: Sequence[AuditEntry], titles: Mapping[str, str]) -> str:
        if not audit:
            return f'<p class="empty">{esc(self.texts["review.audit_empty"])}</p>'
        rows = []
        for a in audit:
            what = self._action(a)
            if a.entry:
                what += f": {titles.get(a.entry, a.entry)}"
            if a.detail and a.action == "phrasing_added":
                what += f" – “{a.detail}”"
            rows.append(
                f"<li>{self._time(a.at)} <span class='who'>{esc(self.texts['review.audit_by'])} "
                f"{esc(a.actor_name)}</span>: {esc(what)}</li>"
            )
        return f'<ol class="audit-list">{"".join(rows)}</ol>'

    def _action(self, a: AuditEntry) -> str:
        """What happened, in Dutch: "3 vragen afgehandeld" (never which: the log is kept for
        good, the questions expire with the retention)."""
        found = HANDLED_COUNT.match(a.detail or "") if a.action == "marked_handled" else None
        if found is not None:
            n = int(found.group(1))
            key = "audit.marked_handled_one" if n == 1 else "audit.marked_handled_many"
            return self.texts[key].format(count=n)
        return self.texts.get(f"audit.{a.action}", a.action)

    def _time(self, at: datetime) -> str:
        local = at.astimezone(self.zone)
        return f'<time datetime="{esc(at.isoformat())}">{local:%Y-%m-%d %H:%M}</time>'

    async def _posted(
        self, request: web.Request
    ) -> tuple[Signed, list[int], Mapping[str, object]] | web.Response:
        """The coordinator, the item ids and the form of a checked POST, or the refusal."""
        signed = await coordinator(self.auth, request)
        if not isinstance(signed, Signed):
            return signed
        form = await request.post()
        csrf = form.get("csrf")
        if not self.auth.same_origin(request) or not self.auth.check_csrf(
            csrf if isinstance(csrf, str) else None, signed
        ):
            return await self._problem(signed, self.texts["review.csrf"], status=403)
        ids: list[int] = []
        for raw in form.getall("item", [])[:MAX_ITEMS]:
            if isinstance(raw, str) and raw.isdigit() and len(raw) < 12:
                ids.append(int(raw))
        if not ids:
            return await self._problem(signed, self.texts["review.problem_items"])
        return signed, ids, form

    async def add(self, request: web.Request) -> web.StreamResponse:
        posted = await self._posted(request)
        if isinstance(posted, web.Response):
            return posted
        signed, ids, form = posted
        entry = str(form.get("entry", ""))[:200]
        phrasing = str(form.get("phrasing", ""))[:MAX_TEXT]
        volunteer = signed.volunteer
        outcome = await self.desk.add_phrasing(ids, entry, phrasing, volunteer.id, volunteer.name)
        if outcome.ok:
            raise web.HTTPSeeOther("/dashboard/vragen?ok=added")
        reason = f"review.problem_{outcome.reason}"  # the desk's English problems stay in logs
        details = outcome.problems if outcome.reason == "content" else ()
        kept = {tuple(ids): (entry, phrasing)}
        return await self._problem(signed, self.texts[reason], details, kept=kept, intro=True)

    async def handled(self, request: web.Request) -> web.StreamResponse:
        posted = await self._posted(request)
        if isinstance(posted, web.Response):
            return posted
        signed, ids, _ = posted
        changed = await self.desk.mark_handled(ids, signed.volunteer.id, signed.volunteer.name)
        raise web.HTTPSeeOther(f"/dashboard/vragen?ok={'handled' if changed else 'gone'}")

    async def _problem(
        self,
        signed: Signed,
        reason: str,
        details: Sequence[str] = (),
        status: int = 400,
        kept: Kept | None = None,
        intro: bool = False,
    ) -> web.Response:
        """The page again with what went wrong on top (and the coordinator's text kept)."""
        listed = ""
        if details:
            items = "".join(f"<li>{esc(d)}</li>" for d in details[:10])
            listed = (
                f"<details><summary>{esc(self.texts['review.details'])}</summary>"
                f"<ul>{items}</ul></details>"
            )
        more = f"<p>{esc(self.texts['review.problem_intro'])}</p>" if intro else ""
        message = (
            '<div class="card card-error" role="alert" aria-labelledby="problem-heading">'
            f'<h2 id="problem-heading">{esc(self.texts["review.problem_heading"])}</h2>'
            f"{more}<p>{esc(reason)}</p>{listed}</div>"
        )
        return await self._render(signed, message, status, kept)


def _stored(text: str) -> str:
    """The question as the desk would store it (without [NAAM] and the like); "" if nothing
    is left of it."""
    try:
        return clean_phrasing(text)
    except PhrasingError:
        return ""
