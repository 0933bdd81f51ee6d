"""What the bot does with one parent message outside a handoff: pure work on the session.

The engine's safety gate has already triaged the message (suicide and harm never get here;
distress gets warmth and a person first, then the conversation continues). Order: commands,
then buttons (or typed text that names a shown button), then a typed request for a person or a
greeting, then free text through the FAQ. Work that needs the handoff queue is left in
`session.action` for the engine to do in one transaction.
"""

from __future__ import annotations

from bot.core.buttons import (
    Faq,
    FaqFeedback,
    HandoffFeedback,
    Menu,
    PickRole,
    PickTopic,
    Press,
    Reopen,
    TreeNav,
    TreeStep,
)
from bot.core.choices import parse_button, typed_choice
from bot.core.faq_flow import FaqFlow
from bot.core.intents import Intents
from bot.core.messages import Button, Inbound
from bot.core.parent_desk import ParentDesk
from bot.core.person_flow import PersonFlow
from bot.core.session import Session
from bot.core.text_input import ascii_number
from bot.core.texts import Texts
from bot.core.tree_flow import TreeFlow
from faq.matcher import Matcher, Outcome
from faq.model import FaqEntry
from handoff.model import Handoff


class ParentFlow:
    """Menu, FAQ, tree and the way to a person, for a parent who is not in a handoff."""

    def __init__(
        self,
        texts: Texts,
        matcher: Matcher,
        faq: FaqFlow,
        tree: TreeFlow,
        person: PersonFlow,
        intents: Intents,
        desk: ParentDesk,
        max_message_chars: int,
    ) -> None:
        self.texts = texts
        self.matcher = matcher
        self.faq = faq
        self.tree = tree
        self.person = person
        self.intents = intents
        self.desk = desk
        self.max_message_chars = max_message_chars

    def process(
        self,
        session: Session,
        inbound: Inbound,
        command: str | None,
        latest: Handoff | None,
        category: str | None = None,
    ) -> None:
        """Decide the replies for one message whose triage `category` is known; no I/O."""
        text = (inbound.text or "").strip()
        if category == "distress":
            if session.is_new:
                self.faq.welcome(session)
                session.is_new = False
            asks = command is None and inbound.choice is None and inbound.kind == "text"
            self.distress(session, text if asks else None)
            if asks:
                return
        if inbound.kind != "text" or (not text and inbound.choice is None):
            if session.is_new:
                self.faq.welcome(session)
            self.faq.menu(session, self.texts.say("only_text"))
            return
        if session.is_new:
            self.faq.welcome(session)
        if command is not None:
            self._run_command(session, command)
            return
        button = self._pressed(session, inbound.choice, text, latest)
        if button is not None:
            self._press(session, button)
            return
        if inbound.choice is not None:
            self._stale(session)
            return
        shown = session.shown
        if ascii_number(text.rstrip(".)")) is not None and shown:  # "9" when there are 6 buttons
            session.reply(self.texts.say("number_unknown", last=str(len(shown))), shown)
            return
        if self.intents.wants_person(text):
            self.person.start(session)
            return
        if self.intents.is_greeting(text):
            self.faq.menu(session)
            return
        if self.intents.is_thanks(text):  # keep the buttons they had (e.g. 👍/👎 after a talk)
            session.reply(self.texts.say("thanks_reply"), session.shown or self.faq.menu_buttons())
            return
        self._free_text(session, text)

    def crisis(self, session: Session, category: str, question: str | None = None) -> None:
        """Suicide or harm: that category's help at once, a person offered, the state kept.
        A harm message that is also a question one FAQ entry clearly answers ("mijn kind
        wordt geslagen op het schoolplein, wat moet school doen?") gets that answer after."""
        t = self.texts
        session.note_triage(category)
        session.event("crisis", topic=category)
        text = t.say(f"crisis_{category}") + "\n\n" + t.say("crisis_person")
        answer, maybe = self._clear_answer(question) if category == "harm" else (None, ())
        self._help_then_answer(session, text, answer, maybe)

    def _clear_answer(self, text: str | None) -> tuple[FaqEntry | None, tuple[FaqEntry, ...]]:
        """The FAQ entry that clearly answers the text, if any; else the entries it might
        mean, offered as buttons below the help (never as a "Bedoelt u" question then)."""
        if not text:
            return None, ()
        result = self.matcher.match(text[: self.max_message_chars])
        if result.outcome is Outcome.ANSWER:
            return result.answer, ()
        return None, result.suggestions[:2]

    def distress(self, session: Session, text: str | None) -> None:
        """A parent at the end of their strength: warmth, a person now (or when we open, with
        the helpline's contact) and one line about 113; never "dat weet ik niet". When the
        message also asks something one FAQ entry clearly answers, that answer follows."""
        t = self.texts
        session.note_triage("distress")
        session.event("distress")
        parts = [t.say("distress")]
        if not self.person.hours.is_open(session.now):
            moment = self.person.back_at(session.now)
            parts.append(t.say("distress_closed", moment=moment, contact=self.faq.facts["contact"]))
        parts.append(t.say("distress_dark"))
        self._help_then_answer(session, "\n\n".join(parts), *self._clear_answer(text))

    def _help_then_answer(
        self,
        session: Session,
        help_text: str,
        answer: FaqEntry | None,
        maybe: tuple[FaqEntry, ...] = (),
    ) -> None:
        """The help, then the FAQ answer if there is one (its buttons offer a person too),
        else the buttons to a person or back to where they were, with any entries it might be."""
        reads = [Faq(entry.id).button(entry.title) for entry in maybe]
        session.reply(help_text, () if answer else reads + self._help_buttons(session))
        if answer is not None:
            session.event("faq", topic=answer.id, outcome="answer")
            self.faq.answer(session, answer)

    def _help_buttons(self, session: Session) -> list[Button]:
        """After crisis or distress help: a person, or on where they were."""
        t = self.texts
        buttons = [Menu("person").button(t.button("person"))]
        if session.state == "tree":
            buttons.append(TreeNav("resume").button(t.button("resume")))
        buttons.append(Menu("menu").button(t.button("menu")))
        return buttons

    def _run_command(self, session: Session, command: str) -> None:
        if command == "start" or command == "menu":
            self.faq.menu(session)
        elif command == "stop":
            session.event("stop")
            session.state, session.path = "menu", []
            session.reply(self.texts.say("stopped"), self.faq.menu_buttons())
        elif command == "help":
            self.faq.menu(session, self.texts.say("help"))
        elif command == "privacy":
            self.faq.answer(session, self.faq.entries["privacy"])
        else:
            self._unknown_command(session)

    def _unknown_command(self, session: Session) -> None:
        """Say the command is unknown and keep the buttons the parent had, so nothing is lost."""
        shown = session.shown
        if shown:
            session.reply(self.texts.say("unknown_command"), shown)
        else:
            self.faq.menu(session, self.texts.say("unknown_command"))

    def _pressed(
        self, session: Session, choice: str | None, text: str, latest: Handoff | None
    ) -> Press | None:
        """The button the parent chose, by press or by typing its number or label."""
        if choice is None:
            typed = typed_choice(text, session.shown)
            choice = typed.id if typed is not None else None
        if choice is None:
            return None
        press = parse_button(choice)
        return press if self._is_live(session, press, latest) else None

    def _is_live(self, session: Session, press: Press, latest: Handoff | None) -> bool:
        """Whether a button still means something now; old ones get 'deze keuze is verlopen'."""
        match press:
            case Menu():
                return True
            case Faq(entry):
                return entry in self.faq.entries
            case FaqFeedback(_, entry):
                return entry == session.data.last_faq
            case PickRole() | PickTopic():
                return self.person.is_live(session, press)
            case HandoffFeedback() | Reopen():
                return self.desk.is_live(session, press, latest)
            case TreeNav("resume"):
                return True
            case TreeNav() | TreeStep():
                if session.state != "tree" or not self.tree.is_valid(session):
                    return False
                return isinstance(press, TreeNav) or self.tree.allows(session, press.node)
        return False

    def _press(self, session: Session, press: Press) -> None:
        match press:
            case Menu("ask"):
                session.state = "asking"
                session.reply(self.texts.say("ask_prompt"))
            case Menu("tree"):
                self.tree.enter(session)
            case Menu("person"):
                self.person.start(session)
            case Menu():
                self.faq.menu(session)
            case Faq(entry_id):
                entry = self.faq.entries[entry_id]
                session.event("faq", topic=entry.id, outcome="chosen")
                session.took_suggestion = session.data.suggested
                session.data.suggested = False
                if session.took_suggestion:
                    session.data.question_for = entry.id  # the typed question meant this one
                self.faq.answer(session, entry)
            case FaqFeedback(helped, entry_id):
                self.faq.feedback(session, helped, entry_id)
            case HandoffFeedback() | Reopen():
                session.action = press  # the engine does it against the queue
            case PickRole() | PickTopic():
                self.person.press(session, press)
            case TreeNav("resume"):
                self.tree.resume(session)
            case TreeNav("back"):
                self.tree.back(session)
            case TreeNav():
                self.tree.restart(session)
            case TreeStep(node):
                self.tree.choose(session, node)

    def _stale(self, session: Session) -> None:
        session.event("stale_button")
        session.reply(self.texts.say("stale_choice"))
        self.show_current(session)

    def show_current(self, session: Session) -> None:
        if session.state == "tree" and self.tree.is_valid(session):
            self.tree.show(session)
        elif session.state == "tree":
            self.tree.reset_changed(session)
        else:
            self.faq.menu(session)

    def _free_text(self, session: Session, text: str) -> None:
        limit = self.max_message_chars
        if len(text) > limit:
            session.reply(self.texts.say("too_long"))
        if session.state in ("asking", "person"):
            session.state = "menu"
        self.faq.show_match(session, self.matcher.match(text[:limit]), text[:limit])
