"""Console login: one-time links (only a hash stored; they expire and work once), a session
cookie (HttpOnly, SameSite=Strict, Secure behind https) and a CSRF token for every form and
the console's socket. A GET of the link only shows a button: mail scanners open links."""

from __future__ import annotations

import hmac
import html
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from aiohttp import web

from bot.app import Service
from bot.channels.web.pages import Page
from bot.storage.contract import Tx
from bot.web_settings import WebSettings
from handoff.model import Volunteer

COOKIE = "ouderlijn_console"
CONSOLE_CHANNEL = "console"
# A signed-in volunteer who opens a coordinator's page: why not, and the way back.
NOT_FOR_YOU = """<!doctype html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{title} – {name}</title>
<link rel="stylesheet" href="/static/common.css">
<link rel="stylesheet" href="/static/console.css">
</head>
<body class="console console-simple">
<header class="top">
  <p class="top-title">{name}</p>
</header>
<main id="main" class="simple">
  <h1>{title}</h1>
  <div class="card">
    <p>{reason}</p>
    <p>{next}</p>
    <p><a href="/console">{back}</a></p>
  </div>
</main>
</body>
</html>
"""


def console_address(volunteer_id: int) -> str:
    """The volunteer's desk address while they work in the console."""
    return f"{CONSOLE_CHANNEL}:{volunteer_id}"


def new_login_link(tx: Tx, volunteer_id: int, now: datetime, minutes: int) -> str:
    """A fresh one-time login token for a volunteer (their older unused links stop working)."""
    tx.registry.get(volunteer_id)
    token = secrets.token_urlsafe(32)
    tx.web.new_login(token, volunteer_id, now + timedelta(minutes=minutes))
    return token


@dataclass(frozen=True)
class Signed:
    """A request's logged-in volunteer and the session's CSRF token."""

    volunteer: Volunteer
    csrf: str
    cookie: str


class ConsoleAuth:
    """The login, logout and session checks of the console."""

    def __init__(self, service: Service, login_page: Page, texts: dict[str, str]) -> None:
        self.service = service
        self.texts = texts
        self.store = service.store
        self.page = login_page
        self.clock = service.engine.clock
        # The console closes a session's open sockets when it ends (set by ConsoleDesk).
        self.on_signed_out: Callable[[str], Awaitable[None]] | None = None

    @property
    def settings(self) -> WebSettings:
        return self.service.settings.web  # read late: `ouderlijn run` learns its port at start

    async def signed_in(self, request: web.Request) -> Signed | None:
        """The volunteer behind the request's session cookie, if it is valid."""
        return await self.session_of(request.cookies.get(COOKIE, ""))

    async def session_of(self, cookie: str) -> Signed | None:
        """The volunteer behind a session cookie, if the session is still valid."""
        if not cookie or len(cookie) > 128:
            return None
        now = self.clock()

        def look(tx: Tx) -> Signed | None:
            found = tx.web.session(cookie, now)
            if found is None:
                return None
            return Signed(tx.registry.get(found.volunteer_id), found.csrf, cookie)

        return await self.store.read(look)

    def same_origin(self, request: web.Request) -> bool:
        """A state-changing request must come from our own pages (no Origin: a old browser
        or a non-browser client, which carries no cookie of ours by accident)."""
        origin = request.headers.get("Origin")
        if origin is None or origin == "null":
            return origin is None
        ours = {f"{request.scheme}://{request.host}", self.settings.base_url}
        parts = urlsplit(origin)
        return f"{parts.scheme}://{parts.netloc}" in ours

    def check_csrf(self, given: str | None, signed: Signed) -> bool:
        return bool(given) and hmac.compare_digest(str(given), signed.csrf)

    def login_form(self, name: str, token: str) -> web.Response:
        return self._page(name=name, token=token, form="", error="hidden", message="")

    def login_refused(self, reason: str) -> web.Response:
        return self._page(name="", token="", form="hidden", error="", message=reason, status=403)

    def coordinators_only(self) -> web.Response:
        """403 for a signed-in volunteer on a coordinator's page, with a link to the console."""
        t = self.texts
        body = NOT_FOR_YOU.format(
            name=html.escape(t["bot_name"]),
            title=html.escape(t["console_coordinators_title"]),
            reason=html.escape(t["console_coordinators_only"]),
            next=html.escape(t["console_coordinators_next"]),
            back=html.escape(t["console_back"]),
        )
        return web.Response(text=body, content_type="text/html", status=403)

    def _page(
        self, name: str, token: str, form: str, error: str, message: str, status: int = 200
    ) -> web.Response:
        body = self.page.render(
            volunteer_name=name,
            login_token=token,
            form_hidden=form,
            error_hidden=error,
            error=message,
        )
        return web.Response(text=body, content_type="text/html", status=status)

    async def show_login(self, request: web.Request) -> web.Response:
        """GET /console/login?token=…: who the link is for and a button; nothing is used up."""
        token = request.query.get("token", "")
        if not token:
            return self.login_refused(self.texts["console_no_session"])
        now = self.clock()

        def look(tx: Tx) -> Volunteer | None:
            found = tx.web.login_volunteer(token, now)
            return tx.registry.find(found) if found is not None else None

        volunteer = await self.store.read(look) if len(token) <= 128 else None
        if volunteer is None:
            return self.login_refused(self.texts["console_link_invalid"])
        return self.login_form(volunteer.name, token)

    async def login(self, request: web.Request) -> web.StreamResponse:
        """POST /console/login: use the link up, start a session, make the console the desk."""
        if not self.same_origin(request):
            return self.login_refused(self.texts["console_link_invalid"])
        form = await request.post()
        token = str(form.get("token", ""))[:128]
        now = self.clock()
        cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = now + timedelta(hours=self.settings.session_hours)

        def use(tx: Tx) -> Volunteer | None:
            volunteer_id = tx.web.use_login(token, now) if token else None
            if volunteer_id is None or tx.registry.find(volunteer_id) is None:
                return None
            tx.web.new_session(cookie, volunteer_id, csrf, now, expires)
            return tx.registry.attach(volunteer_id, console_address(volunteer_id), CONSOLE_CHANNEL)

        volunteer = await self.store.transaction(use)
        if volunteer is None:
            return self.login_refused(self.texts["console_link_invalid"])
        response = web.HTTPSeeOther("/dashboard" if volunteer.role == "coordinator" else "/console")
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=self.settings.session_hours * 3600,
            httponly=True,
            secure=self.settings.secure or request.secure,
            samesite="Strict",
            path="/",
        )
        return response

    async def logout(self, request: web.Request) -> web.StreamResponse:
        """POST /console/logout (with the CSRF token): the session ends at once."""
        signed = await self.signed_in(request)
        form = await request.post()
        if signed is None or not self.same_origin(request):
            raise web.HTTPSeeOther("/console")
        if not self.check_csrf(str(form.get("csrf", "")), signed):
            raise web.HTTPForbidden(text="csrf")

        def end(tx: Tx) -> None:
            tx.web.end_session(signed.cookie)
            tx.registry.update(signed.volunteer.id, available=False)  # nobody is watching

        await self.store.transaction(end)
        if self.on_signed_out is not None:
            await self.on_signed_out(signed.cookie)
        response = web.HTTPSeeOther("/console")
        response.del_cookie(COOKIE, path="/")
        return response
