"""Button presses, typed: each builds its id, and `bot.core.choices.parse_button` reads any
id back into its press, so building and parsing cannot drift.

An id is short and stable ("m:ask", "fb:y:ouderavond", "h:reopen:12", "v:close!:12:advice"):
it fits Telegram's 64 bytes of callback data, and a button pressed days later still means
what it meant when it was sent (old buttons in parents' chats keep working). A press builds
its id (`press.id`) or a whole button (`press.button(label)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeVar

from bot.core.messages import Button

L = TypeVar("L", bound=str)

# Id prefixes, one per kind of press.
MENU = "m:"  # m:ask, m:tree, m:person, m:menu, m:forget:yes
FAQ = "f:"  # f:<faq id>
FEEDBACK = "fb:"  # fb:y:<faq id>, fb:n:<faq id>
TREE = "t:"  # t:<node id>, t:back, t:restart, t:resume
HANDOFF = "h:"  # parent: h:role:<role>, h:topic:<id>, h:leave, h:anyone:<n>, h:fb:y:<n>, ...
VOLUNTEER = "v:"  # volunteer: v:claim:<n>, v:pass:<n>:<target>, v:close:<n>:<outcome>, ...
NO_TOPIC = "-"  # h:topic:- is "something else"

MenuAction = Literal["ask", "tree", "person", "menu"]
MENU_ACTIONS: tuple[MenuAction, ...] = ("ask", "tree", "person", "menu")
TreeMove = Literal["back", "restart", "resume"]
TREE_MOVES: tuple[TreeMove, ...] = ("back", "restart", "resume")
RequestedRole = Literal["advisor", "buddy", "either"]  # handoff.model.REQUESTED_ROLES
REQUESTED_ROLES: tuple[RequestedRole, ...] = ("advisor", "buddy", "either")
QueueKind = Literal["anyone", "either", "wait", "stop"]
QUEUE_KINDS: tuple[QueueKind, ...] = ("anyone", "either", "wait", "stop")
Flag = Literal["cancel", "available", "away"]
FLAGS: tuple[Flag, ...] = ("cancel", "available", "away")
CaseKind = Literal["claim", "switch", "say", "note", "keep", "block"]
CASE_KINDS: tuple[CaseKind, ...] = ("claim", "switch", "say", "note", "keep", "block")
CaseMenuKind = Literal["pass", "release", "close"]
MENU_IDS: dict[CaseMenuKind, str] = {
    "pass": "passmenu",
    "release": "release",
    "close": "closemenu",
}
PassRole = Literal["advisor", "buddy"]
PASS_ROLES: tuple[PassRole, ...] = ("advisor", "buddy")
Outcome = Literal["advice", "referred", "buddy_contact", "no_response", "other"]
OUTCOMES: tuple[Outcome, ...] = ("advice", "referred", "buddy_contact", "no_response", "other")


def one_of(value: object, options: tuple[L, ...]) -> L | None:
    """`value` as one of `options` (a Literal's values), or None."""
    return next((option for option in options if option == value), None)


class _Press:
    """What every press can do: give its id, and become a button with a label."""

    __slots__ = ()

    @property
    def id(self) -> str:
        raise NotImplementedError

    def button(self, label: str) -> Button:
        return Button(self.id, label)


# -- a parent's presses ------------------------------------------------------------------------


@dataclass(frozen=True)
class Menu(_Press):
    """m:ask, m:tree, m:person, m:menu."""

    action: MenuAction

    @property
    def id(self) -> str:
        return f"{MENU}{self.action}"


@dataclass(frozen=True)
class Forget(_Press):
    """m:forget:yes, m:forget:no: the answer to "alles wissen?"."""

    yes: bool

    @property
    def id(self) -> str:
        return f"{MENU}forget:{'yes' if self.yes else 'no'}"


@dataclass(frozen=True)
class Faq(_Press):
    """f:<faq id>: read an entry."""

    entry: str

    @property
    def id(self) -> str:
        return f"{FAQ}{self.entry}"


@dataclass(frozen=True)
class FaqFeedback(_Press):
    """fb:y:<faq id>, fb:n:<faq id>: 👍 or 👎 under an answer."""

    helped: bool
    entry: str

    @property
    def id(self) -> str:
        return f"{FEEDBACK}{'y' if self.helped else 'n'}:{self.entry}"


@dataclass(frozen=True)
class TreeNav(_Press):
    """t:back, t:restart, t:resume."""

    move: TreeMove

    @property
    def id(self) -> str:
        return f"{TREE}{self.move}"


@dataclass(frozen=True)
class TreeStep(_Press):
    """t:<node id>: a choice on the current step of the tree."""

    node: str

    @property
    def id(self) -> str:
        return f"{TREE}{self.node}"


@dataclass(frozen=True)
class PickRole(_Press):
    """h:role:<advisor|buddy|either>: the kind of person a parent asks for."""

    role: RequestedRole

    @property
    def id(self) -> str:
        return f"{HANDOFF}role:{self.role}"


@dataclass(frozen=True)
class PickTopic(_Press):
    """h:topic:<topic>, or h:topic:- for "iets anders" (None)."""

    topic: str | None

    @property
    def id(self) -> str:
        return f"{HANDOFF}topic:{self.topic or NO_TOPIC}"


@dataclass(frozen=True)
class Leave(_Press):
    """h:leave: leave the queue or end the conversation (asked again when it matters)."""

    @property
    def id(self) -> str:
        return f"{HANDOFF}leave"


@dataclass(frozen=True)
class Stay(_Press):
    """h:stay: "nee, ik blijf" after being asked whether to stop."""

    @property
    def id(self) -> str:
        return f"{HANDOFF}stay"


@dataclass(frozen=True)
class QueueStep(_Press):
    """h:anyone:<n>, h:either:<n>, h:wait:<n>, h:stop:<n>: a waiting or talking parent's
    choice about handoff n (anyone rather than the previous volunteer, the other role, keep
    waiting, stop for sure)."""

    kind: QueueKind
    handoff: int

    @property
    def id(self) -> str:
        return f"{HANDOFF}{self.kind}:{self.handoff}"


@dataclass(frozen=True)
class HandoffFeedback(_Press):
    """h:fb:y:<n>, h:fb:n:<n>: did the conversation help?"""

    helped: bool
    handoff: int

    @property
    def id(self) -> str:
        return f"{HANDOFF}fb:{'y' if self.helped else 'n'}:{self.handoff}"


@dataclass(frozen=True)
class Reopen(_Press):
    """h:reopen:<n>: talk again about a closed handoff."""

    handoff: int

    @property
    def id(self) -> str:
        return f"{HANDOFF}reopen:{self.handoff}"


# -- a volunteer's presses ---------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerFlag(_Press):
    """v:cancel, v:available, v:away."""

    kind: Flag

    @property
    def id(self) -> str:
        return f"{VOLUNTEER}{self.kind}"


@dataclass(frozen=True)
class Case(_Press):
    """v:claim:<n>, v:switch:<n>, v:say:<n>, v:note:<n> (the console's boxes, with the text
    along), v:keep:<n> ("nee" to a handing-on question)."""

    kind: CaseKind
    handoff: int

    @property
    def id(self) -> str:
        return f"{VOLUNTEER}{self.kind}:{self.handoff}"


@dataclass(frozen=True)
class CaseMenu(_Press):
    """v:passmenu:<n>, v:release:<n>, v:closemenu:<n>: open the question for handing on."""

    menu: CaseMenuKind
    handoff: int

    @property
    def id(self) -> str:
        return f"{VOLUNTEER}{MENU_IDS[self.menu]}:{self.handoff}"


@dataclass(frozen=True)
class Release(_Press):
    """v:release!:<n>: back to the queue, confirmed."""

    handoff: int

    @property
    def id(self) -> str:
        return f"{VOLUNTEER}release!:{self.handoff}"


@dataclass(frozen=True)
class Close(_Press):
    """v:close:<n>:<outcome> (asks first), v:close!:<n>:<outcome> (confirmed)."""

    handoff: int
    outcome: Outcome
    sure: bool = False

    @property
    def id(self) -> str:
        return f"{VOLUNTEER}close{'!' if self.sure else ''}:{self.handoff}:{self.outcome}"


@dataclass(frozen=True)
class Pass(_Press):
    """v:pass:<n>:<advisor|buddy|volunteer id> (asks first), v:pass!:… (confirmed)."""

    handoff: int
    target: PassRole | int
    sure: bool = False

    @property
    def id(self) -> str:
        return f"{VOLUNTEER}pass{'!' if self.sure else ''}:{self.handoff}:{self.target}"


@dataclass(frozen=True)
class Unknown(_Press):
    """Anything else: a forged, malformed or outdated id (the flows call it stale)."""

    raw: str

    @property
    def id(self) -> str:
        return self.raw


ParentPress = (
    Menu
    | Forget
    | Faq
    | FaqFeedback
    | TreeNav
    | TreeStep
    | PickRole
    | PickTopic
    | Leave
    | Stay
    | QueueStep
    | HandoffFeedback
    | Reopen
)
VolunteerPress = VolunteerFlag | Case | CaseMenu | Release | Close | Pass
Press = ParentPress | VolunteerPress | Unknown
# The presses that act on one handoff of a volunteer's (a `handoff` field).
CASE_PRESSES = (Case, CaseMenu, Release, Close, Pass)
