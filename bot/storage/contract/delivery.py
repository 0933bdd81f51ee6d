"""The contract for what comes in and goes out: inbox, outbox, accounts, the web log."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.core.messages import Button, Inbound, Outbound
from bot.storage.records import OUTBOX_PAGE, ConsoleSession, Letter, Parcel, WebMessage


class Outbox(Protocol):
    """The outbox."""

    def put(self, channel: str, message: Outbound, now: datetime) -> list[Parcel]:
        """Queue a message for delivery to `message.to` on `channel`, one row per piece."""
        ...

    def lease(self, address: str, owner: str, now: datetime, seconds: float) -> bool:
        """Deliver to `address` as its only courier for `seconds` (taken over once expired,
        or renewed by its owner): one instance at a time keeps an address's order."""
        ...

    def release(self, address: str, owner: str) -> None:
        """This courier is done with `address` for now."""
        ...

    def waiting_addresses(self, channels: list[str]) -> list[tuple[str, str]]:
        """(channel, address) pairs with messages waiting on the given channels."""
        ...

    def pending_for(self, address: str, channel: str, limit: int = OUTBOX_PAGE) -> list[Parcel]:
        """The oldest undelivered pieces for one address, in the order they were stored."""
        ...

    def has_waiting(self, address: str) -> bool:
        """Whether any message for this address is still waiting."""
        ...

    def attempting(self, parcel_id: int, now: datetime) -> bool:
        """Record that a send begins (if we stop before its outcome, the row says so); False when
        the row is gone meanwhile (erased by /vergeet, purged, given up): then nothing is sent."""
        ...

    def delivered(self, ids: list[int]) -> None:
        """Forget delivered messages: the outbox keeps no text longer than needed."""
        ...

    def not_sent(self, parcel_id: int) -> None:
        """The send failed before anything went out: the row waits for its next try."""
        ...

    def failed(self, ids: list[int]) -> None:
        """Count a failed attempt; the message stays for the next try."""
        ...

    def drop_for(self, address: str) -> int:
        """Give up on an address that can no longer be reached (e.g. the parent blocked the bot);
        an erased parent's account goes with it (their farewell can never go out now)."""
        ...

    def drop_about(self, conversation_id: str) -> int:
        """Remove every waiting row to a parent or carrying their words (for /vergeet)."""
        ...


class Inbox(Protocol):
    """The durable inbox."""

    def put(self, key: str, inbound: Inbound, now: datetime) -> int | None:
        """Store a message under its platform key; None when that key was stored before."""
        ...

    def known(self, channel: str, key: str) -> bool:
        """Whether a message with this platform key was stored before (a redelivery)."""
        ...

    def waiting(self, address: str, limit: int = 50) -> list[Letter]:
        """The address's unhandled messages, oldest first."""
        ...

    def waiting_addresses(self, channels: list[str]) -> list[str]:
        """Addresses on these channels with unhandled messages, the longest waiting first."""
        ...

    def handled(self, letter_id: int, now: datetime) -> None:
        """The message's turn is stored: keep the key (for duplicates), drop the words. Raises
        AlreadyHandled (rolling the turn back) if it was handled meanwhile."""
        ...

    def failed(self, letter_id: int) -> int:
        """Count a failed attempt to handle a message; returns the attempts so far (0 when it
        was handled meanwhile: then there is nothing to give up on)."""
        ...

    def purge(self, before: datetime) -> int:
        """Forget keys handled before `before`: platforms redeliver only recent updates."""
        ...

    def forget_keys(self, address: str) -> None:
        """Handled keys stay (a redelivered update must still count once) but no longer say
        whose they were; retention removes them later."""
        ...


class Accounts(Protocol):
    """Channel accounts."""

    def remember(self, channel: str, chats: dict[str, str]) -> None:
        """Store the platform ids behind pseudonyms (always written: an erased parent's row
        may be gone); a platform id that had another pseudonym (a changed secret) moves."""
        ...

    def platform_id(self, address: str, channel: str) -> str | None:
        """The platform's id behind a pseudonym on `channel`, or None if never seen."""
        ...

    def drop(self, address: str) -> bool:
        """Forget the platform account behind an erased parent once their farewell is out,
        unless they have written again meanwhile (a new conversation or a message not yet
        handled)."""
        ...

    def drop_now(self, address: str) -> None:
        """Forget the account at once (the parent's own /vergeet through the store)."""
        ...


class WebLog(Protocol):
    """The web log and console logins."""

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
        ...

    def after(self, address: str, last_id: int, limit: int = 500) -> list[WebMessage]:
        """What a web parent has not seen yet: messages after `last_id`, oldest first."""
        ...

    def drop_log(self, address: str) -> None:
        """An erased parent's tab has seen the farewell: nothing under their pseudonym stays."""
        ...

    def button_label(self, address: str, button_id: str, look_back: int = 20) -> str | None:
        """The label of a button the session was recently shown (what the parent pressed)."""
        ...

    def has_messages(self, address: str) -> bool:
        """Whether this web session was ever shown anything."""
        ...

    def new_login(self, token: str, volunteer_id: int, expires: datetime) -> None:
        """Store a one-time login link's hash; older unused links of this volunteer stop working."""
        ...

    def login_volunteer(self, token: str, now: datetime) -> int | None:
        """The volunteer a still valid, unused link belongs to (without using it up)."""
        ...

    def use_login(self, token: str, now: datetime) -> int | None:
        """Use a link up: the volunteer's id once, None when unknown, expired or used before."""
        ...

    def new_session(
        self, cookie: str, volunteer_id: int, csrf: str, now: datetime, expires: datetime
    ) -> None:
        """Start a console session (only the cookie's hash is stored)."""
        ...

    def session(self, cookie: str, now: datetime) -> ConsoleSession | None:
        """The live session behind a cookie, if any (its volunteer must still exist)."""
        ...

    def end_session(self, cookie: str) -> None:
        """Log out: the cookie stops working at once."""
        ...

    def end_sessions_of(self, volunteer_id: int) -> None:
        """Every console session of a removed volunteer ends."""
        ...

    def latest(self, address: str, limit: int) -> list[WebMessage]:
        """The last `limit` messages shown at an address, oldest first."""
        ...
