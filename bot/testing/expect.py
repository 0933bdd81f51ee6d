"""The `expect=` check of the fakes: did one of the replies say this? With a readable failure."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.messages import Outbound

Expect = str | Sequence[str] | None


def fragments(expect: Expect) -> list[str]:
    """The fragments an `expect=` asks for: one text, or a list of which all are required."""
    if expect is None:
        return []
    return [expect] if isinstance(expect, str) else list(expect)


def missing(replies: Sequence[Outbound], expect: Expect) -> list[str]:
    """The fragments no reply contains (case-insensitive), in the order they were asked."""
    texts = [reply.text.casefold() for reply in replies]
    return [f for f in fragments(expect) if not any(f.casefold() in text for text in texts)]


def show(replies: Sequence[Outbound], indent: str = "  ") -> str:
    """Replies as a person reads them: each text, then its buttons in brackets."""
    if not replies:
        return f"{indent}(nothing)"
    lines = []
    for reply in replies:
        text = reply.text.replace("\n", "\n" + indent + "  ")
        buttons = " ".join(f"[{b.label}]" for b in reply.buttons)
        lines.append(f"{indent}- {text}" + (f"\n{indent}  {buttons}" if buttons else ""))
    return "\n".join(lines)


def check(replies: Sequence[Outbound], expect: Expect, after: str) -> None:
    """Fail with what the bot actually said when a fragment of `expect` is in no reply."""
    absent = missing(replies, expect)
    if absent:
        wanted = ", ".join(repr(f) for f in absent)
        raise AssertionError(
            f"after {after}: no reply contains {wanted}; the bot said:\n" + show(replies)
        )
