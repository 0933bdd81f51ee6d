"""Menu, FAQ answers, suggestions, "dat weet ik niet" and feedback: what the parent sees."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.buttons import Faq, FaqFeedback, Menu, TreeNav
from bot.core.messages import Button
from bot.core.session import ReviewNote, Session
from bot.core.texts import Texts
from bot.storage import to_text
from faq.matcher import MatchResult, Outcome
from faq.model import FaqEntry

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
MAX_RELATED = 3


@dataclass(frozen=True)
class Helpline:
    """Facts about the helpline from configuration; None means the locale's default wording."""

    opening_hours: str | None = None
    contact: str | None = None
    retention_days: int = 30

    def values(self, texts: Texts) -> dict[str, str]:
        """The {placeholder} values that answers and sentences mention."""
        return {
            "openingstijden": self.opening_hours or texts.say("default_opening_hours"),
            "contact": self.contact or texts.say("default_contact"),
            "bewaartermijn": texts.say("retention_period", days=str(self.retention_days)),
        }


class FaqFlow:
    """Renders FAQ outcomes and the main menu as replies with semantic buttons."""

    def __init__(self, texts: Texts, entries: dict[str, FaqEntry], helpline: Helpline) -> None:
        self.texts = texts
        self.entries = entries
        self.facts = helpline.values(texts)

    def fill(self, text: str) -> str:
        """Replace known {placeholders}; unknown ones stay visible rather than crash."""
        return _PLACEHOLDER.sub(lambda m: self.facts.get(m.group(1), m.group(0)), text)

    def menu_buttons(self) -> list[Button]:
        t = self.texts
        return [
            Menu("ask").button(t.button("ask")),
            Menu("tree").button(t.button("tree")),
            Menu("person").button(t.button("person")),
        ]

    def welcome(self, session: Session) -> None:
        t = self.texts
        session.reply(
            t.say("welcome")
            + "\n\n"
            + t.say("privacy_line", bewaartermijn=self.facts["bewaartermijn"])
        )

    def menu(self, session: Session, text: str | None = None) -> None:
        session.state = "menu"
        session.reply(text or self.texts.say("menu"), self.menu_buttons())

    def show_match(self, session: Session, result: MatchResult, question: str) -> None:
        """Answer, suggest or admit not knowing, and record the outcome anonymously; what the
        bot could not answer goes to the coordinators' review (scrubbed when stored)."""
        session.data.question_at = to_text(session.now)  # a later 👎 finds the question
        session.data.question_for = None  # ...but only for the entry that answered it
        session.data.suggested = False
        if result.outcome is Outcome.ANSWER and result.answer is not None:
            session.event("faq", topic=result.answer.id, outcome="answer")
            session.data.question_for = result.answer.id
            self.answer(session, result.answer)
        elif result.outcome is Outcome.SUGGESTIONS:
            session.event("faq", topic=result.suggestions[0].id, outcome="suggestions")
            session.review.append(ReviewNote("suggestions", question, result.suggestions[0].id))
            session.data.suggested = True
            buttons = [Faq(e.id).button(e.title) for e in result.suggestions]
            buttons += [Menu("person").button(self.texts.button("person"))]
            session.reply(self.texts.say("suggestions"), buttons)
        else:
            session.event("faq", outcome="no_match")
            session.review.append(ReviewNote("no_match", question, None))
            self.no_match(session)

    def no_match(self, session: Session) -> None:
        t = self.texts
        session.reply(
            t.say("no_match"),
            [
                Menu("tree").button(t.button("tree")),
                Menu("person").button(t.button("person")),
                Menu("menu").button(t.button("menu")),
            ],
        )

    def answer(self, session: Session, entry: FaqEntry) -> None:
        """The entry's answer and steps, then related entries, feedback and a person."""
        t = self.texts
        parts = [f"{entry.title}\n\n{self.fill(entry.answer)}"]
        if entry.steps:
            steps = "\n".join(f"• {self.fill(step)}" for step in entry.steps)
            parts.append(f"{t.say('faq_steps')}\n{steps}")
        if entry.provenance.link:
            parts.append(t.say("source_link", link=entry.provenance.link))
        if entry.id not in session.data.faq_asked:
            session.data.faq_asked.append(entry.id)
        session.data.last_faq = entry.id
        person = Menu("person").button(t.button("person"))
        buttons = [person] if entry.offer_person else []
        buttons += [
            Faq(r).button(self.entries[r].title)
            for r in entry.related[:MAX_RELATED]
            if r in self.entries
        ]
        buttons += [
            FaqFeedback(True, entry.id).button(t.button("helped_yes")),
            FaqFeedback(False, entry.id).button(t.button("helped_no")),
        ]
        if not entry.offer_person:
            buttons.append(person)
        if session.state == "tree":
            buttons.append(TreeNav("resume").button(t.button("resume")))
        session.reply("\n\n".join(parts) + "\n\n" + t.say("faq_feedback"), buttons)

    def feedback(self, session: Session, helped: bool, entry_id: str) -> None:
        t = self.texts
        session.event("feedback", topic=entry_id, outcome="helped" if helped else "not_helped")
        asked_at, answered = session.data.question_at, session.data.question_for
        session.data.last_faq = session.data.question_at = session.data.question_for = None
        if answered != entry_id:
            asked_at = None  # a 👎 on a related entry says nothing about the typed question
        if not helped and asked_at:
            session.review.append(ReviewNote("not_helped", None, entry_id, asked_at))
        if helped and session.state == "tree":
            session.reply(
                t.say("feedback_thanks"),
                [
                    TreeNav("resume").button(t.button("resume")),
                    Menu("ask").button(t.button("ask")),
                    Menu("menu").button(t.button("menu")),
                ],
            )
        elif helped:
            self.menu(session, t.say("feedback_thanks"))
        else:
            session.reply(
                t.say("feedback_sorry"),
                [
                    Menu("person").button(t.button("person")),
                    Menu("tree").button(t.button("tree")),
                    Menu("ask").button(t.button("ask")),
                ],
            )
