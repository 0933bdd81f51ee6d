"""The parent's side of an open handoff: relay what they write (crisis-checked), stop, leave.

Every method runs inside one storage transaction, like the ParentDesk's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.buttons import Leave, Menu, QueueStep, Stay
from bot.core.choices import parse_button
from bot.core.handoff_notices import Notices
from bot.core.messages import Attachment, Button, Inbound
from bot.core.parent_desk import LEAVE, ParentDesk
from bot.core.session import Session
from bot.core.texts import Texts
from bot.core.volunteer_reply import minutes_between
from bot.storage.contract import Tx
from handoff import routing
from handoff.model import URGENT_CATEGORIES, Handoff, Volunteer

FILE_KINDS = ("photo", "document")
ACK_EVERY = timedelta(minutes=2)  # a waiting parent hears at most this often that we have it


class ParentRelay:
    """Relays a waiting or talking parent's messages and ends their handoff when asked."""

    def __init__(self, texts: Texts, notices: Notices, desk: ParentDesk) -> None:
        self.texts = texts
        self.notices = notices
        self.desk = desk

    def turn(
        self,
        tx: Tx,
        session: Session,
        handoff: Handoff,
        inbound: Inbound,
        command: str | None,
        category: str | None,
    ) -> None:
        """One parent message while waiting or talking: relay it, or stop, or explain.
        `category` is the safety gate's triage of this message (a crisis is always relayed)."""
        t = self.texts
        text = (inbound.text or "").strip()
        volunteer = self._volunteer(tx, handoff)
        press = parse_button(inbound.choice) if inbound.choice is not None else None
        queued = handoff.status == "queued"
        confirmed = press == QueueStep("stop", handoff.id)
        asks_stop = isinstance(press, Leave) or command == "stop"
        if asks_stop and (volunteer is not None or handoff.urgent):
            # A live conversation, or an urgent request, ends only when the parent says so twice.
            live = volunteer is not None
            question = (
                t.say("stop_confirm", name=volunteer.name)
                if volunteer is not None  # (spelled out for the type checker)
                else t.say("leave_confirm_urgent")
            )
            session.reply(
                question,
                [
                    QueueStep("stop", handoff.id).button(
                        t.button("stop_yes" if live else "leave_queue")
                    ),
                    Stay().button(t.button("stop_no" if live else "keep_waiting")),
                ],
            )
        elif asks_stop or confirmed:
            self.stop(tx, session, handoff, volunteer)
        elif isinstance(press, Stay) and volunteer is not None:
            session.reply(t.say("stay", name=volunteer.name))
        elif isinstance(press, Stay) or (
            press == QueueStep("wait", handoff.id) and queued
        ):  # "Ik wacht": stays in the queue
            session.reply(t.say("waiting_help"), [Button(LEAVE, t.button("leave_queue"))])
        elif press == QueueStep("anyone", handoff.id) and queued:
            self.desk.anyone(tx, session, handoff)
        elif press == QueueStep("either", handoff.id) and queued:
            self.desk.take_either(tx, session, handoff)
        elif inbound.choice is not None or command is not None:
            key = "in_handoff_help" if volunteer else "waiting_help"
            button = "end_conversation" if volunteer else "leave_queue"
            session.reply(
                t.say(key, name=volunteer.name if volunteer else ""),
                [Button(LEAVE, t.button(button))],
            )
        elif inbound.attachment is not None and volunteer is not None:
            self._relay_file(tx, session, handoff, volunteer, inbound.attachment, text)
            self._after_relay(tx, session, handoff, volunteer, category)
        elif inbound.kind != "text" or not text:  # nothing to pass on (yet) but a caption
            if text:  # relayed, and crisis-checked like any text
                self._relay(tx, session, handoff, volunteer, text, category)
            key = "handoff_file_later" if inbound.attachment is not None else "handoff_only_text"
            session.reply(t.say(key))
        else:
            self._relay(tx, session, handoff, volunteer, text, category)

    def _relay_file(
        self,
        tx: Tx,
        session: Session,
        handoff: Handoff,
        volunteer: Volunteer,
        attachment: Attachment,
        caption: str,
    ) -> None:
        """Pass a photo or document on as a copy (no forward header with the parent's name).
        A volunteer on another channel is told where to see it."""
        t, now = self.texts, session.now
        what = t.tell(f"file_{attachment.kind}") if attachment.kind in FILE_KINDS else "?"
        label = self.notices.label(handoff)
        tx.queue.add_message(handoff.id, "parent", f"({what}) {caption}".strip(), now)
        session.event("relay", topic=attachment.kind, outcome="parent")
        if volunteer.channel == attachment.channel:
            line = t.tell("relay_file", label=label, what=what)
            self.notices.relay_to_volunteer(tx, handoff, volunteer, line, now, attachment)
        else:
            line = t.tell(
                "relay_file_elsewhere", label=label, what=what, channel=attachment.channel
            )
            line += f"\n{caption}" if caption else ""
            self.notices.relay_to_volunteer(tx, handoff, volunteer, line, now)

    @staticmethod
    def name_of(tx: Tx, volunteer_id: int | None) -> str | None:
        """A volunteer's display name, or None once they were removed."""
        volunteer = tx.registry.find(volunteer_id)
        return volunteer.name if volunteer is not None else None

    def remind(self, session: Session, handoff: Handoff, name: str | None) -> None:
        """Where a returning parent stands: waiting, or talking with `name`."""
        t = self.texts
        if handoff.status == "active" and name:
            session.reply(
                t.say("in_handoff_help", name=name), [Button(LEAVE, t.button("end_conversation"))]
            )
        else:
            session.reply(t.say("waiting_help"), [Button(LEAVE, t.button("leave_queue"))])

    @staticmethod
    def _volunteer(tx: Tx, handoff: Handoff) -> Volunteer | None:
        """Who the parent is talking with now, if anyone."""
        return tx.registry.find(handoff.volunteer_id) if handoff.status == "active" else None

    def _relay(
        self,
        tx: Tx,
        session: Session,
        handoff: Handoff,
        volunteer: Volunteer | None,
        text: str,
        category: str | None,
    ) -> None:
        t, now = self.texts, session.now
        tx.queue.add_message(handoff.id, "parent", text, now)
        session.event("relay", outcome="parent")
        if volunteer is not None:
            line = t.tell("relay", label=self.notices.label(handoff), text=text)
            self.notices.relay_to_volunteer(tx, handoff, volunteer, line, now)
        self._after_relay(tx, session, handoff, volunteer, category)

    def _after_relay(
        self,
        tx: Tx,
        session: Session,
        handoff: Handoff,
        volunteer: Volunteer | None,
        category: str | None,
    ) -> None:
        """The triage's consequences (help, a more urgent place, alerts), or a waiting
        parent's acknowledgement."""
        t, now = self.texts, session.now
        crisis = category in URGENT_CATEGORIES
        session.note_triage(category)
        raised = tx.queue.raise_category(handoff.id, category) if category else None
        told = session.data.crisis_told
        first = f"{handoff.id}:{category}" not in told  # the full help once per handoff
        if crisis:
            session.event("crisis", topic=category, outcome="in_handoff")
        if crisis and first:
            told.append(f"{handoff.id}:{category}")
            session.reply(t.say(f"crisis_{category}"))
        if volunteer is not None:
            if crisis and first:  # later messages: the person leads, the bot stays quiet
                self._alert(tx, handoff, volunteer, str(category), now)
                session.reply(t.say("relay_crisis", name=volunteer.name))
            return
        if raised is not None and raised.urgent and not handoff.urgent:
            self.notices.announce_waiting(tx, raised, tx.registry.reachable(), now)
        if category == "distress":
            session.reply(t.say("distress_waiting"))
        last = session.data.acked_at
        if last is None or session.now - last >= ACK_EVERY:
            session.data.acked_at = session.now  # nobody waits in silence
            position = self.desk.wait_for(tx, handoff).position
            session.reply(t.say("waiting_ack", position=str(position)))

    def _alert(
        self, tx: Tx, handoff: Handoff, volunteer: Volunteer, category: str, now: datetime
    ) -> None:
        """A crisis in a live conversation: the volunteer and, at once, the coordinators."""
        t = self.texts
        label, name = self.notices.label(handoff), t.word("triage_names", category)
        self.notices.to_volunteer(
            tx, volunteer, t.tell("crisis_alert", label=label, category=name), now, about=handoff
        )
        text = t.tell(
            "crisis_alert_coordinator",
            label=label,
            category=name,
            name=volunteer.name,
            role=t.word("role_names", volunteer.role),
        )
        for coordinator in routing.coordinators(tx.registry.reachable()):
            if coordinator.id != volunteer.id:
                self.notices.to_volunteer(tx, coordinator, text, now, about=handoff)

    def stop(self, tx: Tx, session: Session, handoff: Handoff, volunteer: Volunteer | None) -> None:
        """The parent ends the conversation or leaves the queue; the volunteer is told."""
        t = self.texts
        outcome = "parent_stopped" if volunteer else "parent_left_queue"
        tx.queue.close(handoff.id, outcome, session.now)
        since = handoff.claimed_at if volunteer else handoff.requested_at
        session.event(
            "handoff",
            topic=handoff.role,
            outcome=outcome,
            minutes=minutes_between(since, session.now) if since else None,
            volunteer=volunteer.id if volunteer else None,
        )
        if volunteer is not None:
            label = self.notices.label(handoff)
            self.notices.to_volunteer(
                tx, volunteer, t.tell("parent_stopped", label=label), session.now
            )
        session.state = "menu"
        session.data.handoff = None
        if volunteer is not None:  # a real conversation ended: did it help?
            closed = tx.queue.get(handoff.id)
            assert closed is not None
            text = t.say("stopped_feedback", name=volunteer.name)
            if handoff.urgent:  # the numbers stay with a parent in crisis
                text = self.notices.short_help(handoff) + "\n\n" + text
            session.reply(text, self.desk.closing_buttons(closed))
            return
        session.reply(
            t.say("left_queue"),
            [
                Menu("ask").button(t.button("ask")),
                Menu("tree").button(t.button("tree")),
                Menu("menu").button(t.button("menu")),
            ],
        )

    def leave(self, tx: Tx, session: Session, handoff_id: int) -> None:
        """End an open handoff before the parent's data is forgotten; the volunteer is told."""
        handoff = tx.queue.get(handoff_id)
        if handoff is not None and handoff.is_open:
            self.stop(tx, session, handoff, self._volunteer(tx, handoff))

    def unreachable(self, tx: Tx, address: str, now: datetime) -> None:
        """A channel can no longer reach `address`. A volunteer goes away and their parents go
        back to the front of the queue; a parent's open handoff is closed, the volunteer told."""
        volunteer = tx.registry.at_address(address)
        tx.outbox.drop_for(address)
        if volunteer is not None:
            tx.registry.update(volunteer.id, available=False)
            self.notices.hand_back(tx, volunteer, now)
            return
        latest = tx.queue.latest_for(address)
        if latest is None or not latest.is_open:
            return
        helper = self._volunteer(tx, latest)
        tx.queue.close(latest.id, "unreachable", now)
        if helper is not None:
            label = self.notices.label(latest)
            self.notices.to_volunteer(
                tx, helper, self.texts.tell("parent_unreachable", label=label), now
            )
