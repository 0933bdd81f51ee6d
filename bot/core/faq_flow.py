"""Menu, FAQ answers, suggestions, "dat weet ik niet" and feedback: what the parent sees."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.choices import FAQ, FEEDBACK, MENU, TREE
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
            Button(MENU + "ask", t.button("ask")),
            Button(MENU + "tree", t.button("tree")),
            Button(MENU + "person", t.button("person")),
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
        session.data["question_at"] = to_text(session.now)  # a later 👎 finds the question
        session.data.pop("question_for", None)  # ...but only for the entry that answered it
        session.data.pop("suggested", None)
        if result.outcome is Outcome.ANSWER and result.answer is not None:
            session.event("faq", topic=result.answer.id, outcome="answer")
            session.data["question_for"] = result.answer.id
            self.answer(session, result.answer)
        elif result.outcome is Outcome.SUGGESTIONS:
            session.event("faq", topic=result.suggestions[0].id, outcome="suggestions")
            session.review.append(ReviewNote("suggestions", question, result.suggestions[0].id))
            session.data["suggested"] = True
            buttons = [Button(FAQ + e.id, e.title) for e in result.suggestions]
            buttons += [Button(MENU + "person", self.texts.button("person"))]
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
                Button(MENU + "tree", t.button("tree")),
                Button(MENU + "person", t.button("person")),
                Button(MENU + "menu", t.button("menu")),
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
        asked = session.data.setdefault("faq_asked", [])
        if entry.id not in asked:
            asked.append(entry.id)
        session.data["last_faq"] = entry.id
        person = Button(MENU + "person", t.button("person"))
        buttons = [person] if entry.offer_person else []
        buttons += [
            Button(FAQ + r, self.entries[r].title)
            for r in entry.related[:MAX_RELATED]
            if r in self.entries
        ]
        buttons += [
            Button(f"{FEEDBACK}y:{entry.id}", t.button("helped_yes")),
            Button(f"{FEEDBACK}n:{entry.id}", t.button("helped_no")),
        ]
        if not entry.offer_person:
            buttons.append(person)
        if session.state == "tree":
            buttons.append(Button(TREE + "resume", t.button("resume")))
        session.reply("\n\n".join(parts) + "\n\n" + t.say("faq_feedback"), buttons)

    def feedback(self, session: Session, helped: bool, entry_id: str) -> None:
        t = self.texts
        session.event("feedback", topic=entry_id, outcome="helped" if helped else "not_helped")
        session.data.pop("last_faq", None)
        asked_at = session.data.pop("question_at", None)
        if session.data.pop("question_for", None) != entry_id:
            asked_at = None  # a 👎 on a related entry says nothing about the typed question
        if not helped and asked_at:
            session.review.append(ReviewNote("not_helped", None, entry_id, str(asked_at)))
        if helped and session.state == "tree":
            session.reply(
                t.say("feedback_thanks"),
                [
                    Button(TREE + "resume", t.button("resume")),
                    Button(MENU + "ask", t.button("ask")),
                    Button(MENU + "menu", t.button("menu")),
                ],
            )
        elif helped:
            self.menu(session, t.say("feedback_thanks"))
        else:
            session.reply(
                t.say("feedback_sorry"),
                [
                    Button(MENU + "person", t.button("person")),
                    Button(MENU + "tree", t.button("tree")),
                    Button(MENU + "ask", t.button("ask")),
                ],
            )
