"""Who hears about a handoff: the requested role with a matching topic and room first."""

from __future__ import annotations

from collections.abc import Sequence

from handoff.model import Handoff, Volunteer


def notify_targets(
    handoff: Handoff, reachable: Sequence[Volunteer], *, widen: bool = False
) -> list[Volunteer]:
    """The volunteers to announce a handoff to, best match first.

    Urgent or widened (unclaimed too long): everyone reachable, coordinators included. Else
    the preferred (previous) volunteer if they have room; else the requested role with a
    matching topic, then the role, then anyone with room.
    """
    if handoff.urgent or widen:
        return list(reachable)
    helpers = [v for v in reachable if v.role != "coordinator" and v.free > 0]
    preferred = [v for v in helpers if v.id == handoff.preferred_volunteer]
    if preferred:
        return preferred
    by_role = [v for v in helpers if v.serves(handoff.role)]
    by_topic = [v for v in by_role if handoff.topic and handoff.topic in v.topics]
    return by_topic or by_role or helpers


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
