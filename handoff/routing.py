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


# -- a bounded announcement that widens step by step --------------------------------------


def announce_set(
    handoff: Handoff,
    reachable: Sequence[Volunteer],
    *,
    step: int,
    limit: int,
    already: frozenset[int] = frozenset(),
) -> list[Volunteer]:
    """The volunteers to tell NOW about `handoff`: at most `limit` advisors and buddies, never
    one in `already`; step 0 the best match, each later step the next ones of `candidates`.

    Step 0: the preferred volunteer if they have room; else the requested role with room,
    matching topic first. Urgent: advisors with room (buddies once open to them) and, outside
    the limit, every coordinator not told yet, at every step.
    """
    if limit < 1 or step < 0:
        raise ValueError("limit must be at least 1 and step at least 0")
    pool = [v for v in candidates(handoff, reachable) if v.id not in already]
    picked = _first(handoff, pool, limit) if step == 0 else pool[:limit]
    if not handoff.urgent:
        return picked
    told = [v for v in coordinators(reachable) if v.id not in already]
    professionals = [v for v in picked if v.role != "buddy"]
    buddies = [v for v in picked if v.role == "buddy"]
    return professionals + sorted(told, key=lambda v: v.id) + buddies


def candidates(handoff: Handoff, reachable: Sequence[Volunteer]) -> list[Volunteer]:
    """Everyone who may be told of `handoff`, best first: the tier, then most free places,
    fewest active, id. Coordinators are not in it (they hear of every urgent request and of
    escalations by themselves)."""
    ranked = [(t, v) for v in reachable if (t := _tier(handoff, v)) is not None]
    ranked.sort(key=lambda tv: (tv[0], -tv[1].free, tv[1].active, tv[1].id))
    return [v for _, v in ranked]


def steps_needed(handoff: Handoff, reachable: Sequence[Volunteer], *, limit: int) -> int:
    """How many steps (step 0 included) tell everyone in `candidates` when nobody comes or
    goes meanwhile; the watch may stop escalating after that (or once a step returns [])."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    pool = candidates(handoff, reachable)
    rest = len(pool) - len(_first(handoff, pool, limit))
    return 1 + -(-rest // limit)  # ceil


def _first(handoff: Handoff, pool: list[Volunteer], limit: int) -> list[Volunteer]:
    """Step 0 out of a ranked pool: the preferred volunteer alone; else (not urgent) the
    role with room and the topic, or, when none has the topic, the role with room; urgent:
    every professional with room (and buddies once open), best first."""
    best = [v for v in pool if (_tier(handoff, v) or 0) <= _FIRST_TIER[handoff.urgent]]
    preferred = [v for v in best if _tier(handoff, v) == 0]
    if preferred:
        return preferred[:limit]
    if not handoff.urgent:
        topical = [v for v in best if _tier(handoff, v) == 1]
        return (topical or best)[:limit]
    return best[:limit]


# Non-urgent tiers: 0 the preferred volunteer with room, 1 the role with room and the topic,
# 2 the role with room, 3 the role without room, 4 the other role with room, 5 the other role.
# Urgent: 1 advisors with room and the topic, 2 advisors with room, 3 buddies with room (once
# open to them), 4 busy advisors, 5 busy buddies (once open to them). Step 0 takes tiers up to
# _FIRST_TIER[urgent]; None = never told by `announce_set`.
_FIRST_TIER = {False: 2, True: 3}


def _tier(handoff: Handoff, v: Volunteer) -> int | None:
    if v.role == "coordinator":
        return None
    room = v.free > 0
    topic = bool(handoff.topic) and handoff.topic in v.topics
    if handoff.urgent:
        if v.role == "buddy" and not handoff.open_to_buddies:
            return None
        if v.role == "advisor":
            return (1 if topic else 2) if room else 4
        return 3 if room else 5
    if room and v.id == handoff.preferred_volunteer:
        return 0
    if v.serves(handoff.role):
        return (1 if topic else 2) if room else 3
    return 4 if room else 5
