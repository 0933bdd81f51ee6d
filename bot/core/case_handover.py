"""Handing a conversation on: release to the queue, pass to a colleague, close with an outcome.

Each of these asks "weet je het zeker?" with the parent's code first, and only the 'Ja' button
acts, so a bare number or an old button never ends or moves a conversation by accident. A
pass-on goes only to a role or colleague who is available; otherwise the volunteer hears who
is. Runs inside the volunteer's storage transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.core.buttons import (
    OUTCOMES,
    PASS_ROLES,
    Case,
    Close,
    Pass,
    Press,
    Release,
    VolunteerFlag,
)
from bot.core.handoff_notices import Notices
from bot.core.messages import Button
from bot.core.text_input import ascii_number
from bot.core.texts import Texts
from bot.core.volunteer_reply import Reply, mine, number
from bot.storage.contract import Tx
from handoff import routing
from handoff.model import Handoff, Volunteer


class Handover:
    """Release, pass on and close, each confirmed first."""

    def __init__(
        self, texts: Texts, notices: Notices, closing: Callable[[Handoff], list[Button]]
    ) -> None:
        """`closing` gives the buttons a parent gets when a conversation is closed."""
        self.texts = texts
        self.notices = notices
        self.closing = closing

    def button(self, key: str, press: Press) -> Button:
        return press.button(self.texts.word("volunteer_buttons", key))

    def press(self, tx: Tx, v: Volunteer, handoff: Handoff, press: Press, out: Reply) -> bool:
        """Act on a handing-on button of one of the volunteer's own conversations (`handoff`
        is the one it names); False when it is none of these (the desk calls it stale)."""
        if isinstance(press, Case) and press.kind == "keep":
            out.say(self.texts.tell("kept", label=self.notices.label(handoff)))
        elif isinstance(press, Release):
            self._release(tx, v, handoff, out)
        elif isinstance(press, Close):
            self._ask_or_close(tx, v, handoff, press, out)
        elif isinstance(press, Pass):
            self._ask_or_pass(tx, v, handoff, press, out)
        else:
            return False
        return True

    def menu(self, tx: Tx, v: Volunteer, current: Handoff, name: str, out: Reply) -> None:
        t, label = self.texts, self.notices.label(current)
        if name == "release":
            out.say(
                t.tell("confirm_release", label=label),
                self._confirm("release", Release(current.id)),
            )
        elif name == "close":
            buttons = [Close(current.id, o).button(t.word("outcomes", o)) for o in OUTCOMES]
            out.say(t.tell("close_choose", label=label), buttons)
        else:
            others = self._colleagues(tx, v)
            if not others:
                out.say(t.tell("pass_nobody"))
                return
            roles = {x.role for x in others}
            buttons = [
                self.button(f"to_{role}", Pass(current.id, role))
                for role in PASS_ROLES
                if role in roles
            ]
            buttons += [self._person_button(current, x) for x in others[:6]]
            buttons.append(self.button("cancel", VolunteerFlag("cancel")))
            out.say(t.tell("pass_choose", label=label), buttons)

    def _confirm(self, action: str, sure: Release | Close | Pass) -> list[Button]:
        """'Ja, …' and 'Nee' under a "weet je het zeker?" question; only 'Ja' acts."""
        return [
            self.button(f"confirm_{action}", sure),
            self.button("keep", Case("keep", sure.handoff)),
        ]

    @staticmethod
    def _colleagues(tx: Tx, v: Volunteer) -> list[Volunteer]:
        """Colleagues who are linked and available now (not oneself)."""
        return [x for x in tx.registry.reachable() if x.id != v.id]

    def _person_button(self, handoff: Handoff, x: Volunteer) -> Button:
        role = self.texts.word("role_names", x.role)
        return Pass(handoff.id, x.id).button(f"{x.name} ({role})")

    def _ask_or_close(
        self, tx: Tx, v: Volunteer, handoff: Handoff, press: Close, out: Reply
    ) -> None:
        """An outcome was chosen: ask "weet je het zeker?", or close once confirmed."""
        outcome = press.outcome
        if press.sure:
            self._close(tx, v, handoff, outcome, out)
            return
        t = self.texts
        text = t.tell(
            "confirm_close", label=self.notices.label(handoff), outcome=t.word("outcomes", outcome)
        )
        out.say(text, self._confirm("close", replace(press, sure=True)))

    def _ask_or_pass(self, tx: Tx, v: Volunteer, handoff: Handoff, press: Pass, out: Reply) -> None:
        """A pass-on target was chosen: refuse one nobody can take (saying who can), ask
        "weet je het zeker?", then ask for the note once confirmed."""
        t, target = self.texts, str(press.target)
        if not self._pass_target(tx, v, target):
            self._refuse_pass(tx, v, handoff, target, out)
        elif not press.sure:
            text = t.tell(
                "confirm_pass",
                label=self.notices.label(handoff),
                target=self._target_name(tx, v, target),
            )
            out.say(text, self._confirm("pass", replace(press, sure=True)))
        else:
            tx.registry.set_pending(v.id, {"pass": target, "handoff": handoff.id})
            out.say(t.tell("pass_note"), [self.button("cancel", VolunteerFlag("cancel"))])

    def _target_name(self, tx: Tx, v: Volunteer, target: str) -> str:
        person = self._colleague(tx, v, target)
        return person.name if person else self._role_with_article(target)

    def _role_with_article(self, role: str) -> str:
        """'een adviseur', 'een ervaren ouder' (the pass-on button's words)."""
        return self.texts.word("volunteer_buttons", f"to_{role}").lower()

    def _refuse_pass(self, tx: Tx, v: Volunteer, handoff: Handoff, target: str, out: Reply) -> None:
        """Nobody of that role (or that person) is available: say who is."""
        others = self._colleagues(tx, v)
        if not others:
            out.say(self.texts.tell("pass_nobody"))
            return
        names = ", ".join(f"{x.name} ({self.texts.word('role_names', x.role)})" for x in others[:6])
        person = ascii_number(target) is not None
        wanted = "collega" if person else self.texts.word("role_names", target)
        buttons = [self._person_button(handoff, x) for x in others[:6]]
        buttons.append(self.button("cancel", VolunteerFlag("cancel")))
        out.say(self.texts.tell("pass_unavailable", target=wanted, names=names), buttons)

    @staticmethod
    def _colleague(tx: Tx, v: Volunteer, target: str) -> Volunteer | None:
        """The reachable colleague (not oneself) a pass-on button names, if any."""
        row = number(target)
        return next((x for x in tx.registry.reachable() if x.id == row and x.id != v.id), None)

    def _pass_target(self, tx: Tx, v: Volunteer, target: str) -> bool:
        """A role someone available has, or a colleague who can be reached."""
        if target in ("advisor", "buddy"):
            return any(x.role == target for x in self._colleagues(tx, v))
        return self._colleague(tx, v, target) is not None

    def finish_pass(self, tx: Tx, v: Volunteer, note: str, out: Reply) -> None:
        """The note after choosing whom to pass to: requeue for that role or person."""
        t, pending = self.texts, v.pending
        if note.strip().rstrip(".)").isdecimal():  # a bare number is no note: never act on it
            out.say(t.tell("note_in_words"), [self.button("cancel", VolunteerFlag("cancel"))])
            return
        tx.registry.set_pending(v.id, None)
        handoff = tx.queue.get(int(str(pending.get("handoff", 0))))
        target = str(pending.get("pass", ""))
        if not mine(v, handoff) or handoff is None:
            out.say(t.tell("stale"))
            return
        person = self._colleague(tx, v, target)
        if person is None and target not in ("advisor", "buddy"):
            out.say(t.tell("stale"))  # the colleague went away meanwhile
            return
        # A coordinator takes it as a person; the request keeps the role the parent asked for.
        role = target if person is None else person.role
        role = role if role in ("advisor", "buddy") else handoff.role
        tx.queue.add_message(handoff.id, "note", note, out.now, v.id)
        again = tx.queue.requeue(
            handoff.id, out.now, role=role, preferred_volunteer=person.id if person else None
        )
        if again.urgent and role == "buddy":  # the advisor chose a buddy: no 5-minute wait
            tx.queue.set_fields(again.id, open_to_buddies=1)
            again = replace(again, open_to_buddies=True)
        out.case("passed", handoff, v, handoff.claimed_at)
        self.notices.to_parent(tx, again, t.say("passed_parent", name=v.name), out.now)
        targets = [person] if person else routing.notify_targets(again, tx.registry.reachable())
        targets = [x for x in targets if x.id != v.id]
        self.notices.announce(tx, again, targets, out.now)
        if person is not None:
            self.notices.to_volunteer(tx, person, t.tell("passed_to_you", name=v.name), out.now)
        name = person.name if person else self._role_with_article(role)
        out.say(t.tell("passed", label=self.notices.label(again), target=name))

    def _release(self, tx: Tx, v: Volunteer, handoff: Handoff, out: Reply) -> None:
        again = tx.queue.requeue(handoff.id, out.now)
        out.case("released", handoff, v, handoff.claimed_at)
        self.notices.to_parent(tx, again, self.texts.say("released_parent", name=v.name), out.now)
        others = [x for x in routing.notify_targets(again, tx.registry.reachable()) if x.id != v.id]
        self.notices.announce(tx, again, others, out.now)
        out.say(self.texts.tell("released", label=self.notices.label(again)))

    def _close(self, tx: Tx, v: Volunteer, handoff: Handoff, outcome: str, out: Reply) -> None:
        t = self.texts
        tx.queue.close(handoff.id, outcome, out.now)
        out.case(outcome, handoff, v, handoff.claimed_at)
        closed = tx.queue.get(handoff.id)
        assert closed is not None
        self.notices.to_parent(
            tx, closed, t.say("closed_parent", name=v.name), out.now, self.closing(closed)
        )
        label = self.notices.label(handoff)
        out.say(t.tell("closed", label=label, outcome=t.word("outcomes", outcome)))
        if handoff.urgent:  # an urgent conversation never ends unseen
            self._closed_urgent(tx, v, closed, outcome, out)

    def _closed_urgent(
        self, tx: Tx, v: Volunteer, closed: Handoff, outcome: str, out: Reply
    ) -> None:
        """The parent keeps the numbers that fit; the coordinators hear how it ended."""
        t = self.texts
        self.notices.to_parent(tx, closed, self.notices.short_help(closed), out.now)
        text = t.tell(
            "closed_urgent",
            label=self.notices.label(closed),
            category=t.word("triage_names", closed.category or "suicide"),
            name=v.name,
            outcome=t.word("outcomes", outcome),
        )
        for coordinator in routing.coordinators(tx.registry.reachable()):
            if coordinator.id != v.id:
                self.notices.to_volunteer(tx, coordinator, text, out.now, about=closed)
