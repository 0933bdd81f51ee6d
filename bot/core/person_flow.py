"""A parent asks for a person: choose adviser or experienced parent, then (optionally) a topic.

These steps only change the session; the last one sets `session.action`, and the engine then
opens the handoff in one storage transaction (see ParentDesk).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.buttons import REQUESTED_ROLES, PickRole, PickTopic
from bot.core.session import OpenHandoff, Session
from bot.core.texts import Texts
from handoff.hours import OpeningHours


class PersonFlow:
    """The two questions before a parent joins the queue."""

    def __init__(
        self,
        texts: Texts,
        hours: OpeningHours,
        back_at: Callable[[datetime], str],
    ) -> None:
        """`back_at` renders when people are back ("maandag 30 november 9.00")."""
        self.texts = texts
        self.hours = hours
        self.back_at = back_at

    def start(self, session: Session) -> None:
        """Ask which kind of person; in a crisis, for a parent at the end of their strength,
        or when nobody is there at all during opening hours, skip the questions: queue at once
        (whoever is free first) and say so honestly."""
        session.event("person_requested")
        nobody = not session.helpers_there and self.hours.is_open(session.now)
        exhausted = session.data.triage == "distress"
        if session.crisis or exhausted or nobody:
            session.action = OpenHandoff("either", None)
            return
        t = self.texts
        session.state = "person"
        session.data.person_role = None
        if not self.hours.is_open(session.now):  # say it before asking anything
            session.reply(t.say("person_closed_now", moment=self.back_at(session.now)))
        session.reply(
            t.say("person_choose_role"),
            [PickRole(role).button(t.button(f"role_{role}")) for role in REQUESTED_ROLES],
        )

    def is_live(self, session: Session, press: PickRole | PickTopic) -> bool:
        if session.state != "person":
            return False
        if isinstance(press, PickRole):
            return True
        topic = press.topic
        return session.data.person_role is not None and (
            topic is None or topic in self.texts.topics
        )

    def press(self, session: Session, press: PickRole | PickTopic) -> None:
        t = self.texts
        if isinstance(press, PickRole):
            session.data.person_role = press.role
            buttons = [PickTopic(key).button(label) for key, label in t.topics.items()]
            buttons.append(PickTopic(None).button(t.button("topic_other")))
            session.reply(t.say("person_choose_topic"), buttons)
            return
        role = session.data.person_role or "either"  # is_live: always chosen by now
        session.data.person_role = None
        session.action = OpenHandoff(role, press.topic)
