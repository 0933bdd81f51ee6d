"""SQL of the browser surfaces: the web chat's message log (what a parent was shown, so a
reconnect resumes after the last id it saw) and the console's login links and sessions.
Only hashes of login tokens and session cookies are stored."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from bot.core.messages import Button
from bot.storage.records import ConsoleSession, WebMessage
from bot.storage.sql.executor import WEB_NOTE, Sql
from bot.storage.times import from_text, to_text


def digest(secret: str) -> str:
    """The stored form of a login token or session cookie (never the value itself)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class SqlWeb:
    """The web log and console logins in SQL; one instance per transaction."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def append(
        self,
        address: str,
        sender: str,
        name: str,
        text: str,
        buttons: tuple[Button, ...],
        at: datetime,
        ends: bool = False,
        about: str | None = None,
        client_id: str | None = None,
    ) -> WebMessage:
        """Keep a message shown in a browser; `about` names the parent whose words it carries
        (erased with that parent). Returns it with its id."""
        row = self.sql.execute(
            "INSERT INTO web_messages (address, sender, name, text, buttons, at, ends, about, "
            "client_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [
                address,
                sender,
                name,
                text,
                json.dumps([[b.id, b.label] for b in buttons], ensure_ascii=False),
                to_text(at),
                int(ends),
                about,
                client_id,
            ],
        ).fetchone()
        if sender != "parent":  # a parent's own line is only for a reloaded page
            self.sql.notify(WEB_NOTE, address)
        return WebMessage(int(row[0]), sender, name, text, buttons, at, ends, client_id)

    def after(self, address: str, last_id: int, limit: int = 500) -> list[WebMessage]:
        """What a web parent has not seen yet: messages after `last_id`, oldest first."""
        rows = self.sql.execute(
            "SELECT id, sender, name, text, buttons, at, ends, client_id FROM web_messages "
            "WHERE address = ? AND id > ? ORDER BY id LIMIT ?",
            [address, last_id, limit],
        ).fetchall()
        return [
            WebMessage(
                int(r[0]),
                r[1],
                r[2],
                r[3],
                tuple(Button(i, label) for i, label in json.loads(r[4])),
                from_text(r[5]),
                bool(r[6]),
                r[7],
            )
            for r in rows
        ]

    def drop_log(self, address: str) -> None:
        """An erased parent's tab has seen the farewell: nothing under their pseudonym stays."""
        self.sql.execute("DELETE FROM web_messages WHERE address = ?", [address])

    def button_label(self, address: str, button_id: str, look_back: int = 20) -> str | None:
        """The label of a button the session was recently shown (what the parent pressed)."""
        rows = self.sql.execute(
            "SELECT buttons FROM web_messages WHERE address = ? AND sender != 'parent' "
            "ORDER BY id DESC LIMIT ?",
            [address, look_back],
        ).fetchall()
        for (buttons,) in rows:
            for found, label in json.loads(buttons):
                if found == button_id:
                    return str(label)
        return None

    def has_messages(self, address: str) -> bool:
        """Whether this web session was ever shown anything."""
        found = self.sql.execute("SELECT 1 FROM web_messages WHERE address = ? LIMIT 1", [address])
        return found.fetchone() is not None

    # -- console login links and sessions ----------------------------------------------------------

    def new_login(self, token: str, volunteer_id: int, expires: datetime) -> None:
        """Store a one-time login link's hash; older unused links of this volunteer stop working."""
        self.sql.execute(
            "DELETE FROM console_logins WHERE volunteer_id = ? AND used_at IS NULL", [volunteer_id]
        )
        self.sql.execute(
            "INSERT INTO console_logins (token_hash, volunteer_id, expires_at) VALUES (?, ?, ?)",
            [digest(token), volunteer_id, to_text(expires)],
        )

    def login_volunteer(self, token: str, now: datetime) -> int | None:
        """The volunteer a still valid, unused link belongs to (without using it up)."""
        row = self.sql.execute(
            "SELECT volunteer_id FROM console_logins WHERE token_hash = ? AND used_at IS NULL "
            "AND expires_at > ?",
            [digest(token), to_text(now)],
        ).fetchone()
        return int(row[0]) if row else None

    def use_login(self, token: str, now: datetime) -> int | None:
        """Use a link up: the volunteer's id once, None when unknown, expired or used before."""
        row = self.sql.execute(
            "UPDATE console_logins SET used_at = ? WHERE token_hash = ? AND used_at IS NULL "
            "AND expires_at > ? RETURNING volunteer_id",
            [to_text(now), digest(token), to_text(now)],
        ).fetchone()
        return int(row[0]) if row else None

    def new_session(
        self, cookie: str, volunteer_id: int, csrf: str, now: datetime, expires: datetime
    ) -> None:
        """Start a console session (only the cookie's hash is stored)."""
        self.sql.execute(
            "INSERT INTO console_sessions (session_hash, volunteer_id, csrf, created_at, "
            "expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [digest(cookie), volunteer_id, csrf, to_text(now), to_text(expires)],
        )

    def session(self, cookie: str, now: datetime) -> ConsoleSession | None:
        """The live session behind a cookie, if any (its volunteer must still exist)."""
        row = self.sql.execute(
            "SELECT s.volunteer_id, s.csrf, s.expires_at FROM console_sessions s "
            "JOIN volunteers v ON v.id = s.volunteer_id "
            "WHERE s.session_hash = ? AND s.expires_at > ?",
            [digest(cookie), to_text(now)],
        ).fetchone()
        return ConsoleSession(int(row[0]), row[1], from_text(row[2])) if row else None

    def end_session(self, cookie: str) -> None:
        """Log out: the cookie stops working at once."""
        self.sql.execute("DELETE FROM console_sessions WHERE session_hash = ?", [digest(cookie)])

    def end_sessions_of(self, volunteer_id: int) -> None:
        """Every console session of a removed volunteer ends."""
        self.sql.execute("DELETE FROM console_sessions WHERE volunteer_id = ?", [volunteer_id])

    def latest(self, address: str, limit: int) -> list[WebMessage]:
        """The last `limit` messages shown at an address, oldest first."""
        row = self.sql.execute(
            "SELECT id FROM web_messages WHERE address = ? ORDER BY id DESC LIMIT 1 OFFSET ?",
            [address, limit],
        ).fetchone()
        return self.after(address, int(row[0]) if row else 0, limit)
