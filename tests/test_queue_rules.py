"""Queue rules at national scale: wait estimates for everyone in one pass, a bounded
announcement that widens step by step, and pseudonym codes that never run out."""

from __future__ import annotations

import itertools
import random
import string
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from handoff import codes, routing
from handoff.model import Handoff, Role, Summary, Volunteer
from handoff.wait import estimate, estimates

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def handoff(
    id: int,
    role: str = "advisor",
    *,
    topic: str | None = None,
    severity: int = 0,
    minute: float = 0,
    urgent: bool = False,
    open_to_buddies: bool = True,
    preferred: int | None = None,
) -> Handoff:
    at = T0 + timedelta(minutes=minute)
    return Handoff(
        id=id,
        code=f"K{id}",
        conversation_id=f"c{id}",
        channel="telegram",
        role=role,
        topic=topic,
        urgent=urgent,
        status="queued",
        volunteer_id=None,
        preferred_volunteer=preferred,
        summary=Summary(),
        first_requested_at=at,
        requested_at=at,
        severity=severity,
        open_to_buddies=open_to_buddies,
    )


def volunteer(
    id: int,
    name: str,
    role: Role,
    *,
    topics: tuple[str, ...] = (),
    max_active: int = 2,
    active: int = 0,
    available: bool = True,
) -> Volunteer:
    return Volunteer(
        id, name, role, topics, max_active, available, f"a{id}", "telegram", active=active
    )


def in_queue_order(handoffs: list[Handoff]) -> list[Handoff]:
    return sorted(handoffs, key=lambda h: (-h.severity, h.requested_at, h.id))


def names(people: list[Volunteer]) -> list[str]:
    return [v.name for v in people]


# -- 1. wait estimates for everyone in one pass ------------------------------------------------


def random_world(rng: random.Random) -> tuple[list[Handoff], list[Volunteer], list[float]]:
    size = rng.choice([0, 1, 2, 3, 5, 8, 13, 30, 60])
    ids = rng.sample(range(1, 10 * size + 10), size)
    queue = [
        handoff(
            i,
            rng.choice(["advisor", "buddy", "either"]),
            severity=rng.choice([0, 0, 0, 1, 2, 3]),
            minute=rng.choice([0, 0, 1, 2, 2.5, 7]),  # many equal requested_at
        )
        for i in ids
    ]
    queue = in_queue_order(queue)
    if rng.random() < 0.1:  # even out of order: positions follow the list, "ahead" the keys
        rng.shuffle(queue)
    people = [
        volunteer(
            n,
            f"v{n}",
            rng.choice(["advisor", "buddy", "coordinator"]),
            max_active=rng.choice([0, 1, 2, 3]),
            active=rng.choice([0, 0, 1, 2, 4]),
            available=rng.random() < 0.7,
        )
        for n in range(rng.choice([0, 1, 2, 4, 9, 20]))
    ]
    options: list[list[float]] = [
        [],
        [12.0],
        [rng.uniform(1, 60) for _ in range(rng.randint(1, 9))],
        [3, 40, 7, 25],  # whole minutes, an even count: the median is a mean
    ]
    handling = rng.choice(options)
    return queue, people, handling


@pytest.mark.parametrize("seed", range(40))
def test_estimates_equal_estimate_for_every_handoff(seed):
    rng = random.Random(seed)
    for _ in range(50):
        queue, people, handling = random_world(rng)
        everyone = estimates(queue, people, handling)
        assert set(everyone) == {h.id for h in queue}
        for h in queue:
            assert everyone[h.id] == estimate(h, queue, people, handling), (seed, h.id)


def test_estimates_on_a_small_readable_queue():
    queue = in_queue_order(
        [
            handoff(1, "advisor", minute=0),
            handoff(2, "buddy", minute=1),
            handoff(3, "either", minute=2),
            handoff(4, "advisor", minute=3, severity=3),  # suicide: first in line
        ]
    )
    eva = volunteer(1, "Eva", "advisor", max_active=1, active=1)  # busy
    sanne = volunteer(2, "Sanne", "buddy", max_active=1)
    got = estimates(queue, [eva, sanne], [30.0])
    assert [got[h.id].position for h in queue] == [1, 2, 3, 4]
    assert got[4].minutes == 30  # nobody free for advisors: one round of 30 minutes
    assert got[2].minutes == 5  # Sanne has room
    assert got[3].minutes == 60  # "either": 3 ahead + itself, 1 free, capacity 2: 2 rounds


def test_estimates_for_ten_thousand_queued_finish():
    rng = random.Random(14)
    queue = in_queue_order(
        [
            handoff(i, rng.choice(["advisor", "buddy", "either"]), severity=rng.randint(0, 3))
            for i in range(1, 10_001)
        ]
    )
    people = [
        volunteer(n, f"v{n}", rng.choice(["advisor", "buddy", "coordinator"]), active=1)
        for n in range(500)
    ]
    handling = [rng.uniform(5, 50) for _ in range(2000)]
    got = estimates(queue, people, handling)
    assert len(got) == 10_000
    for h in rng.sample(queue, 10):
        assert got[h.id] == estimate(h, queue, people, handling)


# -- 2. a bounded announcement that widens step by step -----------------------------------------


EVA = volunteer(1, "Eva", "advisor", topics=("school",), max_active=2)
SANNE = volunteer(2, "Sanne", "advisor", max_active=3)
KEES = volunteer(3, "Kees", "advisor", topics=("school",), max_active=2, active=1)
ANOUK = volunteer(4, "Anouk", "advisor", max_active=1, active=1)  # no room
BRAM = volunteer(5, "Bram", "buddy", max_active=2)
LOTTE = volunteer(6, "Lotte", "buddy", max_active=1, active=1)  # no room
COR = volunteer(7, "Cor", "coordinator", max_active=5)
MIEKE = volunteer(8, "Mieke", "coordinator", max_active=5, active=5)
TEAM = [COR, LOTTE, BRAM, ANOUK, KEES, SANNE, EVA, MIEKE]


def walk(h: Handoff, people: list[Volunteer], limit: int) -> list[list[str]]:
    """Every step until nobody new is left, passing on who was told."""
    told: frozenset[int] = frozenset()
    steps: list[list[str]] = []
    for step in itertools.count():
        new = routing.announce_set(h, people, step=step, limit=limit, already=told)
        if not new:
            return steps
        assert not told & {v.id for v in new}
        told |= {v.id for v in new}
        steps.append(names(new))
    raise AssertionError  # pragma: no cover


def test_step_zero_is_the_topic_else_the_role_with_room_best_first():
    h = handoff(1, "advisor", topic="school")
    # only the topic while anyone has it (Eva: 2 free before Kees: 1 free); the role later
    assert names(routing.announce_set(h, TEAM, step=0, limit=5)) == ["Eva", "Kees"]
    assert names(routing.announce_set(h, TEAM, step=0, limit=2)) == ["Eva", "Kees"]
    no_topic = handoff(2, "advisor")
    # most free places first: Sanne 3, Eva 2, Kees 1 (Anouk has no room)
    assert names(routing.announce_set(no_topic, TEAM, step=0, limit=9)) == [
        "Sanne",
        "Eva",
        "Kees",
    ]


def test_ties_go_to_the_fewest_active_then_the_lowest_id():
    a = volunteer(30, "Noor", "buddy", max_active=3, active=1)  # 2 free, 1 active
    b = volunteer(20, "Daan", "buddy", max_active=2)  # 2 free, 0 active
    c = volunteer(10, "Fenna", "buddy", max_active=2)  # 2 free, 0 active, lowest id
    h = handoff(1, "buddy")
    assert names(routing.announce_set(h, [a, b, c], step=0, limit=3)) == ["Fenna", "Daan", "Noor"]


def test_the_preferred_volunteer_alone_first_then_the_others():
    h = handoff(1, "advisor", topic="school", preferred=SANNE.id)
    assert names(routing.announce_set(h, TEAM, step=0, limit=5)) == ["Sanne"]
    assert walk(h, TEAM, limit=2) == [["Sanne"], ["Eva", "Kees"], ["Anouk", "Bram"], ["Lotte"]]
    busy = handoff(2, "advisor", preferred=ANOUK.id)  # no room: as if there were none
    assert names(routing.announce_set(busy, TEAM, step=0, limit=1)) == ["Sanne"]


def test_escalation_widens_role_then_other_role_then_everyone_never_a_coordinator():
    h = handoff(1, "advisor", topic="school")
    # the rest of the role (Sanne with room, Anouk busy), Bram (a buddy with room), Lotte
    assert walk(h, TEAM, limit=2) == [["Eva", "Kees"], ["Sanne", "Anouk"], ["Bram", "Lotte"]]
    assert routing.steps_needed(h, TEAM, limit=2) == 3
    assert routing.steps_needed(h, TEAM, limit=100) == 2
    either = handoff(2, "either")
    steps = walk(either, TEAM, limit=3)
    assert steps == [["Sanne", "Eva", "Bram"], ["Kees", "Anouk", "Lotte"]]
    assert routing.steps_needed(either, TEAM, limit=3) == len(steps)


def test_nobody_of_the_role_has_room_step_zero_tells_nobody_escalation_does():
    h = handoff(1, "buddy")
    team = [LOTTE, EVA, COR]
    assert routing.announce_set(h, team, step=0, limit=5) == []
    assert names(routing.announce_set(h, team, step=1, limit=5)) == ["Lotte", "Eva"]
    assert routing.announce_set(h, [COR], step=3, limit=5) == []  # coordinators: by alert


def test_no_one_in_already_is_told_again():
    h = handoff(1, "advisor", topic="school")
    told = frozenset({EVA.id, SANNE.id})
    assert names(routing.announce_set(h, TEAM, step=0, limit=5, already=told)) == ["Kees"]
    assert names(routing.announce_set(h, TEAM, step=1, limit=1, already=told)) == ["Kees"]
    everyone = frozenset(v.id for v in TEAM)
    assert routing.announce_set(h, TEAM, step=4, limit=5, already=everyone) == []


def test_urgent_professionals_first_every_coordinator_buddies_only_once_open():
    h = handoff(1, "advisor", urgent=True, open_to_buddies=False)
    # the limit is for advisors and buddies; both coordinators always (Mieke too, busy)
    assert names(routing.announce_set(h, TEAM, step=0, limit=1)) == ["Sanne", "Cor", "Mieke"]
    assert walk(h, TEAM, limit=2) == [["Sanne", "Eva", "Cor", "Mieke"], ["Kees", "Anouk"]]
    opened = handoff(1, "advisor", urgent=True, open_to_buddies=True)
    told = frozenset({SANNE.id, EVA.id, KEES.id, COR.id, MIEKE.id})  # before it opened
    assert names(routing.announce_set(opened, TEAM, step=2, limit=5, already=told)) == [
        "Anouk",
        "Bram",
        "Lotte",
    ]
    # a buddy with room comes before an advisor without
    assert names(routing.announce_set(opened, TEAM, step=0, limit=9)) == [
        "Sanne",
        "Eva",
        "Kees",
        "Cor",
        "Mieke",
        "Bram",
    ]
    assert routing.steps_needed(h, TEAM, limit=2) == 2
    assert routing.steps_needed(opened, TEAM, limit=2) == 3


def test_limits_and_steps_must_make_sense():
    with pytest.raises(ValueError):
        routing.announce_set(handoff(1), TEAM, step=0, limit=0)
    with pytest.raises(ValueError):
        routing.announce_set(handoff(1), TEAM, step=-1, limit=3)


def test_notify_targets_still_answers_as_before():
    h = handoff(1, "advisor", topic="school")
    assert names(routing.notify_targets(h, TEAM)) == ["Kees", "Eva"]
    assert routing.notify_targets(h, TEAM, widen=True) == TEAM


@pytest.mark.parametrize("urgent", [False, True])
def test_five_hundred_volunteers_step_zero_is_bounded_and_the_steps_reach_everyone(urgent):
    rng = random.Random(500)
    people = [
        volunteer(
            n,
            f"v{n}",
            rng.choice(["advisor", "advisor", "buddy", "buddy", "coordinator"]),
            topics=tuple(rng.sample(["school", "sleep", "screen"], rng.randint(0, 2))),
            max_active=rng.randint(1, 3),
            active=rng.randint(0, 3),
        )
        for n in range(500)
    ]
    bosses = {v.id for v in people if v.role == "coordinator"}
    h = handoff(1, "buddy", topic="school", urgent=urgent, open_to_buddies=not urgent)
    limit = 10
    first = routing.announce_set(h, people, step=0, limit=limit)
    helpers = [v for v in first if v.id not in bosses]
    assert 0 < len(helpers) <= limit
    assert {v.id for v in first} & bosses == (bosses if urgent else set())
    told = frozenset(v.id for v in first)
    steps = 1
    for step in itertools.count(1):
        new = routing.announce_set(h, people, step=step, limit=limit, already=told)
        if not new:
            break
        assert len(new) <= limit and not told & {v.id for v in new}
        told |= {v.id for v in new}
        steps += 1
    assert steps == routing.steps_needed(h, people, limit=limit)
    assert told - bosses == {v.id for v in routing.candidates(h, people)}
    if not urgent:
        assert told == {v.id for v in people} - bosses  # in the end: everyone but coordinators


# -- 3. a code space that never runs out ------------------------------------------------------


def test_the_stream_never_ends_and_grows_one_digit_every_eight_tries():
    stream = codes.candidate_codes(random.Random(1))
    first = list(itertools.islice(stream, 200))
    assert len(first) == 200 and next(stream)  # still going
    assert [len(c) for c in first] == [3 + i // codes.TRIES_PER_LENGTH for i in range(200)]
    wider = list(itertools.islice(codes.candidate_codes(random.Random(2), tries_per_length=3), 9))
    assert [len(c) for c in wider] == [3, 3, 3, 4, 4, 4, 5, 5, 5]


def test_only_letters_and_digits_without_look_alikes():
    for code in itertools.islice(codes.candidate_codes(), 500):  # the system's randomness
        assert code[0] in codes.LETTERS and set(code[1:]) <= set(codes.DIGITS)
        assert codes.is_code(code) and codes.normalise(code) == code
    assert not set("IOL01") & set(codes.LETTERS + codes.DIGITS)
    assert set(codes.LETTERS) <= set(string.ascii_uppercase)


@pytest.mark.parametrize("said", ["K7", "#k7", "Ouder #K7", " k7 ", "ouder k7", "OUDER # K7 "])
def test_normalise_finds_the_bare_code(said):
    assert codes.normalise(said) == "K7"


def test_is_code_rejects_what_is_no_code():
    assert codes.is_code("Ouder #K77") and codes.is_code("k7")
    assert not any(codes.is_code(x) for x in ["", "K", "7K", "KK7", "K0", "I7", "K7a"])


def every_code(digits: int) -> list[str]:
    return [
        a + "".join(d)
        for a in codes.LETTERS
        for d in itertools.product(codes.DIGITS, repeat=digits)
    ]


def first_free(stream: Iterator[str], used: set[str]) -> tuple[str, int]:
    for tries, code in enumerate(stream, 1):
        if code not in used:
            return code, tries
    raise AssertionError  # pragma: no cover - the stream never ends


BOUND = 6 * codes.TRIES_PER_LENGTH  # lengths 3 to 8


def test_a_crowded_space_of_200000_codes_always_has_a_free_one_soon():
    # the worst case: every code of up to 4 digits taken (107,456), the rest 5-digit codes
    used = set(every_code(2) + every_code(3) + every_code(4))
    rng = random.Random(7)
    fives = every_code(5)
    used |= set(rng.sample(fives, 200_000 - len(used)))
    assert len(used) == 200_000
    worst = 0
    for seed in range(3000):
        code, tries = first_free(codes.candidate_codes(random.Random(seed)), used)
        assert code not in used and len(code) >= 6
        worst = max(worst, tries)
    assert worst <= BOUND


def test_50000_handoffs_one_after_another_each_find_a_code_within_the_bound():
    # three times the ~15,000 a day at which the old lengths 2..4 ran out (a week: 105,000)
    used: set[str] = set()
    rng = random.Random(50_000)
    worst = 0
    for _ in range(50_000):
        code, tries = first_free(codes.candidate_codes(rng), used)
        used.add(code)
        worst = max(worst, tries)
    assert len(used) == 50_000 and worst <= BOUND
