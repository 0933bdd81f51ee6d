"""Walking "School lukt niet, wat nu?": questions as buttons, leaves with steps and a person.

The path from the start node to the current node is the conversation's `path`, so *Terug* is
a pop, *Opnieuw* a reset, and a later handoff can show a volunteer the route the parent took.
"""

from __future__ import annotations

from itertools import pairwise

from bot.core.buttons import Faq, Menu, TreeNav, TreeStep
from bot.core.session import Session
from bot.core.texts import Texts
from faq.decision_tree import DecisionTree
from faq.model import FaqEntry


class TreeFlow:
    """Moves a session through the decision tree and renders the current node."""

    def __init__(self, tree: DecisionTree, texts: Texts, entries: dict[str, FaqEntry]) -> None:
        self.tree = tree
        self.texts = texts
        self.entries = entries

    def enter(self, session: Session) -> None:
        session.state = "tree"
        session.path = [self.tree.start]
        session.event("tree", topic=self.tree.start, outcome="start")
        session.reply(self.texts.say("tree_intro"))
        self.show(session)

    def is_valid(self, session: Session) -> bool:
        """False when the stored path no longer fits the tree (content changed since)."""
        nodes = self.tree.nodes
        if not session.path or session.path[0] != self.tree.start:
            return False
        pairs = pairwise(session.path)
        return (
            all(a in nodes and any(c.next == b for c in nodes[a].choices) for a, b in pairs)
            and session.path[-1] in nodes
        )

    def allows(self, session: Session, target: str) -> bool:
        """Is t:<target> a choice of the current node? Otherwise the button is stale."""
        node = session.node
        return node is not None and any(c.next == target for c in self.tree.node(node).choices)

    def choose(self, session: Session, target: str) -> None:
        session.path.append(target)
        self._record(session)
        self.show(session)

    def back(self, session: Session) -> None:
        if len(session.path) > 1:
            session.path.pop()
        self.show(session)

    def restart(self, session: Session) -> None:
        session.path = [self.tree.start]
        session.event("tree", topic=self.tree.start, outcome="restart")
        self.show(session)

    def resume(self, session: Session) -> None:
        if session.state == "tree" and self.is_valid(session):
            self.show(session)
        else:
            self.enter(session)

    def reset_changed(self, session: Session) -> None:
        session.reply(self.texts.say("tree_changed"))
        self.enter(session)

    def _record(self, session: Session) -> None:
        node = self.tree.node(session.path[-1])
        session.event("tree", topic=node.id, outcome="leaf" if node.is_leaf else "step")

    def show(self, session: Session) -> None:
        """Render the current node: its question with choices, or a leaf with next steps."""
        t = self.texts
        node = self.tree.node(session.path[-1])
        session.data.tree_leaf = node.is_leaf  # leaving from a leaf is finishing, not leaving
        session.data.tree_left = False  # back on the route
        deeper = len(session.path) > 1  # on the first question, back and restart mean nothing
        nav = (
            [
                TreeNav("back").button(t.button("back")),
                TreeNav("restart").button(t.button("restart")),
            ]
            if deeper
            else []
        )
        if not node.is_leaf:
            choices = [TreeStep(c.next).button(c.label) for c in node.choices]
            session.reply(node.text, choices + nav)
            return
        # Bullets, not numbers: "1." above button [1] makes a parent press the wrong one.
        steps = "\n".join(f"• {step}" for step in node.steps)
        text = f"{node.text}\n\n{t.say('tree_steps')}\n{steps}"
        if node.provenance.link:
            text += "\n\n" + t.say("source_link", link=node.provenance.link)
        reads = [Faq(f).button(self.entries[f].title) for f in node.faq if f in self.entries]
        if reads:
            text += f"\n\n{t.say('tree_read_more')}"
        text += f"\n\n{t.say('tree_person')}"
        person = Menu("person").button(t.button("person"))
        session.reply(text, [person, *reads, *nav, Menu("menu").button(t.button("menu"))])

    def summary(self, path: list[str]) -> list[str]:
        """The route as 'question → chosen answer' lines, for a volunteer later (issue 4)."""
        lines = []
        for here, there in pairwise(path):
            node = self.tree.nodes.get(here)
            label = (
                next((c.label for c in node.choices if c.next == there), there) if node else there
            )
            lines.append(f"{node.text if node else here} → {label}")
        return lines
