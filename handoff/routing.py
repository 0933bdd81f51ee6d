"""Who hears about a handoff: the requested role with a matching topic and room first."""

from __future__ import annotations

from collections.abc import Sequence

from handoff.model import Handoff, Volunteer


def notify_targets(
    handoff: Handoff, reachable: Sequence[Volunteer], *, widen: bool = False
) -> list[Volunteer]:
    """The volunteers to announce a handoff to, best match first.

    Urgent: advisors with room and every coordinator, buddies once it is open to them.
    Widened (unclaimed too long): everyone reachable. Else the preferred (previous) volunteer
    if they have room; else the requested role with a matching topic, then the role.
    """
    if handoff.urgent:
        return urgent_targets(handoff, reachable)
    if widen:
        return list(reachable)
    helpers = [v for v in reachable if v.role != "coordinator" and v.free > 0]
    preferred = [v for v in helpers if v.id == handoff.preferred_volunteer]
    if preferred:
        return preferred
    by_role = [v for v in helpers if v.serves(handoff.role)]
    by_topic = [v for v in by_role if handoff.topic and handoff.topic in v.topics]
    # Nobody of the asked role has room: nobody else is told now. The parent chose to wait
    # (or was offered the other role); escalation widens it to everyone later.
    return by_topic or by_role


def urgent_targets(handoff: Handoff, reachable: Sequence[Volunteer]) -> list[Volunteer]:
    """Who hears of an urgent request: professionals first (advisors with room, coordinators
    always); buddies only once it is open to them."""
    first = [v for v in reachable if _professional(v)]
    if handoff.open_to_buddies:
        first += [v for v in reachable if v.role == "buddy" and v.free > 0]
    return first


def _professional(v: Volunteer) -> bool:
    """A coordinator, or an advisor with room: who takes an urgent request first."""
    return v.role == "coordinator" or (v.role == "advisor" and v.free > 0)


def professionals_free(reachable: Sequence[Volunteer]) -> bool:
    """Whether an advisor with room or a coordinator can take an urgent request now."""
    return any(_professional(v) for v in reachable)


def may_claim(volunteer: Volunteer, handoff: Handoff) -> bool:
    """A buddy takes an urgent request only once it is open to buddies."""
    return not (volunteer.role == "buddy" and handoff.urgent and not handoff.open_to_buddies)


def helpers_for(role: str, reachable: Sequence[Volunteer]) -> list[Volunteer]:
    """Reachable advisors and buddies who take requests for `role` (busy ones included)."""
    return [v for v in reachable if v.role != "coordinator" and v.serves(role)]


def coordinators(reachable: Sequence[Volunteer]) -> list[Volunteer]:
    """Coordinators to alert when a parent waits too long or is in crisis."""
    return [v for v in reachable if v.role == "coordinator"]


def claim_roles(volunteer: Volunteer) -> tuple[str, ...]:
    """Which requests a volunteer's *Volgende* takes: their own role and 'either'.

    Coordinators take anything, so a busy day never leaves a parent without anyone.
    """
    if volunteer.role == "coordinator":
        return ("advisor", "buddy", "either")
    return (volunteer.role, "either")


def previous_volunteer(
    handoffs_volunteer: int | None, reachable: Sequence[Volunteer], role: str
) -> Volunteer | None:
    """The parent's previous volunteer, if they are reachable, have room and serve `role`."""
    for v in reachable:
        if v.id == handoffs_volunteer and v.free > 0 and v.serves(role):
            return v
    return None
