"""The volunteer's side: see the queue, claim, talk, note, pass on, release and close.

A volunteer always types to one parent, their *current* conversation; every button names the
handoff it acts on, so an old button can never hit another parent. Runs inside one storage
transaction per message (the engine calls it through `store.transaction`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from bot.core.blocks import ParentBlocks
from bot.core.buttons import CASE_PRESSES, Case, CaseMenu, Press, VolunteerFlag
from bot.core.case_handover import Handover
from bot.core.choices import parse_button
from bot.core.handoff_notices import Notices
from bot.core.messages import Button, Inbound, Outbound
from bot.core.texts import Texts
from bot.core.volunteer_reply import Reply, mine
from bot.storage.contract import Tx
from handoff import routing
from handoff.model import Handoff, Volunteer

MAX_LISTED = 8


def _console(press: Press | None, kind: str) -> Case | None:
    """The console sends typed text and notes for one conversation as presses with the text
    along: v:say:<n> (text to that parent, as if typed after /wissel) and v:note:<n>. This is
    the press if it is one of `kind`, else None."""
    return press if isinstance(press, Case) and press.kind == kind else None


class VolunteerDesk:
    """Handles one message from a linked volunteer."""

    def __init__(
        self,
        texts: Texts,
        notices: Notices,
        closing: Callable[[Handoff], list[Button]],
        blocks: ParentBlocks,
    ) -> None:
        """`closing` gives the buttons a parent gets when a conversation is closed."""
        self.texts = texts
        self.notices = notices
        self.handover = Handover(texts, notices, closing)
        self.blocks = blocks

    def button(self, key: str, press: Press, **values: str) -> Button:
        label = self.texts.word("volunteer_buttons", key)
        return press.button(label.format(**values) if values else label)

    def handle(
        self,
        tx: Tx,
        volunteer: Volunteer,
        inbound: Inbound,
        command: tuple[str, str] | None,
        now: datetime,
    ) -> list[Outbound]:
        """Act on a press, a command (name, argument) or text; return the volunteer's replies.
        `now` is the engine's clock, the same one parents' turns use."""
        assert volunteer.address is not None
        out = Reply(volunteer.address, now)
        text = (inbound.text or "").strip()
        press = parse_button(inbound.choice) if inbound.choice is not None else None
        if volunteer.pending and _console(press, "note"):
            inbound = replace(inbound, choice=None)  # the console's note box: the pass-on note
        say = _console(press, "say")
        if say is not None:  # the console's reply box of one tab
            target = tx.queue.get(say.handoff)
            if not mine(volunteer, target) or target is None:
                out.say(self.texts.tell("stale"))
                return out.messages
            tx.registry.set_current(volunteer.id, target.id)
            volunteer = replace(volunteer, current_handoff=target.id)
            inbound = replace(inbound, choice=None)  # from here on: typed text
        if volunteer.pending and (command is not None or inbound.choice is not None):
            # A half-finished pass-on ends with any command or button: the next text is then
            # a message again, never a note for a conversation the volunteer left.
            tx.registry.set_pending(volunteer.id, None)
            volunteer = replace(volunteer, pending={})
            if press != VolunteerFlag("cancel") and (command or ("",))[0] != "cancel":
                out.say(self.texts.tell("pass_dropped"))  # never silently
        if inbound.choice is not None:
            self._press(tx, volunteer, inbound.choice, text, out)
        elif command is not None:
            self._command(tx, volunteer, command[0], command[1], out)
        elif inbound.kind != "text" or not text:
            out.say(self.texts.tell("only_text"))
        elif volunteer.pending:
            self.handover.finish_pass(tx, volunteer, text, out)
        else:
            self._relay(tx, volunteer, text, out)
        tx.events.record(out.events)
        return out.messages

    # -- commands -------------------------------------------------------------------------

    def _command(self, tx: Tx, v: Volunteer, name: str, arg: str, out: Reply) -> None:
        t = self.texts
        if name == "help":
            out.say(t.tell("help"))
        elif name == "queue":
            self._queue(tx, v, out)
        elif name == "next":
            buddy = v.role == "buddy"
            found = tx.queue.claim_next(v.id, routing.claim_roles(v), out.now, buddy=buddy)
            if found is None and any(
                not routing.may_claim(v, h) for h in tx.queue.head(MAX_LISTED)
            ):
                self._urgent_first(out)  # only urgent ones wait, for an advisor first
            elif found is None:
                self._why_not(tx, v, None, out)
            else:
                self._claimed(tx, v, found, out)
        elif name == "claim":
            self._claim_code(tx, v, arg, out)
        elif name == "list" or (name == "switch" and not arg):
            self._list(tx, v, out)
        elif name == "switch":
            found = tx.queue.by_code(arg)
            if found is None or found.volunteer_id != v.id or found.status != "active":
                out.say(t.tell("unknown_code", code=arg or "?"))
            else:
                self._switch(tx, v, found, out)
        elif name == "note":
            self._note(tx, v, self._current(tx, v), arg, out)
        elif name == "block":
            current = self._current(tx, v)
            if current is None:
                self._list(tx, v, out)
            else:
                self.blocks.block(tx, v, current, arg, out)
        elif name == "cancel":
            tx.registry.set_pending(v.id, None)
            out.say(t.tell("cancelled"))
        elif name in ("available", "away"):
            tx.registry.update(v.id, available=name == "available")
            out.say(t.tell(name))
            if name == "available":  # urgent requests reach them at once
                self.notices.catch_up(tx, tx.registry.get(v.id), out.now)
        elif name in ("pass", "release", "close"):
            current = self._current(tx, v)
            if current is None:
                if tx.queue.active_for(v.id):
                    out.say(t.tell("choose_first"))
                self._list(tx, v, out)
            else:
                self.handover.menu(tx, v, current, name, out)
        else:
            out.say(t.tell("unknown_command"))

    def _queue(self, tx: Tx, v: Volunteer, out: Reply) -> None:
        """Who waits, most severe first; a claim button only where this volunteer may claim."""
        waiting = tx.queue.head(MAX_LISTED)
        if not waiting:
            out.say(self.texts.tell("queue_empty"))
            return
        shown = waiting[:MAX_LISTED]
        lines = [self.texts.tell("queue_head", count=str(tx.queue.waiting_count()))]
        lines += [self.notices.header(h, out.now) for h in shown]
        buttons = [self.notices.claim_button(h) for h in shown if routing.may_claim(v, h)]
        out.say("\n".join(lines), buttons)

    def _list(self, tx: Tx, v: Volunteer, out: Reply) -> None:
        mine = tx.queue.active_for(v.id)
        if not mine:
            out.say(self.texts.tell("none_open"))
            return
        current = self._current(tx, v)
        now_typing = self.notices.label(current) if current else self.texts.tell("nobody")
        lines = [self.texts.tell("list_head", current=now_typing)]
        lines += [self.notices.header(h, out.now) for h in mine]
        out.say("\n".join(lines), [self.notices.switch_button(h) for h in mine])

    # -- buttons ----------------------------------------------------------------------------

    def _press(self, tx: Tx, v: Volunteer, choice: str, text: str, out: Reply) -> None:
        press = parse_button(choice)
        row = press.handoff if isinstance(press, CASE_PRESSES) else None
        handoff = tx.queue.get(row) if row is not None else None
        if press == VolunteerFlag("cancel"):
            tx.registry.set_pending(v.id, None)
            out.say(self.texts.tell("cancelled"))
        elif isinstance(press, VolunteerFlag):  # the console's availability toggle
            self._command(tx, v, press.kind, "", out)
        elif isinstance(press, Case) and press.kind == "claim" and handoff is not None:
            self._claim(tx, v, handoff, out)
        elif not mine(v, handoff) or handoff is None:
            out.say(self.texts.tell("stale"))
        elif isinstance(press, Case) and press.kind == "switch":
            self._switch(tx, v, handoff, out)
        elif isinstance(press, Case) and press.kind == "note":  # the text came with the press
            self._note(tx, v, handoff, text, out)
        elif isinstance(press, Case) and press.kind == "block":  # the console's reason box
            self.blocks.block(tx, v, handoff, text, out)
        elif isinstance(press, CaseMenu):
            self.handover.menu(tx, v, handoff, press.menu, out)
        elif not self.handover.press(tx, v, handoff, press, out):
            out.say(self.texts.tell("stale"))

    # -- claiming ---------------------------------------------------------------------------

    def _claim_code(self, tx: Tx, v: Volunteer, code: str, out: Reply) -> None:
        if not code:  # "/oppakken" alone: who is there to pick up
            self._queue(tx, v, out)
            return
        handoff = tx.queue.by_code(code)
        if handoff is None:
            out.say(self.texts.tell("unknown_code", code=code))
        else:
            self._claim(tx, v, handoff, out)

    def _claim(self, tx: Tx, v: Volunteer, handoff: Handoff, out: Reply) -> None:
        if handoff.status == "queued" and not routing.may_claim(v, handoff):
            self._urgent_first(out)
            return
        won = tx.queue.claim(handoff.id, v.id, out.now)
        if won is None:
            self._why_not(tx, v, handoff, out)
        else:
            self._claimed(tx, v, won, out)

    def _urgent_first(self, out: Reply) -> None:
        """A buddy asked for an urgent request that advisors get first."""
        minutes = f"{self.notices.settings.urgent_buddy_after_minutes:g}"
        out.say(self.texts.tell("urgent_for_advisor", minutes=minutes))

    def _why_not(self, tx: Tx, v: Volunteer, handoff: Handoff | None, out: Reply) -> None:
        """Explain kindly why a claim did not work: taken, gone, full or nobody waiting."""
        t = self.texts
        fresh = tx.queue.get(handoff.id) if handoff else None
        active = len(tx.queue.active_for(v.id))
        if fresh is not None and mine(v, fresh):  # pressed twice: it is already theirs
            self._switch(tx, v, fresh, out)
        elif handoff is None and not tx.queue.waiting_count():
            out.say(t.tell("queue_empty"))
        elif active >= v.max_active and (fresh is None or fresh.status == "queued"):
            out.say(t.tell("claim_full", count=str(active)))
        elif handoff is None:
            out.say(t.tell("queue_empty"))
        elif fresh is None or fresh.status == "closed":
            out.say(t.tell("claim_closed"))
        else:
            out.event("handoff", outcome="claim_lost")
            out.say(t.tell("claim_lost"))

    def _claimed(self, tx: Tx, v: Volunteer, handoff: Handoff, out: Reply) -> None:
        t, label = self.texts, self.notices.label(handoff)
        tx.registry.set_current(v.id, handoff.id)
        tx.registry.set_pending(v.id, None)
        out.case("claimed", handoff, v, handoff.requested_at)
        role = t.word("role_names", v.role)
        self.notices.to_parent(
            tx, handoff, t.say("claimed_parent", name=v.name, role=role), out.now
        )
        buttons = [
            self.button("pass", CaseMenu("pass", handoff.id)),
            self.button("release", CaseMenu("release", handoff.id)),
            self.button("close", CaseMenu("close", handoff.id)),
        ]
        summary = self.notices.summary(tx, handoff, out.now)
        out.say(summary + "\n\n" + t.tell("claimed", label=label), buttons, handoff)

    def _switch(self, tx: Tx, v: Volunteer, handoff: Handoff, out: Reply) -> None:
        tx.registry.set_current(v.id, handoff.id)
        out.say(self.texts.tell("switched", label=self.notices.label(handoff)))

    def _current(self, tx: Tx, v: Volunteer) -> Handoff | None:
        """The conversation typed text goes to. Only a volunteer who never chose one gets their
        single open conversation; once the chosen one ends, they choose again explicitly."""
        if v.current_handoff is not None:
            current = tx.queue.get(v.current_handoff)
            return current if mine(v, current) else None
        own = tx.queue.active_for(v.id)
        if len(own) == 1:
            tx.registry.set_current(v.id, own[0].id)
            return own[0]
        return None

    # -- talking, notes, passing, releasing, closing ---------------------------------------

    def _relay(self, tx: Tx, v: Volunteer, text: str, out: Reply) -> None:
        current = self._current(tx, v)
        if current is None:
            if not tx.queue.active_for(v.id):
                out.say(self.texts.tell("not_sent"))
                return
            if v.current_handoff is not None:
                out.say(self.texts.tell("current_gone"))
            self._list(tx, v, out)
            return
        tx.queue.add_message(current.id, "volunteer", text, out.now, v.id)
        out.event("relay", outcome="volunteer")
        message = self.texts.say("relay_to_parent", name=v.name, text=text)
        self.notices.to_parent(tx, current, message, out.now, author=v.name)

    def _note(self, tx: Tx, v: Volunteer, current: Handoff | None, text: str, out: Reply) -> None:
        if current is None:
            self._list(tx, v, out)
        elif not text:
            out.say(self.texts.tell("note_empty"))
        else:
            tx.queue.add_message(current.id, "note", text, out.now, v.id)
            out.say(self.texts.tell("note_saved", label=self.notices.label(current)))
