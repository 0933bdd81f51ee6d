"""`[web]` in ouderlijn.toml (and OUDERLIJN_* variables): where `ouderlijn run` listens, the
address links point to, the widget's allowed sites, the quick-exit page and session lengths."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


class WebConfigError(ValueError):
    """A `[web]` value that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class WebSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str | None = None  # e.g. https://chat.balans.nl behind a TLS proxy
    widget_origins: tuple[str, ...] = ()  # sites that may embed /widget
    exit_url: str = "https://www.google.nl/"  # where "Snel weg" goes: a neutral page
    login_minutes: int = 60  # a console login link works this long, once
    session_hours: int = 12  # a console session lasts at most this long

    @property
    def base_url(self) -> str:
        """The address printed in login links and the start message."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def secure(self) -> bool:
        """Cookies get `Secure` when parents and volunteers reach us over https."""
        return self.base_url.startswith("https://")


def parse_listen(value: str) -> tuple[str, int]:
    """`HOST:PORT` (also `[::1]:8080`, or `:8080` for every interface's default host)."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise WebConfigError(f"listen address '{value}' must look like 127.0.0.1:8080")
    return (host.strip("[]") or "127.0.0.1"), int(port)


def _origin(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise WebConfigError(
            f"widget origin '{value}' must be a site's origin like https://www.balans.nl"
        )
    return f"{parts.scheme}://{parts.netloc}"


_KEYS = {
    "listen",
    "public_url",
    "widget_origins",
    "exit_url",
    "login_minutes",
    "session_hours",
}


def web_settings(table: Mapping[str, Any], env: Mapping[str, str]) -> WebSettings:
    """Read `[web]`; OUDERLIJN_LISTEN, OUDERLIJN_PUBLIC_URL and OUDERLIJN_WIDGET_ORIGINS
    (space or comma separated) win over the file."""
    unknown = set(table) - _KEYS
    if unknown:
        raise WebConfigError(
            f"[web] unknown key '{sorted(unknown)[0]}' (known: {', '.join(sorted(_KEYS))})"
        )
    host, port = parse_listen(
        str(env.get("OUDERLIJN_LISTEN") or table.get("listen", "") or "127.0.0.1:8080")
    )
    origins_value: Any = env.get("OUDERLIJN_WIDGET_ORIGINS") or table.get("widget_origins", [])
    if isinstance(origins_value, str):
        origins_value = origins_value.replace(",", " ").split()
    if not isinstance(origins_value, list):
        raise WebConfigError("[web] widget_origins must be a list of origins")
    public = env.get("OUDERLIJN_PUBLIC_URL") or table.get("public_url")
    if public is not None and not str(public).startswith(("http://", "https://")):
        raise WebConfigError("[web] public_url must start with http:// or https://")
    exit_url = str(env.get("OUDERLIJN_EXIT_URL") or table.get("exit_url", WebSettings.exit_url))
    if not exit_url.startswith(("https://", "http://")):
        raise WebConfigError("[web] exit_url must be an http(s) address")
    numbers = {}
    for key in ("login_minutes", "session_hours"):
        value = table.get(key, getattr(WebSettings, key))
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise WebConfigError(f"[web] {key} must be a whole number, 1 or more")
        numbers[key] = value
    return WebSettings(
        host=host,
        port=port,
        public_url=str(public) if public else None,
        widget_origins=tuple(_origin(str(o)) for o in origins_value),
        exit_url=exit_url,
        **numbers,
    )
