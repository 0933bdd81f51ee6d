"""/dashboard/blokkades: the blocks volunteers placed, for coordinators: a label that says
nothing about the parent, the reason, who, when, until when, and a button to lift one early.
Lifting is a checked POST (CSRF token, same origin) and goes into the audit log."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime

from aiohttp import web

from bot.app import Service
from bot.channels.web.console_auth import ConsoleAuth, Signed
from bot.channels.web.dashboard import coordinator, coordinator_top, esc, html_response
from bot.channels.web.pages import Page
from bot.storage.contract import Block, Tx

KEY = re.compile(r"[0-9a-f]{32}")  # a block's stored key (a salted hash)


class BlocksPage:
    """The list of blocks and its lift form."""

    def __init__(self, service: Service, auth: ConsoleAuth, texts: Mapping[str, str]) -> None:
        self.service = service
        self.auth = auth
        self.texts = dict(texts)
        self.page = Page("blocks.html", texts)
        self.top = Page("coordinator_top.html", texts)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/dashboard/blokkades", self.show)
        app.router.add_post("/dashboard/blokkades/opheffen", self.lift)

    async def show(self, request: web.Request) -> web.Response:
        signed = await coordinator(self.auth, request)
        if not isinstance(signed, Signed):
            return signed
        message = ""
        if request.query.get("ok") in ("lifted", "gone"):
            text = self.texts[f"blocks.ok_{request.query['ok']}"]
            message = f'<p class="card card-ok" role="status">{esc(text)}</p>'
        return await self._render(signed, message)

    async def _render(self, signed: Signed, message: str, status: int = 200) -> web.Response:
        now = self.service.engine.clock()

        def read(tx: Tx) -> tuple[list[Block], dict[int, str]]:
            return tx.blocks.listing(now), tx.events.volunteer_names()

        blocks, names = await self.service.store.read(read)
        fragments = {
            "top": coordinator_top(self.top, signed, "blocks"),
            "message": message,
            "blocks": self._list(blocks, names, signed.csrf),
        }
        return html_response(self.page.render_with({}, fragments), status)

    def _list(self, blocks: Sequence[Block], names: Mapping[int, str], csrf: str) -> str:
        """One card per block in force, the soonest to expire first."""
        t = self.texts
        if not blocks:
            return f'<p class="empty">{esc(t["blocks.empty"])}</p>'
        cards = []
        for b in blocks:
            who = names.get(b.volunteer_id, t["blocks.unknown"]) if b.volunteer_id else "?"
            heading = f"block-{esc(b.key)}"
            cards.append(
                f'<li class="card block" aria-labelledby="{heading}">'
                f'<h2 id="{heading}">{esc(b.label)}</h2><dl>'
                f"<dt>{esc(t['blocks.reason'])}</dt><dd class='reason'>{esc(b.reason)}</dd>"
                f"<dt>{esc(t['blocks.by'])}</dt><dd>{esc(who)}</dd>"
                f"<dt>{esc(t['blocks.since'])}</dt><dd>{self._time(b.created_at)}</dd>"
                f"<dt>{esc(t['blocks.until'])}</dt><dd>{self._time(b.until)}</dd></dl>"
                '<form method="post" action="/dashboard/blokkades/opheffen">'
                f'<input type="hidden" name="csrf" value="{esc(csrf)}">'
                f'<input type="hidden" name="block" value="{esc(b.key)}">'
                f'<button type="submit">{esc(t["blocks.lift"])}'
                f' <span class="visually-hidden">{esc(b.label)}</span></button></form></li>'
            )
        return f'<ul class="block-list">{"".join(cards)}</ul>'

    def _time(self, at: datetime) -> str:
        stats = self.service.stats
        local = at.astimezone(stats.zone) if stats is not None else at
        return f'<time datetime="{esc(at.isoformat())}">{local:%Y-%m-%d %H:%M}</time>'

    async def lift(self, request: web.Request) -> web.StreamResponse:
        """Lift one block (a coordinator): deleted, with an audit entry naming its label."""
        signed = await coordinator(self.auth, request)
        if not isinstance(signed, Signed):
            return signed
        form = await request.post()
        csrf, key = form.get("csrf"), form.get("block")
        if not self.auth.same_origin(request) or not self.auth.check_csrf(
            csrf if isinstance(csrf, str) else None, signed
        ):
            return await self._render(signed, self._problem("blocks.csrf"), status=403)
        if not isinstance(key, str) or not KEY.fullmatch(key):
            return await self._render(signed, self._problem("blocks.problem"), status=400)
        now, volunteer = self.service.engine.clock(), signed.volunteer

        def work(tx: Tx) -> bool:
            lifted = tx.blocks.lift(key)
            if lifted is not None:
                tx.review.audit(now, volunteer.id, volunteer.name, "block_lifted", lifted.label)
            return lifted is not None

        done = await self.service.store.transaction(work)
        raise web.HTTPSeeOther(f"/dashboard/blokkades?ok={'lifted' if done else 'gone'}")

    def _problem(self, key: str) -> str:
        return f'<p class="card card-error" role="alert">{esc(self.texts[key])}</p>'
