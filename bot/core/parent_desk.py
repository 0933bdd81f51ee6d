"""The parent's side of a handoff: join the queue, hear the wait, give feedback, reopen.

Every method runs inside one storage transaction (the engine calls it through
`store.transaction`), so the queue, the relayed message and the outbox change together.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.blocks import OUTCOME as BLOCKED
from bot.core.buttons import HandoffFeedback, Leave, Menu, QueueStep, Reopen
from bot.core.choices import parse_button
from bot.core.handoff_notices import Notices
from bot.core.intents import Intents
from bot.core.messages import Button
from bot.core.session import Action, OpenHandoff, Session
from bot.core.texts import Texts
from bot.core.tree_flow import TreeFlow
from bot.storage.contract import Tx
from faq.model import FaqEntry
from handoff import queue as queue_rules
from handoff import routing
from handoff.model import Handoff, Summary, Volunteer
from handoff.settings import HandoffSettings
from handoff.wait import SOON_MINUTES, WaitEstimate, estimate_from_counts

LEAVE = Leave().id


class ParentDesk:
    """Queue work for a parent (joining, waiting, feedback, reopening), rendered as replies in
    the parent's session; ParentRelay does the talking."""

    def __init__(
        self,
        texts: Texts,
        notices: Notices,
        settings: HandoffSettings,
        tree: TreeFlow,
        entries: dict[str, FaqEntry],
        intents: Intents,
        facts: dict[str, str] | None = None,
    ) -> None:
        """`facts` are the helpline's {contact} and {openingstijden} (FaqFlow.facts)."""
        self.texts = texts
        self.facts = {k: v for k, v in (facts or {}).items() if k in ("contact", "openingstijden")}
        self.intents = intents
        self.notices = notices
        self.settings = settings
        self.tree = tree
        self.entries = entries
        # Button labels a parent may have pressed or typed: not part of their story.
        self.labels = frozenset(
            label.lower()
            for label in [
                *texts.buttons.values(),
                *texts.topics.values(),
                *(entry.title for entry in entries.values()),
                *(c.label for node in tree.tree.nodes.values() for c in node.choices),
            ]
        )

    # -- joining the queue ------------------------------------------------------------------

    def open(self, tx: Tx, session: Session, role: str, topic: str | None) -> None:
        """Put the parent in the queue, tell the right volunteers, tell the parent the wait."""
        now = session.now
        open_now = tx.queue.latest_for(session.conversation_id)
        if open_now is not None and open_now.is_open:  # e.g. a double press
            self._enter(session, open_now)
            self._tell_wait(tx, session, open_now)
            return
        reachable = tx.registry.reachable()
        earlier = _asked_first(open_now)
        previous = routing.previous_volunteer(earlier, reachable, role)
        handoff = tx.queue.create(
            session.conversation_id,
            session.channel,
            role,
            topic,
            session.category,
            self._summary(session),
            now,
            preferred_volunteer=previous.id if previous else None,
        )
        session.event(
            "handoff",
            topic=role,
            outcome="urgent" if handoff.urgent else "queued",
            category=handoff.category if handoff.urgent else None,
        )
        told = tx.transcripts.recent_inbound(session.conversation_id, queue_rules.story_since(now))
        for at, text in queue_rules.story(told, self.labels):
            if not self.intents.only_asks_for_person(text):  # "ik wil iemand spreken" is no story
                tx.queue.add_message(handoff.id, "parent", text, at)  # not told twice
        self._queued(tx, session, handoff, reachable, previous)

    def _summary(self, session: Session) -> Summary:
        titles = [self.entries[i].title for i in session.data.faq_asked if i in self.entries]
        route = self.tree.summary(session.path) if session.path else []
        return Summary(tuple(route), tuple(titles), session.crisis)

    @staticmethod
    def _enter(session: Session, handoff: Handoff) -> None:
        session.state = "handoff"
        session.path = []
        session.data.handoff = handoff.id
        session.data.acked_at = None

    def wait_for(self, tx: Tx, handoff: Handoff) -> WaitEstimate:
        """One parent's place and wait from two counts, not from reading the whole queue."""
        position, ahead = tx.queue.ahead(handoff)
        return estimate_from_counts(
            handoff.role, position, ahead, tx.registry.reachable(), tx.queue.handling_minutes()
        )

    def wait_text(self, tx: Tx, handoff: Handoff, now: datetime) -> tuple[str, WaitEstimate]:
        """Place and expected wait, or when people are back if the line is closed."""
        t = self.texts
        wait = self.wait_for(tx, handoff)
        hours = self.settings.hours
        if not hours.is_open(now):
            if handoff.urgent:
                return t.say("queued_closed_urgent", help=self.notices.short_help(handoff)), wait
            return t.say("queued_closed", moment=self.notices.back_at(now)), wait
        return t.say("queued", position=str(wait.position)) + " " + self.wait_sentence(wait), wait

    def wait_sentence(self, wait: WaitEstimate) -> str:
        """'Er is zo iemand', 'ongeveer 25 minuten' or 'er is nu niemand vrij'."""
        t = self.texts
        if wait.minutes is None:
            return t.say("wait_unknown")
        if wait.minutes <= SOON_MINUTES:
            return t.say("wait_soon")
        return t.say("wait_minutes", minutes=str(wait.minutes))

    def _tell_wait(self, tx: Tx, session: Session, handoff: Handoff) -> None:
        t = self.texts
        text, wait = self.wait_text(tx, handoff, session.now)
        closed = not self.settings.hours.is_open(session.now)
        tx.queue.set_fields(
            handoff.id, told_position=wait.position, told_wait=wait.minutes, told_closed=closed
        )
        buttons = [Button(LEAVE, t.button("leave_queue"))]
        if handoff.preferred_volunteer is not None:
            buttons.insert(0, QueueStep("anyone", handoff.id).button(t.button("someone_else")))
        parts = [text, t.say("queued_tell")]
        if handoff.urgent and not closed:  # the closed urgent text already has the numbers
            parts.append(self.notices.short_help(handoff))
        elif not handoff.urgent:
            parts.append(t.say("crisis_short"))
        session.reply("\n\n".join(parts), buttons)

    # -- after closing: feedback, reopen; while waiting: anyone else -------------------------

    def is_live(
        self, session: Session, press: HandoffFeedback | Reopen, latest: Handoff | None
    ) -> bool:
        """Whether a parent's h:… button still means something for their latest handoff."""
        if latest is None or press.handoff != latest.id:
            return False
        if isinstance(press, HandoffFeedback):
            return latest.status == "closed" and latest.feedback is None
        return latest.status == "closed" and self._reopenable(latest, session.now)

    def _reopenable(self, handoff: Handoff, now: datetime) -> bool:
        closed = handoff.closed_at
        return closed is not None and now - closed <= timedelta(days=self.settings.reopen_days)

    def closing_buttons(self, handoff: Handoff) -> list[Button]:
        t = self.texts
        return [
            HandoffFeedback(True, handoff.id).button(t.button("helped_yes")),
            HandoffFeedback(False, handoff.id).button(t.button("helped_no")),
            Reopen(handoff.id).button(t.button("reopen")),
            Menu("menu").button(t.button("menu")),
        ]

    def apply(self, tx: Tx, session: Session, action: Action) -> None:
        """Do what a pure step asked for (`session.action`), re-checked against fresh rows."""
        if isinstance(action, OpenHandoff):
            self.open(tx, session, action.role, action.topic)
            return
        handoff = tx.queue.get(action.handoff)
        if handoff is None or handoff.is_open:
            session.reply(self.texts.say("stale_choice"))
            return
        if isinstance(action, HandoffFeedback):
            helped = action.helped
            tx.queue.set_fields(handoff.id, feedback="helped" if helped else "not_helped")
            outcome = "helped" if helped else "not_helped"
            session.event("handoff_feedback", topic=handoff.role, outcome=outcome)
            buttons = [
                b
                for b in self.closing_buttons(handoff)
                if not isinstance(parse_button(b.id), HandoffFeedback)
            ]
            days = str(self.settings.reopen_days)
            key = "handoff_feedback_thanks" if helped else "handoff_feedback_sorry"
            session.reply(self.texts.say(key, days=days), buttons)
        else:
            self._reopen(tx, session, handoff)

    def _reopen(self, tx: Tx, session: Session, closed: Handoff) -> None:
        """A new handoff that carries the old story and asks the previous volunteer first.

        A new row (not the old one requeued) keeps last week's buttons from acting on it.
        """
        reachable = tx.registry.reachable()
        previous = routing.previous_volunteer(_asked_first(closed), reachable, closed.role)
        again = tx.queue.create(
            closed.conversation_id,
            closed.channel,
            closed.role,
            closed.topic,
            session.category,
            closed.summary,
            session.now,
            preferred_volunteer=previous.id if previous else None,
        )
        tx.queue.copy_messages(closed.id, again.id)
        session.event("handoff", topic=again.role, outcome="reopened")
        self._queued(tx, session, again, reachable, previous)

    def _queued(
        self,
        tx: Tx,
        session: Session,
        handoff: Handoff,
        reachable: list[Volunteer],
        previous: Volunteer | None,
    ) -> None:
        """A fresh handoff is in the queue: tell the volunteers, then the parent."""
        self._enter(session, handoff)
        self.notices.announce_waiting(tx, handoff, reachable, session.now, previous is not None)
        if previous is not None:
            session.reply(self.texts.say("previous_offer", name=previous.name))
        if self.settings.hours.is_open(session.now) and not routing.helpers_for(
            handoff.role, reachable
        ):
            self._nobody(tx, session, handoff, reachable)
            return
        self._tell_wait(tx, session, handoff)

    def _nobody(
        self, tx: Tx, session: Session, handoff: Handoff, reachable: list[Volunteer]
    ) -> None:
        """Nobody of the asked role (or nobody at all) is there: say so at once, with the
        helpline's contact and hours, or offer the other role. The question stays queued,
        and the coordinators hear of it."""
        t = self.texts
        others = routing.helpers_for("either", reachable)
        leave = Button(LEAVE, t.button("leave_queue"))
        if others:
            other = next(v.role for v in others)
            session.reply(
                t.say(
                    "role_unavailable",
                    role=t.word("role_names", handoff.role),
                    other=t.word("role_names", other),
                ),
                [
                    QueueStep("either", handoff.id).button(t.button("take_other")),
                    QueueStep("wait", handoff.id).button(t.button("keep_waiting")),
                    leave,
                ],
            )
        elif handoff.urgent:  # as strong as when the line is closed: call now
            session.reply(t.say("nobody_urgent", help=self.notices.short_help(handoff)), [leave])
        else:
            session.reply(t.say("nobody_available", **self.facts), [leave])
        if not handoff.urgent:  # urgent ones reached the coordinators already
            self.notices.announce(tx, handoff, routing.coordinators(reachable), session.now)
        wait = self.wait_for(tx, handoff)  # so the queue watch does not say it again at once
        tx.queue.set_fields(handoff.id, told_position=wait.position, told_wait=wait.minutes)

    def take_either(self, tx: Tx, session: Session, handoff: Handoff) -> None:
        """The parent takes whoever is there (the other role), keeping their place."""
        again = tx.queue.requeue(handoff.id, session.now, role="either")
        self.notices.announce_waiting(tx, again, tx.registry.reachable(), session.now)
        self._tell_wait(tx, session, again)

    # -- in the queue or in a conversation --------------------------------------------------

    def anyone(self, tx: Tx, session: Session, handoff: Handoff) -> None:
        """The parent prefers not to wait for their previous volunteer."""
        again = tx.queue.requeue(handoff.id, session.now)
        self.notices.announce_waiting(tx, again, tx.registry.reachable(), session.now)
        self._tell_wait(tx, session, again)


def _asked_first(earlier: Handoff | None) -> int | None:
    """The volunteer of the parent's previous case, asked first again; never the one who
    blocked them (a crisis under a block still reaches a person, but another one)."""
    if earlier is None or earlier.outcome == BLOCKED:
        return None
    return earlier.volunteer_id
