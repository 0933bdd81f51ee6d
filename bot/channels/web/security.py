"""What every response carries (CSP without inline script, nosniff, no referrer, no framing
except the widget's allowed sites), and small per-key rate limits with a friendly answer."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors {ancestors}"
)
WIDGET_PATH = "/widget"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def frame_ancestors(path: str, widget_origins: Sequence[str]) -> str:
    """Only the widget may be framed, and only by the configured sites."""
    if path == WIDGET_PATH and widget_origins:
        return " ".join(widget_origins)
    return "'none'"


def security_headers(widget_origins: Sequence[str]) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Middleware adding the headers to every response, errors included."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as error:
            response = error
        headers = response.headers
        ancestors = frame_ancestors(request.path, widget_origins)
        headers.setdefault("Content-Security-Policy", CSP.format(ancestors=ancestors))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        # same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on our
        # own form posts, which the console's Origin check must refuse; other sites get nothing.
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if ancestors == "'none'":
            headers.setdefault("X-Frame-Options", "DENY")
        if request.path.startswith("/console") or request.path.startswith("/dashboard"):
            headers.setdefault("Cache-Control", "no-store")
        if isinstance(response, web.HTTPException):
            raise response
        return response

    return middleware


class RateLimit:
    """A token bucket per key: `burst` actions at once, then one per `per_seconds / burst`."""

    def __init__(self, burst: int, per_seconds: float, max_keys: int = 100_000) -> None:
        self.burst = burst
        self.rate = burst / per_seconds
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last time)

    def allow(self, key: str, now: float | None = None) -> bool:
        """Take one token for `key`; False when the key is over its limit."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if len(self._buckets) >= self.max_keys and key not in self._buckets:
            self._buckets.clear()  # bounded memory: forgetting old keys only forgives them
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1.0, now)
        return True
