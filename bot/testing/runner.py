"""Runs a parsed transcript against a whole helpline (fake channel, fake clock, real engine).

Every failure is a TranscriptError naming file and line, with the conversation so far."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core.messages import Button, Outbound
from bot.testing.expect import show
from bot.testing.fakes import FakeParent, Helpline
from bot.testing.transcript import DEFAULT_PARENT, Scenario, Step
from handoff.model import HandoffError

SHOWN = 30  # entries of the conversation a failure shows


class TranscriptError(AssertionError):
    """A step that did not hold: where, what, and what was said up to there."""

    def __init__(
        self, scenario: Scenario, step: Step, message: str, detail: str, conversation: str
    ) -> None:
        super().__init__(
            f"{scenario.path}:{step.line}: {message}\n    {step.source}\n"
            + (f"\n{detail}\n" if detail else "")
            + f"\nConversation so far ({scenario.name}):\n{conversation}"
        )
        self.path, self.line = scenario.path, step.line


@dataclass
class Participant:
    """A parent or volunteer of the transcript, and how much they had read at the last step."""

    label: str  # how the conversation log names them
    fake: FakeParent
    mark: int = 0

    def since(self) -> list[Outbound]:
        """What they received since the last acting step."""
        return self.fake.received[self.mark :]


@dataclass
class Run:
    """The state of one scenario's run: participants and the conversation log."""

    scenario: Scenario
    line: Helpline
    parents: dict[str, Participant] = field(default_factory=dict)
    volunteers: dict[str, Participant] = field(default_factory=dict)
    last_parent: str = DEFAULT_PARENT
    log: list[str] = field(default_factory=list)

    def fail(self, step: Step, message: str, detail: str = "") -> TranscriptError:
        """The failure of `step`, with the latest part of the conversation."""
        shown = self.log[-SHOWN:]
        cut = ["  …"] if len(self.log) > SHOWN else []
        conversation = "\n".join(cut + shown) or "  (nothing yet)"
        return TranscriptError(self.scenario, step, message, detail, conversation)

    def parent(self, name: str) -> Participant:
        """The parent with this name, created (with a platform account) on first use."""
        key = name.casefold()
        if key not in self.parents:
            label = "parent" if key == DEFAULT_PARENT else f"parent {name}"
            self.parents[key] = Participant(label, self.line.parent())
        return self.parents[key]

    def volunteer(self, step: Step) -> Participant:
        """A declared volunteer, or a failure that says how to declare one."""
        found = self.volunteers.get(step.name.casefold())
        if found is None:
            raise self.fail(
                step,
                f"volunteer {step.name!r} is not declared; first write: "
                f"volunteer {step.name} (buddy): /aanmelden",
            )
        return found

    def everyone(self) -> list[Participant]:
        """All participants, parents first."""
        return [*self.parents.values(), *self.volunteers.values()]


async def run_scenario(scenario: Scenario, line: Helpline) -> None:
    """Play every step of `scenario` on `line`; raise TranscriptError at the first that fails."""
    run = Run(scenario, line)
    for step in scenario.steps:
        try:
            if step.acts:
                await act(run, step)
            else:
                check(run, step)
        except TranscriptError:
            raise
        except Exception as error:  # a crash in the bot: keep the traceback, say where
            error.add_note(f"{scenario.path}:{step.line}: while running: {step.source}")
            raise


async def act(run: Run, step: Step) -> None:
    """Do what an acting step says, then log what everyone received because of it."""
    for person in run.everyone():
        person.mark = len(person.fake.received)
    if step.kind == "clock":
        run.log.append(f"{step.line:>4} {step.source}")
        await run.line.tick(seconds=step.delta.total_seconds())
    elif step.kind == "join":
        await join(run, step)
    else:
        who = run.parent(step.name) if step.who == "parent" else run.volunteer(step)
        if step.who == "parent":
            run.last_parent = step.name.casefold()
        run.log.append(f"{step.line:>4} {step.source}")
        await perform(run, step, who)
    for person in run.everyone():
        for message in person.since():
            run.log.append(f"       → {person.label}:\n" + show([message], indent="         "))


async def join(run: Run, step: Step) -> None:
    """Register a volunteer (as `ouderlijn volunteer add` does) and link their account."""
    key = step.name.casefold()
    if key in run.volunteers:
        raise run.fail(step, f"volunteer {step.name!r} is declared twice")
    run.log.append(f"{step.line:>4} {step.source}")
    try:
        fake = await run.line.volunteer(step.name, step.role, step.topics)
    except (HandoffError, ValueError, AssertionError) as error:
        raise run.fail(step, f"could not register {step.name!r} as {step.role}: {error}") from None
    run.volunteers[key] = Participant(f"volunteer {step.name}", fake, len(fake.received))


async def perform(run: Run, step: Step, who: Participant) -> None:
    """Type, press, send media or open the chat as `who`."""
    fake = who.fake
    if step.kind == "say":
        await fake.says(step.text)
    elif step.kind == "media":
        await fake.sends(step.text)
    elif step.kind == "open":
        await fake.opens()
    elif step.old:
        button = find(earlier_buttons(fake), step.text)
        if button is None:
            raise run.fail(step, f"no earlier message has a button [{step.text}]")
        await fake.presses_id(button.id)
    else:
        button = find(fake.keyboard, step.text)
        if button is None:
            labels = " ".join(f"[{b.label}]" for b in fake.keyboard) or "no buttons at all"
            raise run.fail(step, f"no button [{step.text}] on the latest keyboard: {labels}")
        await fake.presses(button.label)


def earlier_buttons(fake: FakeParent) -> list[Button]:
    """Buttons of the messages before the latest keyboard, newest first."""
    with_buttons = [m for m in fake.received if m.buttons]
    return [b for m in reversed(with_buttons[:-1]) for b in m.buttons]


def find(buttons: Sequence[Button], wanted: str) -> Button | None:
    """The button labelled `wanted` (case-insensitive), else the first whose label starts so."""
    key = wanted.casefold()
    exact = [b for b in buttons if b.label.casefold() == key]
    starts = [b for b in buttons if b.label.casefold().startswith(key)]
    return next(iter(exact or starts), None)


def contains(text: str, fragment: str) -> bool:
    """Whether `text` contains `fragment`, case-insensitive; `…` (or `...`) in the fragment
    stands for anything, so `Ouder #… · wil praten met` skips the code."""
    at = 0
    for piece in re.split(r"…|\.\.\.", fragment.casefold()):
        found = text.casefold().find(piece, at)
        if found < 0:
            return False
        at = found + len(piece)
    return True


def check(run: Run, step: Step) -> None:
    """A `bot:`, `bot!:`, `<-` or `!<-` line: text and buttons of what someone received."""
    if step.who == "volunteer":
        who = run.volunteer(step)
    else:
        who = run.parent(step.name if step.who == "parent" else run.last_parent)
    received = who.since()
    texts = [m.text for m in received]
    labels = [b.label for b in who.fake.keyboard]
    said = f"{who.label} received since the last step:\n{show(received)}"
    if step.text:
        found = any(contains(t, step.text) for t in texts)
        if found != (step.kind == "see"):
            verb = "no message contains" if step.kind == "see" else "a message does contain"
            raise run.fail(step, f"{verb} {step.text!r}", said)
    for wanted in step.buttons:
        there = any(label.casefold().startswith(wanted.casefold()) for label in labels)
        if there != (step.kind == "see"):
            verb = "is not" if step.kind == "see" else "is"
            shown = " ".join(f"[{label}]" for label in labels) or "no buttons at all"
            raise run.fail(step, f"[{wanted}] {verb} on the latest keyboard: {shown}", said)
