"""What crosses between parent and volunteer: rendered in Dutch and put in the outbox.

Everything here runs inside a storage transaction, so a notice is stored together with the
change that causes it and is delivered afterwards (also after a restart). Volunteers only ever
see the handoff's pseudonym ("Ouder #K7"); parents only a volunteer's display name.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.choices import VOLUNTEER
from bot.core.messages import Attachment, Button, Outbound
from bot.core.texts import Texts
from bot.storage.contract import Tx
from handoff import routing
from handoff.hours import describe_moment
from handoff.model import URGENT_CATEGORIES, Handoff, Volunteer
from handoff.settings import HandoffSettings

CATCH_UP_SHOWN = 20  # urgent requests a volunteer who just arrived hears of, at most


class Notices:
    """Writes messages for the other side of a handoff into the outbox."""

    def __init__(self, texts: Texts, settings: HandoffSettings) -> None:
        self.texts = texts
        self.settings = settings
        self.zone = ZoneInfo(settings.hours.timezone)

    # -- small renderings ----------------------------------------------------------------

    def label(self, handoff: Handoff) -> str:
        """The parent's pseudonym for volunteers, e.g. 'Ouder #K7'."""
        return self.texts.tell("parent_label", code=handoff.code)

    def clock(self, when: datetime) -> str:
        """A time of day in the helpline's zone, e.g. '9.05'."""
        local = when.astimezone(self.zone)
        return f"{local.hour}.{local.minute:02d}"

    def moment(self, when: datetime, now: datetime) -> str:
        """'vandaag 9.00', 'morgen 13.30' or 'maandag 30 november 9.00'."""
        t = self.texts
        return describe_moment(
            when.astimezone(self.zone),
            now.astimezone(self.zone),
            t.calendar("weekdays"),
            t.calendar("months"),
            t.calendar("today")[0],
            t.calendar("tomorrow")[0],
        )

    def back_at(self, now: datetime) -> str:
        """When people are there again, as a parent reads it ("maandag 30 november 9.00")."""
        back = self.settings.hours.next_opening(now)
        return self.moment(back, now) if back else "?"

    def header(self, handoff: Handoff, now: datetime | None = None) -> str:
        """One line a volunteer reads in a notification or the queue list; a request from an
        earlier day shows its day ("wacht sinds zaterdag 28 november 12.00")."""
        t = self.texts
        topic = t.topics.get(handoff.topic or "", t.tell("no_topic"))
        head = t.tell(
            "summary_head",
            label=self.label(handoff),
            role=t.word("role_names", handoff.role),
            topic=topic,
            channel=handoff.channel,
            since=self._since(handoff.first_requested_at, now),
        )
        marker = self.marker(handoff)
        return f"{marker} · {head}" if marker else head

    def marker(self, handoff: Handoff) -> str | None:
        """'⚠️ Dringend (kind in gevaar)' or 'Let op (ouder zwaar belast)': the category,
        never the parent's words."""
        t = self.texts
        if handoff.urgent:
            name = t.word("triage_names", handoff.category or "suicide")
            return t.tell("urgent_mark", category=name)
        if handoff.category == "distress":
            return t.tell("distress_mark", category=t.word("triage_names", "distress"))
        return None

    def _since(self, when: datetime, now: datetime | None) -> str:
        """A time today ("9.05"), or day and time for an earlier day."""
        if now is None or when.astimezone(self.zone).date() == now.astimezone(self.zone).date():
            return self.clock(when)
        return self.moment(when, now)

    def short_help(self, handoff: Handoff) -> str:
        """The numbers that fit an urgent request's category (harm: Veilig Thuis, not 113)."""
        category = handoff.category if handoff.category in URGENT_CATEGORIES else "suicide"
        return self.texts.say(f"crisis_short_{category}")

    def claim_button(self, handoff: Handoff) -> Button:
        """'Oppakken #K7': the label names the parent, so a list of them can be told apart."""
        label = f"{self.texts.word('volunteer_buttons', 'claim')} #{handoff.code}"
        return Button(f"{VOLUNTEER}claim:{handoff.id}", label)

    def switch_button(self, handoff: Handoff) -> Button:
        label = self.texts.word("volunteer_buttons", "switch").format(label=self.label(handoff))
        return Button(f"{VOLUNTEER}switch:{handoff.id}", label)

    def summary(self, tx: Tx, handoff: Handoff, now: datetime | None = None) -> str:
        """Everything a volunteer needs before saying hello: route, FAQ read, notes, history."""
        t, s = self.texts, handoff.summary
        parts = [self.header(handoff, now)]
        if s.crisis or handoff.urgent:
            parts.append(t.tell("summary_crisis"))
        if s.tree_route:
            parts.append(t.tell("summary_route") + "\n" + "\n".join(f"• {r}" for r in s.tree_route))
        if s.faq_titles:
            parts.append(t.tell("summary_faq") + "\n" + "\n".join(f"• {x}" for x in s.faq_titles))
        history = tx.queue.messages(handoff.id)
        names: dict[int | None, str] = {}  # one lookup per volunteer, not per line
        for m in history:
            if m.volunteer_id not in names:
                found = tx.registry.find(m.volunteer_id)  # a removed one's name is gone
                names[m.volunteer_id] = found.name if found is not None else "?"
        lines = [
            self._history_line(m.sender, names[m.volunteer_id], m.text, handoff) for m in history
        ]
        if lines:
            shown = lines[-self.settings.history_lines :]
            text = t.tell("summary_history") + "\n" + "\n".join(shown)
            if len(lines) > len(shown):
                text += "\n" + t.tell("summary_more", count=str(len(lines) - len(shown)))
            parts.append(text)
        return "\n\n".join(parts)

    def _history_line(self, sender: str, name: str, text: str, handoff: Handoff) -> str:
        if sender == "parent":
            return self.texts.tell("relay", label=self.label(handoff), text=text)
        if sender == "note":
            return self.texts.tell("summary_note", name=name, note=text)
        return self.texts.tell("relay", label=name, text=text)

    # -- writing to the outbox -------------------------------------------------------------

    def to_parent(
        self,
        tx: Tx,
        handoff: Handoff,
        text: str,
        now: datetime,
        buttons: Sequence[Button] = (),
        author: str | None = None,
    ) -> None:
        """Queue a message for the handoff's parent; `author` when it is a volunteer's words."""
        message = Outbound(handoff.conversation_id, text, tuple(buttons), author=author)
        tx.outbox.put(handoff.channel, message, now)

    def to_volunteer(
        self,
        tx: Tx,
        volunteer: Volunteer,
        text: str,
        now: datetime,
        buttons: Sequence[Button] = (),
        about: Handoff | None = None,
    ) -> None:
        """Queue a message for a volunteer's linked account; unlinked volunteers get nothing.
        `about`: the handoff whose parent's words the text carries (erased with the parent)."""
        if volunteer.address and volunteer.channel:
            parent = about.conversation_id if about is not None else None
            message = Outbound(volunteer.address, text, tuple(buttons), about=parent)
            tx.outbox.put(volunteer.channel, message, now)

    def relay_to_volunteer(
        self,
        tx: Tx,
        handoff: Handoff,
        volunteer: Volunteer,
        line: str,
        now: datetime,
        attachment: Attachment | None = None,
    ) -> None:
        """A parent's message, already labelled with their pseudonym. If the volunteer is typing
        to another parent, it says so and offers a switch, so no reply goes to the wrong parent."""
        current = volunteer.current_handoff
        if current is None:  # their first conversation: it becomes the current one
            tx.registry.set_current(volunteer.id, handoff.id)
        buttons: list[Button] = []
        if current not in (None, handoff.id):
            other = tx.queue.get(current)
            if (
                other is not None
                and other.status == "active"
                and other.volunteer_id == volunteer.id
            ):
                line = self.texts.tell("relay_other", line=line, current=self.label(other))
            else:  # the conversation they typed to has ended: nothing goes anywhere silently
                line = self.texts.tell("relay_no_current", line=line, label=self.label(handoff))
            buttons = [self.switch_button(handoff)]
        if volunteer.address and volunteer.channel:
            message = Outbound(
                volunteer.address,
                line,
                tuple(buttons),
                attachment,
                about=handoff.conversation_id,
                author=self.label(handoff),  # the console shows it in the parent's tab
            )
            tx.outbox.put(volunteer.channel, message, now)

    def announce(
        self,
        tx: Tx,
        handoff: Handoff,
        targets: Sequence[Volunteer],
        now: datetime,
        key: str = "new",
        previous: bool = False,
    ) -> None:
        """Tell volunteers a parent is waiting, with an *Oppakken* button; `previous` says
        the preferred volunteer spoke with this parent before."""
        key = "urgent" if handoff.urgent and key == "new" else key
        if targets:  # so the queue watch does not announce it again; widening skips them
            tx.queue.set_fields(handoff.id, announced=1)
            tx.queue.mark_told(handoff.id, [v.id for v in targets])
        for volunteer in targets:
            text = self.texts.tell(key, header=self.header(handoff, now))
            if previous and handoff.preferred_volunteer == volunteer.id:
                text += "\n" + self.texts.tell("previous")
            self.to_volunteer(tx, volunteer, text, now, [self.claim_button(handoff)], handoff)

    def announce_waiting(
        self,
        tx: Tx,
        handoff: Handoff,
        reachable: Sequence[Volunteer],
        now: datetime,
        previous: bool = False,
    ) -> None:
        """Notify matching volunteers of a (re)queued parent: while open, or at once if urgent
        (advisors and coordinators; buddies too when no professional can take it). Outside
        opening hours the queue watch announces other requests when the line opens."""
        if not (handoff.urgent or self.settings.hours.is_open(now)):
            return
        targets = routing.announce_set(
            handoff, reachable, step=0, limit=self.settings.announce_limit
        )
        self.announce(tx, handoff, targets, now, previous=previous)
        professionals = routing.professionals_free(reachable)
        if handoff.urgent and not handoff.open_to_buddies and not professionals:
            self.open_to_buddies(tx, handoff, reachable, now)

    def open_to_buddies(
        self, tx: Tx, handoff: Handoff, reachable: Sequence[Volunteer], now: datetime
    ) -> None:
        """No advisor took an urgent request in time (or none is there): buddies with room
        may take it now, and hear so with a clear marker."""
        tx.queue.set_fields(handoff.id, open_to_buddies=1)
        told = tx.queue.told(handoff.id)
        buddies = [v for v in reachable if v.role == "buddy" and v.free > 0 and v.id not in told]
        buddies.sort(key=lambda v: (-v.free, v.active, v.id))
        self.announce(tx, handoff, buddies[: self.settings.announce_limit], now, key="urgent_buddy")

    def catch_up(self, tx: Tx, volunteer: Volunteer, now: datetime) -> None:
        """A volunteer just linked or became available: urgent requests they may take at
        once, with their buttons, and how many others wait."""
        first = tx.queue.head(CATCH_UP_SHOWN)  # most severe first: urgent ones lead
        urgent = [h for h in first if h.urgent and routing.may_claim(volunteer, h)]
        if volunteer.role != "coordinator" and volunteer.free == 0:
            urgent = []
        for handoff in urgent:
            self.announce(tx, handoff, [volunteer], now)
        others = tx.queue.waiting_count() - len(urgent)
        if others:
            self.to_volunteer(tx, volunteer, self.texts.tell("catch_up", count=str(others)), now)

    def hand_back(self, tx: Tx, volunteer: Volunteer, now: datetime) -> int:
        """A volunteer is gone (removed, unreachable): their parents go back to the front of the
        queue and are told; what they wrote stays with the handoff for whoever picks it up."""
        mine = tx.queue.active_for(volunteer.id)
        for handoff in mine:
            again = tx.queue.requeue(handoff.id, now)
            self.to_parent(tx, again, self.texts.say("released_parent", name=volunteer.name), now)
            others = [v for v in tx.registry.reachable() if v.id != volunteer.id]
            self.announce_waiting(tx, again, others, now)
        return len(mine)
