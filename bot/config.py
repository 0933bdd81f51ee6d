"""Configuration from environment variables and an optional `ouderlijn.toml`.

Environment wins over the file; the file wins over the defaults. Unknown keys are errors, so a
typo in a threshold name never silently falls back to a default.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from bot.core.flood import AbuseSettings
from bot.web_settings import WebConfigError, WebSettings, web_settings
from faq.knowledge import KnowledgeSources
from faq.matcher import MatcherSettings
from handoff.hours import parse_opening_hours
from handoff.settings import HandoffSettings


class ConfigError(Exception):
    """Configuration that cannot be used; the message says which key and why."""


@dataclass(frozen=True)
class HelplineSettings:
    """What the bot tells parents about the people behind it."""

    opening_hours: str | None = None  # None: the locale's default wording
    contact: str | None = None
    retention_days: int = 30


@dataclass(frozen=True)
class Settings:
    db_path: Path
    knowledge: KnowledgeSources
    matcher: MatcherSettings
    helpline: HelplineSettings = HelplineSettings()
    language: str = "nl"
    handoff: HandoffSettings = field(default_factory=HandoffSettings)
    web: WebSettings = field(default_factory=WebSettings)
    database_url: str | None = None  # postgresql://…; None: the SQLite file at db_path
    abuse: AbuseSettings = field(default_factory=AbuseSettings)

    @property
    def database(self) -> str | Path:
        """What to open: the PostgreSQL URL when one is set, else the SQLite file."""
        return self.database_url or self.db_path


def _database_url(value: object) -> str | None:
    """A PostgreSQL URL, checked for its scheme (SQLite is chosen by `db`, not by a URL)."""
    if value is None or value == "":
        return None
    text = str(value)
    if not text.startswith(("postgresql://", "postgres://")):
        raise ConfigError("OUDERLIJN_DATABASE_URL must start with postgresql://")
    return text


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from None


def _matcher_settings(table: Mapping[str, Any]) -> MatcherSettings:
    known = {f.name: f.type for f in fields(MatcherSettings)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"[matcher] unknown key '{key}' (known: {', '.join(sorted(known))})")
        kind = known[key]
        if kind in (str, "str"):
            if not isinstance(value, str):
                raise ConfigError(f"[matcher] {key} must be text")
            values[key] = value
        elif not isinstance(value, int | float) or isinstance(value, bool):
            raise ConfigError(f"[matcher] {key} must be a number")
        else:
            values[key] = int(value) if kind in (int, "int") else float(value)
    return replace(MatcherSettings(), **values)


_FAQ_KEYS = {"content_dir", "lexicon_dir", "source_max_age_months"}


def _source_age(sources: KnowledgeSources, table: Mapping[str, Any]) -> KnowledgeSources:
    """[faq] source_max_age_months: after how many months `faq check` warns about a source."""
    unknown = set(table) - _FAQ_KEYS
    if unknown:
        raise ConfigError(
            f"[faq] unknown key '{sorted(unknown)[0]}' (known: {', '.join(sorted(_FAQ_KEYS))})"
        )
    months = table.get("source_max_age_months")
    if months is None:
        return sources
    if not isinstance(months, int) or isinstance(months, bool) or months < 1:
        raise ConfigError("[faq] source_max_age_months must be a whole number of months, 1 or more")
    return replace(sources, limits=replace(sources.limits, max_source_age_months=months))


def load_settings(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Settings:
    """Settings for this process: OUDERLIJN_* variables, then ouderlijn.toml, then defaults."""
    env = os.environ if env is None else env
    cwd = cwd or Path.cwd()
    config_path = (
        Path(env["OUDERLIJN_CONFIG"]) if "OUDERLIJN_CONFIG" in env else cwd / "ouderlijn.toml"
    )
    data = _read_toml(config_path) if config_path.exists() else {}
    if "OUDERLIJN_CONFIG" in env and not config_path.exists():
        raise ConfigError(f"OUDERLIJN_CONFIG points to {config_path}, which does not exist")
    storage, faq_table = data.get("storage", {}), data.get("faq", {})
    sources = KnowledgeSources()
    content = env.get("OUDERLIJN_FAQ_DIR") or faq_table.get("content_dir")
    lexicon = env.get("OUDERLIJN_LEXICON_DIR") or faq_table.get("lexicon_dir")
    catalogue = env.get("OUDERLIJN_FAQ_CATALOGUE") or faq_table.get("catalogue")
    if content:
        sources = replace(sources, content_dir=Path(content))
    if catalogue:  # a helpline with its own content names its own required topics
        sources = replace(sources, catalogue=Path(catalogue))
    if lexicon:
        sources = replace(sources, lexicon_dir=Path(lexicon))
    sources = _source_age(sources, faq_table)
    db = env.get("OUDERLIJN_DB") or storage.get("db") or "ouderlijn.db"
    helpline = _helpline_settings(data.get("helpline", {}), env)
    handoff = _handoff_settings(data.get("handoff", {}), data.get("helpline", {}))
    if handoff.reopen_days > helpline.retention_days:
        raise ConfigError(
            f"[handoff] reopen_days ({handoff.reopen_days}) must not exceed "
            f"[helpline] retention_days ({helpline.retention_days}): the story would be gone"
        )
    try:
        web = web_settings(data.get("web", {}), env)
    except WebConfigError as error:
        raise ConfigError(str(error)) from None
    return Settings(
        db_path=Path(db),
        database_url=_database_url(env.get("OUDERLIJN_DATABASE_URL") or storage.get("url")),
        knowledge=sources,
        matcher=_matcher_settings(data.get("matcher", {})),
        helpline=helpline,
        handoff=handoff,
        web=web,
        abuse=_abuse_settings(data.get("abuse", {})),
    )


def _abuse_settings(table: Mapping[str, Any]) -> AbuseSettings:
    """[abuse]: flood limits and block length, whole numbers of at least 1."""
    known = {f.name for f in fields(AbuseSettings)}
    values: dict[str, int] = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"[abuse] unknown key '{key}' (known: {', '.join(sorted(known))})")
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"[abuse] {key} must be a whole number of at least 1")
        values[key] = value
    return AbuseSettings(**values)


def _helpline_settings(table: Mapping[str, Any], env: Mapping[str, str]) -> HelplineSettings:
    known = {"opening_hours", "contact", "retention_days", "hours"}
    for key in table:
        if key not in known:
            raise ConfigError(f"[helpline] unknown key '{key}' (known: {', '.join(sorted(known))})")
    days = env.get("OUDERLIJN_RETENTION_DAYS", table.get("retention_days", 30))
    try:
        retention = int(days)
    except (TypeError, ValueError):
        raise ConfigError("retention_days must be a whole number of days") from None
    if retention < 1:
        raise ConfigError("retention_days must be at least 1")
    hours, contact = table.get("opening_hours"), table.get("contact")
    return HelplineSettings(
        opening_hours=None if hours is None else str(hours),
        contact=None if contact is None else str(contact),
        retention_days=retention,
    )


_HANDOFF_NUMBERS = {
    "escalate_after_minutes": (float, 1.0),
    "urgent_buddy_after_minutes": (float, 0.0),
    "reopen_days": (int, 0),
    "invite_days": (int, 1),
    "watch_seconds": (float, 1.0),
    "history_lines": (int, 1),
    "announce_limit": (int, 1),
}


def _handoff_settings(table: Mapping[str, Any], helpline: Mapping[str, Any]) -> HandoffSettings:
    """[handoff] numbers and [helpline.hours] opening hours (default: weekdays 9 to 17)."""
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _HANDOFF_NUMBERS:
            known = ", ".join(sorted(_HANDOFF_NUMBERS))
            raise ConfigError(f"[handoff] unknown key '{key}' (known: {known})")
        kind, minimum = _HANDOFF_NUMBERS[key]
        if not isinstance(value, int | float) or isinstance(value, bool) or value < minimum:
            raise ConfigError(f"[handoff] {key} must be a number of at least {minimum:g}")
        values[key] = kind(value)
    hours = helpline.get("hours", {})
    if not isinstance(hours, Mapping):
        raise ConfigError("[helpline.hours] must be a table")
    try:
        values["hours"] = parse_opening_hours(hours)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    return HandoffSettings(**values)
