"""A parent asks for a person: choose adviser or experienced parent, then (optionally) a topic.

These steps only change the session; the last one sets `session.action`, and the engine then
opens the handoff in one storage transaction (see ParentDesk).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.choices import HANDOFF
from bot.core.messages import Button
from bot.core.session import Session
from bot.core.texts import Texts
from handoff.hours import OpeningHours
from handoff.model import REQUESTED_ROLES

ROLE = HANDOFF + "role:"
TOPIC = HANDOFF + "topic:"
NO_TOPIC = "-"


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
        exhausted = session.data.get("triage") == "distress"
        if session.crisis or exhausted or nobody:
            session.action = {"do": "open", "role": "either", "topic": None}
            return
        t = self.texts
        session.state = "person"
        session.data.pop("person_role", None)
        if not self.hours.is_open(session.now):  # say it before asking anything
            session.reply(t.say("person_closed_now", moment=self.back_at(session.now)))
        session.reply(
            t.say("person_choose_role"),
            [Button(ROLE + role, t.button(f"role_{role}")) for role in REQUESTED_ROLES],
        )

    def is_live(self, session: Session, choice: str) -> bool:
        if session.state != "person":
            return False
        if choice.startswith(ROLE):
            return choice[len(ROLE) :] in REQUESTED_ROLES
        if choice.startswith(TOPIC):
            topic = choice[len(TOPIC) :]
            return "person_role" in session.data and (
                topic == NO_TOPIC or topic in self.texts.topics
            )
        return False

    def press(self, session: Session, choice: str) -> None:
        t = self.texts
        if choice.startswith(ROLE):
            session.data["person_role"] = choice[len(ROLE) :]
            buttons = [Button(TOPIC + key, label) for key, label in t.topics.items()]
            buttons.append(Button(TOPIC + NO_TOPIC, t.button("topic_other")))
            session.reply(t.say("person_choose_topic"), buttons)
            return
        topic = choice[len(TOPIC) :]
        role = str(session.data.pop("person_role"))
        session.action = {"do": "open", "role": role, "topic": None if topic == NO_TOPIC else topic}
