"""One aiohttp application for every browser surface: the parent chat (/, /chat), the widget
(/widget and /static/widget.js), the volunteer console (/console), the coordinators' pages
(/dashboard with its CSV and JSON, /dashboard/vragen), /healthz, and the Telegram webhook when
`ouderlijn run` serves Telegram too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from bot.app import Service
from bot.channels.web.console_auth import ConsoleAuth
from bot.channels.web.console_desk import ConsoleDesk
from bot.channels.web.dashboard import Dashboard
from bot.channels.web.pages import STATIC, Page, load_page_texts
from bot.channels.web.parent_chat import WebChat
from bot.channels.web.review_page import ReviewPage
from bot.channels.web.security import security_headers

MAX_BODY_BYTES = 64 * 1024  # forms; the Telegram webhook needs more (see build)
SESSION_SECRET_KEY = "web_session_secret"


@dataclass
class WebSurfaces:
    """The parts behind the routes (tests reach into them)."""

    chat: WebChat
    console: ConsoleDesk
    auth: ConsoleAuth
    pages: dict[str, Page]
    dashboard: Dashboard
    review: ReviewPage


async def build_surfaces(service: Service) -> WebSurfaces:
    """Load the pages (refusing to start on a missing text) and wire chat and console."""
    server_texts = load_page_texts("web_server_nl")
    chat_texts = load_page_texts("web_chat_nl")
    console_texts = load_page_texts("web_console_nl")
    dashboard_texts = load_page_texts("web_dashboard_nl")
    pages = {
        "chat": Page("chat.html", chat_texts),
        "console": Page("console.html", console_texts),
        "login": Page("login.html", console_texts),
    }
    secret = await service.store.transaction(lambda tx: tx.meta.secret(SESSION_SECRET_KEY))
    chat = WebChat(service, secret, server_texts)
    auth = ConsoleAuth(service, pages["login"], server_texts)
    console = ConsoleDesk(service, auth, chat, server_texts)
    dashboard = Dashboard(service, auth, dashboard_texts)
    review = ReviewPage(service, auth, dashboard_texts)
    return WebSurfaces(chat, console, auth, pages, dashboard, review)


def build_app(
    service: Service,
    surfaces: WebSurfaces,
    extra_routes: Callable[[web.Application], None] | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> web.Application:
    """The application with every route and the security headers."""
    web_settings = service.settings.web
    app = web.Application(
        client_max_size=max_body_bytes,
        middlewares=[security_headers(web_settings.widget_origins)],
    )
    routes = Routes(service, surfaces)
    app.router.add_get("/", routes.chat)
    app.router.add_get("/chat", routes.chat)
    app.router.add_get("/widget", routes.widget)
    app.router.add_get("/ws", surfaces.chat.socket)
    app.router.add_get("/console", routes.console)
    app.router.add_get("/console/login", surfaces.auth.show_login)
    app.router.add_post("/console/login", surfaces.auth.login)
    app.router.add_post("/console/logout", surfaces.auth.logout)
    app.router.add_get("/console/ws", surfaces.console.socket)
    surfaces.dashboard.add_routes(app)
    surfaces.review.add_routes(app)
    app.router.add_get("/healthz", routes.health)
    app.router.add_get("/favicon.ico", routes.no_icon)
    app.router.add_static("/static", STATIC, show_index=False, follow_symlinks=False)
    if extra_routes is not None:
        extra_routes(app)
    return app


class Routes:
    """The page handlers (the sockets live in WebChat and ConsoleDesk)."""

    def __init__(self, service: Service, surfaces: WebSurfaces) -> None:
        self.web = service.settings.web
        self.surfaces = surfaces
        self.pages = surfaces.pages

    def _html(self, body: str, status: int = 200) -> web.Response:
        return web.Response(text=body, content_type="text/html", status=status)

    def _chat_page(self, mode: str) -> web.Response:
        return self._html(
            self.pages["chat"].render(
                mode=mode,
                exit_url=self.web.exit_url,
                allowed_origins=" ".join(self.web.widget_origins),
            )
        )

    async def chat(self, request: web.Request) -> web.Response:
        return self._chat_page("page")

    async def widget(self, request: web.Request) -> web.Response:
        return self._chat_page("widget")

    async def console(self, request: web.Request) -> web.Response:
        signed = await self.surfaces.auth.signed_in(request)
        if signed is None:
            return self.surfaces.auth.login_refused(self.surfaces.auth.texts["console_no_session"])
        texts = self.surfaces.console.engine.texts
        return self._html(
            self.pages["console"].render(
                csrf=signed.csrf,
                volunteer_name=signed.volunteer.name,
                role_label=texts.word("role_names", signed.volunteer.role),
            )
        )

    async def health(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def no_icon(self, request: web.Request) -> web.Response:
        """Browsers ask for it on every page; no icon, and no 404 in the logs."""
        return web.Response(status=204)
