"""`ouderlijn volunteer …`: register, list, change and remove the helpline's volunteers."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TextIO, TypeVar

from bot.app import Wiring
from bot.config import Settings
from bot.core.texts import Texts, load_texts
from bot.storage import StorageError
from bot.storage.aio import open_sync as open_backend
from bot.storage.contract import Tx
from faq.model import ContentError
from handoff import registry
from handoff.model import ROLES, HandoffError, Volunteer

T = TypeVar("T")


class _UsageError(Exception):
    """A command-line value that cannot be used; the message says which and why."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `volunteer` command group."""
    group = subparsers.add_parser("volunteer", help="manage the helpline's volunteers")
    commands = group.add_subparsers(dest="volunteer_command", required=True)
    add = commands.add_parser("add", help="register a volunteer and print a one-time invite code")
    add.add_argument("--name", required=True, help="display name parents see, e.g. Sanne")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--topics", default="", help="comma-separated topic ids, e.g. autisme,adhd")
    add.add_argument("--max", type=int, default=3, help="open conversations at once (default 3)")
    add.add_argument(
        "--invite-days", type=int, help="code valid this long (default: [handoff] invite_days)"
    )
    listing = commands.add_parser("list", help="show all volunteers")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    change = commands.add_parser("set", help="change a volunteer")
    change.add_argument("id", type=int, help="volunteer id (see: volunteer list)")
    change.add_argument("--name")
    change.add_argument("--role", choices=ROLES)
    change.add_argument("--topics", help="comma-separated topic ids ('' for none)")
    change.add_argument("--max", type=int, help="open conversations at once")
    status = change.add_mutually_exclusive_group()
    status.add_argument(
        "--available", dest="available", action="store_true", default=None, help="takes new parents"
    )
    status.add_argument("--away", dest="available", action="store_false", help="takes no one new")
    change.add_argument("--new-code", action="store_true", help="new invite code (new phone)")
    change.add_argument("--invite-days", type=int, help="with --new-code: code valid this long")
    login = commands.add_parser("login", help="print a one-time login link for the web console")
    login.add_argument("id", type=int, help="volunteer id (see: volunteer list)")
    remove = commands.add_parser("remove", help="remove a volunteer; their parents are requeued")
    remove.add_argument("id", type=int, help="volunteer id (see: volunteer list)")


def run(args: argparse.Namespace, settings: Settings, out: TextIO = sys.stdout) -> int:
    """Dispatch a parsed `volunteer` command; returns the process exit code."""
    try:
        texts = load_texts(settings.language)
        command = args.volunteer_command
        if command == "list":
            volunteers = _with_store(settings, lambda tx: tx.registry.all_volunteers(), write=False)
            _print_list(volunteers, args.json, out)
        elif command == "add":
            _add(args, settings, texts, out)
        elif command == "set":
            _set(args, settings, texts, out)
        elif command == "login":
            _login(args.id, settings, out)
        else:
            _remove(args.id, settings, texts, out)
    except (HandoffError, _UsageError, ContentError, StorageError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _with_store(settings: Settings, work: Callable[[Tx], T], write: bool = True) -> T:
    store = open_backend(settings.database)
    try:
        return store.transaction(work) if write else store.read(work)
    finally:
        store.close()


def _topics(value: str, texts: Texts) -> list[str]:
    topics = registry.clean_topics(value.split(","))
    unknown = [t for t in topics if t not in texts.topics]
    if unknown:
        allowed = ", ".join(texts.topics)
        raise _UsageError(f"unknown topic {', '.join(unknown)} (allowed: {allowed})")
    return topics


def _at_least_one(value: int | None, option: str) -> None:
    if value is not None and value < 1:
        raise _UsageError(f"{option} must be at least 1")


def _print_code(
    volunteer: Volunteer, code: str, expires: datetime, texts: Texts, out: TextIO
) -> None:
    until = expires.strftime("%Y-%m-%d %H:%M UTC")
    link = next((a for a, name in texts.commands.items() if name == "link"), "aanmelden")
    print(f"\n    Invite code:  {code}\n", file=out)
    print(f"Valid until {until}. It is shown only now; it is not stored.", file=out)
    print(f"{volunteer.name} sends  /{link} {code}  to the bot to link their account.", file=out)


def _add(args: argparse.Namespace, settings: Settings, texts: Texts, out: TextIO) -> None:
    topics = _topics(args.topics, texts)
    _at_least_one(args.max, "--max")
    _at_least_one(args.invite_days, "--invite-days")
    days, now = args.invite_days or settings.handoff.invite_days, datetime.now(UTC)

    def work(tx: Tx) -> tuple[Volunteer, str]:
        return tx.registry.add(args.name, args.role, topics, args.max, now, days)

    volunteer, code = _with_store(settings, work)
    print(f"Added volunteer {volunteer.id}: {volunteer.name} ({volunteer.role})", file=out)
    _print_code(volunteer, code, now + timedelta(days=days), texts, out)


def _set(args: argparse.Namespace, settings: Settings, texts: Texts, out: TextIO) -> None:
    changes: dict[str, object] = {}
    if args.topics is not None:
        changes["topics"] = _topics(args.topics, texts)
    _at_least_one(args.max, "--max")
    _at_least_one(args.invite_days, "--invite-days")
    if args.invite_days is not None and not args.new_code:
        raise _UsageError("--invite-days only works together with --new-code")
    for option, key in (("name", "name"), ("role", "role"), ("max", "max_active")):
        if getattr(args, option) is not None:
            changes[key] = getattr(args, option)
    if args.available is not None:
        changes["available"] = args.available
    if not changes and not args.new_code:
        raise _UsageError("nothing to change (see: ouderlijn volunteer set --help)")
    days, now = args.invite_days or settings.handoff.invite_days, datetime.now(UTC)

    def work(tx: Tx) -> tuple[Volunteer, str | None]:
        volunteer = tx.registry.update(args.id, **changes) if changes else None
        code = tx.registry.new_invite(args.id, now, days) if args.new_code else None
        return volunteer or tx.registry.get(args.id), code

    volunteer, code = _with_store(settings, work)
    print(f"Updated volunteer {volunteer.id}:", file=out)
    _print_list([volunteer], False, out)
    if code is not None:
        print("The old invite code no longer works.", file=out)
        _print_code(volunteer, code, now + timedelta(days=days), texts, out)


def _login(volunteer_id: int, settings: Settings, out: TextIO) -> None:
    from bot.channels.web.console_auth import new_login_link  # web code only for this command

    now, minutes = datetime.now(UTC), settings.web.login_minutes

    def work(tx: Tx) -> tuple[Volunteer, str]:
        return tx.registry.get(volunteer_id), new_login_link(tx, volunteer_id, now, minutes)

    volunteer, token = _with_store(settings, work)
    print(f"One-time console login link for {volunteer.name} ({volunteer.role}):", file=out)
    print(f"\n    {settings.web.base_url}/console/login?token={token}\n", file=out)
    print(f"It works once, for {minutes} minutes; older unused links stopped working.", file=out)
    print("Give it to them privately. It is shown only now; only a hash is stored.", file=out)


def _remove(volunteer_id: int, settings: Settings, texts: Texts, out: TextIO) -> None:
    notices = Wiring(settings).notices()

    def work(tx: Tx) -> tuple[Volunteer, int]:
        now = datetime.now(UTC)
        volunteer = tx.registry.get(volunteer_id)
        requeued = notices.hand_back(tx, volunteer, now)
        tx.registry.remove(volunteer_id)
        return volunteer, requeued

    volunteer, requeued = _with_store(settings, work)
    print(f"Removed volunteer {volunteer.id}: {volunteer.name}", file=out)
    if requeued:
        print(f"{requeued} parent(s) went back to the front of the queue and were told.", file=out)
    else:
        print("They had no open conversations.", file=out)


def _row(v: Volunteer) -> dict[str, object]:
    """What the admin sees of a volunteer; never the linked account's address."""
    return {
        "id": v.id,
        "name": v.name,
        "role": v.role,
        "topics": list(v.topics),
        "max": v.max_active,
        "active": v.active,
        "available": v.available,
        "linked": v.linked,
    }


def _print_list(volunteers: list[Volunteer], as_json: bool, out: TextIO) -> None:
    if as_json:
        json.dump([_row(v) for v in volunteers], out, ensure_ascii=False, indent=1)
        out.write("\n")
        return
    if not volunteers:
        print("no volunteers yet (add one with: ouderlijn volunteer add)", file=out)
        return
    header = ["ID", "NAME", "ROLE", "TOPICS", "MAX", "ACTIVE", "STATUS", "LINKED"]
    cells = [
        [
            str(v.id),
            v.name,
            v.role,
            ",".join(v.topics) or "-",
            str(v.max_active),
            str(v.active),
            "available" if v.available else "away",
            "yes" if v.linked else "no",
        ]
        for v in volunteers
    ]
    widths = [max(len(row[i]) for row in [header, *cells]) for i in range(len(header))]
    for row in [header, *cells]:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip(), file=out)
