"""Privacy scan: after a test's traffic, look in every table, the log files and the coordinators'
statistics for what parents typed, their pseudonyms and their platform ids where PRIVACY.md says
they must not be. `leaks` returns findings (table+column or file, secret masked), [] when clean.

The rules are one table, RULES: for each table, which columns may hold which kind of secret.
Tables are listed from the database itself, so a table added later is scanned at once and
reported as unknown until someone classifies it here (with PRIVACY.md's table next to it).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tests.db_inspect import columns, is_postgres, rows, tables

if TYPE_CHECKING:
    from bot.app import Content

Kind = Literal["text", "pseudonym", "platform_id"]
TEXT: Kind = "text"
PSEUDONYM: Kind = "pseudonym"
PLATFORM: Kind = "platform_id"


@dataclass(frozen=True)
class Secrets:
    """What a test's people typed and who they are, to look for afterwards."""

    message_texts: tuple[str, ...]  # what parents/volunteers typed (distinctive, >= 12 chars)
    pseudonyms: tuple[str, ...]  # e.g. "telegram:…", "web:…"
    platform_ids: tuple[str, ...]  # Telegram user/chat ids, usernames, full names

    def __post_init__(self) -> None:
        """Short needles would match by chance (an id "12" in every timestamp): refuse them."""
        short = [t for t in self.message_texts if len(t) < 12]
        short += [s for s in (*self.pseudonyms, *self.platform_ids) if len(s) < 6]
        if short:
            raise ValueError(f"secrets too short to scan for: {[mask(s) for s in short]}")


# Which columns may hold which kind; a column not named holds none; a table not named is unknown.
# Message text lives only in conversation-bound rows that retention and /vergeet delete; a
# pseudonym only in conversation-keyed columns; a platform id only in channel_accounts.
_ADDRESS = frozenset({PSEUDONYM})
_TEXT = frozenset({TEXT})
RULES: dict[str, dict[str, frozenset[Kind]]] = {
    "conversations": {"conversation_id": _ADDRESS},
    "transcript": {"conversation_id": _ADDRESS, "text": _TEXT},
    "handoffs": {"conversation_id": _ADDRESS, "summary": _TEXT},
    "handoff_messages": {"text": _TEXT},
    "handoff_told": {},
    "outbox": {"address": _ADDRESS, "about": _ADDRESS, "text": _TEXT},
    "inbox": {"address": _ADDRESS, "message": _TEXT},
    "web_messages": {"address": _ADDRESS, "about": _ADDRESS, "text": _TEXT},
    "review_items": {"conversation_id": _ADDRESS, "text": _TEXT},
    "channel_accounts": {"address": _ADDRESS, "platform_id": frozenset({PLATFORM})},
    "delivery_leases": {"address": _ADDRESS},
    "volunteers": {"address": _ADDRESS},
    "console_sessions": {},
    "console_logins": {},
    "events": {},
    "audit_log": {},
    "meta": {},
    "parent_blocks": {},  # a salted hash of the pseudonym, never the pseudonym itself
    "schema_version": {},  # PostgreSQL only: the applied migration's number
}
# SQLite's own bookkeeping tables, not ours.
_INTERNAL = re.compile(r"^sqlite_")


def mask(secret: str) -> str:
    """A secret as a finding may show it: the first three characters and the length."""
    return f"{secret[:3]}…({len(secret)})"


WORD = re.compile(r"\w+")
KEY = 3  # secrets are indexed by their first three words (or fewer, if they are shorter)


def words(text: str) -> list[str]:
    return WORD.findall(text.casefold())


class Needles:
    """Every secret as a sequence of whole words (case-insensitive), indexed by its first
    words, so a scan is linear in the text however many secrets there are. Whole words: an id
    never matches inside a longer number; a pseudonym's hash is also looked for without its
    "channel:" prefix."""

    def __init__(self, secrets: Secrets) -> None:
        self.index: dict[tuple[str, ...], list[tuple[tuple[str, ...], Kind, str]]] = {}
        for kind, values in (
            (TEXT, secrets.message_texts),
            (PSEUDONYM, secrets.pseudonyms),
            (PLATFORM, secrets.platform_ids),
        ):
            for value in values:
                forms = {value}
                if kind == PSEUDONYM and ":" in value and len(value.split(":", 1)[1]) >= 8:
                    forms.add(value.split(":", 1)[1])
                for form in forms:
                    sequence = tuple(words(form))
                    if sequence:
                        self.index.setdefault(sequence[:KEY], []).append((sequence, kind, value))

    def find(self, text: str, allowed: frozenset[Kind]) -> list[tuple[Kind, str]]:
        """Which secrets of a kind not allowed here occur in `text`."""
        found: dict[str, Kind] = {}
        seen = words(text)
        for i in range(len(seen)):
            for n in range(1, KEY + 1):
                for sequence, kind, value in self.index.get(tuple(seen[i : i + n]), ()):
                    if kind not in allowed and tuple(seen[i : i + len(sequence)]) == sequence:
                        found.setdefault(value, kind)
        return [(kind, value) for value, kind in found.items()]


def scan_database(database: str | Path, secrets: Secrets) -> list[str]:
    """Every table, every column, against RULES; unknown tables are findings of their own."""
    findings: list[tuple[str, str]] = []
    needles = Needles(secrets)
    for table in tables(database):
        if _INTERNAL.match(table):
            continue
        rules = RULES.get(table)
        if rules is None:
            findings.append(
                (f"unknown table {table}: classify it in tests/privacy_scan.py RULES", "")
            )
        names = columns(database, table)
        for row in rows(database, f"SELECT * FROM {table}"):
            for name, cell in zip(names, row, strict=True):
                if cell is None:
                    continue
                allowed = (rules or {}).get(name, frozenset())
                for kind, value in needles.find(str(cell), allowed):
                    findings.append((f"{table}.{name}: {kind} {mask(value)}", value))
    return _counted(findings)


def scan_texts(named: Iterable[tuple[str, str]], secrets: Secrets) -> list[str]:
    """Texts where no secret of any kind may appear (logs, statistics)."""
    findings = []
    needles = Needles(secrets)
    for name, text in named:
        for kind, value in needles.find(text, frozenset()):
            findings.append((f"{name}: {kind} {mask(value)}", value))
    return _counted(findings)


def _counted(findings: list[tuple[str, str]]) -> list[str]:
    """One line per place and masked secret; "(3 secrets)" when several distinct secrets share
    a mask there (same first letters and length), so a count is not lost to the masking."""
    secrets: dict[str, set[str]] = {}
    for line, value in findings:
        secrets.setdefault(line, set()).add(value)
    return sorted(
        line + (f" ({len(v)} secrets)" if len(v) > 1 else "") for line, v in secrets.items()
    )


def stats_outputs(
    database: str | Path, config_dir: Path | None = None, content: Content | None = None
) -> list[tuple[str, str]]:
    """What a coordinator gets from `ouderlijn stats`: the terminal text, the JSON and each
    table's CSV for the last two months, rendered by the command's own functions. The
    ouderlijn.toml in `config_dir` names the content; `content` saves loading it again."""
    from bot.app import Wiring
    from bot.config import load_settings
    from bot.stats.export import report_text, table_csv
    from bot.stats.source import Request
    from bot.storage.aio import open_sync

    env = {"OUDERLIJN_DATABASE_URL" if is_postgres(database) else "OUDERLIJN_DB": str(database)}
    if config_dir is None:
        config_dir = Path(tempfile.mkdtemp(prefix="privacy-scan-"))
    settings = load_settings(env, cwd=config_dir)
    source = Wiring(settings, content=content).report_source()
    today = datetime.now(UTC).date()
    start, end = (today - timedelta(days=60)).isoformat(), (today + timedelta(days=1)).isoformat()
    request = Request.parse(start, end, "day", today)
    store = open_sync(settings.database)
    try:
        report = store.read(lambda tx: source.report(tx, request))
    finally:
        store.close()
    outputs = [
        ("stats text", report_text(report, source.labels)),
        ("stats json", json.dumps(report.as_json(), ensure_ascii=False, indent=2)),
    ]
    return outputs + [(f"stats csv {t.id}", table_csv(t)) for t in report.tables]


def leaks(
    database: str | Path,
    logs: list[Path],
    secrets: Secrets,
    *,
    config_dir: Path | None = None,
    content: Content | None = None,
    extra: Iterable[tuple[str, str]] = (),
) -> list[str]:
    """Every place a secret is where it must not be: tables (by RULES), log files, the stats
    output and any `extra` (name, text) surfaces such as a dashboard page. [] when clean."""
    texts = [(f"log {p.name}", p.read_text(encoding="utf-8", errors="replace")) for p in logs]
    texts += stats_outputs(database, config_dir, content)
    texts += list(extra)
    return scan_database(database, secrets) + scan_texts(texts, secrets)
