"""Two real `ouderlijn run` processes on one PostgreSQL (issue #14): 100 parents and 20
volunteers talk through Telegram webhook updates that a round-robin proxy spreads over both
instances, so consecutive messages of one chat land on different processes. Every claim must
count exactly once, every relayed message arrive exactly once and in order, the queue watch
run on exactly one instance, and nothing may be left in the inbox or the outbox.

Black box: the test reads what the fake Bot API delivered and, with its own connection, the
database (tests/db_inspect.py) and PostgreSQL's lock table; the helpers are in
tests/instances.py. Run with `-s` for the one-line summary; OUDERLIJN_INSTANCES_SOURCE=DIR runs
the two instances from another checkout (e.g. one with a fault put in on purpose).
"""

from __future__ import annotations

import asyncio
import functools
import io
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.cli import build_parser
from bot.cli.volunteer import run as volunteer_cli
from bot.config import load_settings
from tests.db_inspect import rows
from tests.fake_telegram import FakeBotApi, FakeUser, SentMessage
from tests.instances import Instance, Mail, Proxy, job_holders, write_config

PARENTS, VOLUNTEERS, MAX_ACTIVE = 100, 20, 5  # 20 x 5 = 100: everyone can be served at once
IN_FLIGHT = 10  # updates the proxy has under way at once (one chat: one at a time)
SECRET = "two-instances-secret"
WAIT = 60.0  # seconds any one step may take before the test calls it lost
STARTUP = 120.0  # seconds an instance may take to answer /healthz (a busy machine: 30+)
# fmt: off
NAMES = (
    "Anna", "Bram", "Carla", "Daan", "Eva", "Fleur", "Gijs", "Hanna", "Ilse", "Joost",
    "Karin", "Lars", "Mila", "Niels", "Olga", "Pim", "Roos", "Sem", "Tess", "Wout",
)
# fmt: on
CLAIM_RE = re.compile(r"Je praat nu met (Ouder #\w+)\. Alles wat je typt, gaat naar \1\. Zeg")
LABEL_RE = re.compile(r"Ouder #\w+")
CLAIM_NOTICE = " is er nu voor u ("  # claimed_parent in bot/locales/nl.yaml
OUTCOMES = {
    "claimed": "Zeg 'u'",
    "lost": "Een collega was je net voor",
    "empty": "Er wacht nu niemand",
    "full": "Je hebt je maximum",
    "gone": "Deze vraag is er niet meer",
    "advisor": "Deze vraag is dringend",
}
SORRY = "Het lukt me nu even niet"  # busy in bot/locales/nl.yaml: a turn failed for good
QUEUE_PLACE = ("in de rij", "eerste in de rij")  # queued, queue_moved, queue_next, waiting_ack


def parent_line(n: int, k: int) -> str:
    return f"bericht {k} van ouder {n:03d}"


def volunteer_line(name: str, label: str, k: int) -> str:
    return f"antwoord {k} van {name} aan {label}"


@dataclass
class World:
    """The people, the instances' front door, and what the scenario learned on the way."""

    api: FakeBotApi
    proxy: Proxy
    mail: Mail
    parents: list[FakeUser]
    volunteers: list[FakeUser]
    claims: dict[str, int] = field(default_factory=dict)  # label -> volunteer index
    claims_twice: list[str] = field(default_factory=list)
    repeats: list[str] = field(default_factory=list)  # the same claim answer delivered again
    claim_attempts: Counter[str] = field(default_factory=Counter)  # outcome -> count
    all_claimed: asyncio.Event = field(default_factory=asyncio.Event)
    closing: asyncio.Event = field(default_factory=asyncio.Event)  # the snapshot is taken

    async def says(self, user: FakeUser, text: str) -> int:
        """The user types `text`; returns how many messages they had before (for waiting)."""
        seen = len(self.mail.to(user.id))
        await self.proxy.post(self.api.make_update(user, text))
        return seen

    async def presses(self, user: FakeUser, message: SentMessage, label: str) -> int:
        seen = len(self.mail.to(user.id))
        await self.proxy.post(self.api.make_press(user, message, label))
        return seen

    async def next_with(self, user: FakeUser, seen: int, *texts: str, what: str) -> SentMessage:
        """The first message after the first `seen` whose text contains one of `texts`."""

        def find(messages: list[SentMessage]) -> SentMessage | None:
            for message in messages[seen:]:
                if SORRY in (message.text or ""):
                    raise AssertionError(f"{user.first_name} was told: {message.text}")
                if any(t in (message.text or "") for t in texts):
                    return message
            return None

        return await self.mail.wait(user.id, find, WAIT, what)

    def claimed(self, label: str, volunteer: int) -> None:
        if label in self.claims:
            self.claims_twice.append(f"{label}: {NAMES[self.claims[label]]} and {NAMES[volunteer]}")
        self.claims[label] = volunteer
        if len(self.claims) >= PARENTS:
            self.all_claimed.set()


async def parent(world: World, n: int) -> None:
    """Ask for a person (pressing what the bot shows), write one line while waiting and two
    once someone is there, then wait until the volunteer closes the conversation."""
    user = world.parents[n]
    seen = await world.says(user, "ik wil iemand spreken")
    steps = {"Met wie wilt u praten": "Maakt niet uit", "Waar gaat uw vraag": "Iets anders"}
    while steps:  # each question once, in whatever order the bot asks (a repeat is ignored)
        shown = await world.next_with(user, seen, *steps, "U staat in de rij", what="next step")
        if "U staat in de rij" in (shown.text or ""):
            break
        question = next(q for q in steps if q in (shown.text or ""))
        seen = await world.presses(user, shown, steps.pop(question))
    else:
        await world.next_with(user, seen, "U staat in de rij", what="a place in the queue")
    await world.says(user, parent_line(n, 1))  # while waiting: stored for whoever comes
    await world.next_with(user, 0, CLAIM_NOTICE, what="the claim notice")
    for k in (2, 3):
        await world.says(user, parent_line(n, k))
    await world.next_with(user, 0, "heeft het gesprek afgesloten", what="the closing notice")


def _outcome(
    messages: list[SentMessage], seen: int, taken: set[int]
) -> tuple[str, SentMessage] | None:
    """The first answer to a claim attempt after the first `seen` messages, not yet taken."""
    for message in messages[seen:]:
        if message.message_id in taken:
            continue
        if SORRY in (message.text or ""):
            raise AssertionError(f"a volunteer was told: {message.text}")
        for outcome, text in OUTCOMES.items():
            if text in (message.text or ""):
                return outcome, message
    return None


async def volunteer(world: World, v: int, rng: random.Random) -> None:
    """Claim (an announcement's *Oppakken*, else /volgende) until full, reply twice right
    after each claim; once everyone is claimed, wait for each parent's lines, then close."""
    user, name = world.volunteers[v], NAMES[v]
    mine: dict[str, SentMessage] = {}  # label -> the claim message (with the close button)
    pressed: set[int] = set()
    taken: set[int] = set()  # claim answers already read
    while len(mine) < MAX_ACTIVE and not world.all_claimed.is_set():
        offers = [
            m
            for m in world.mail.to(user.id)
            if m.message_id not in pressed
            and any(label.startswith("Oppakken") for label, _ in m.buttons)
            and (found := LABEL_RE.search(m.text or "")) is not None
            and found.group() not in world.claims
        ]
        if offers:
            offer = rng.choice(offers)
            pressed.add(offer.message_id)
            seen = await world.presses(user, offer, "Oppakken")
        else:
            seen = await world.says(user, "/volgende")
        while True:
            find = functools.partial(_outcome, seen=seen, taken=taken)
            outcome, message = await world.mail.wait(user.id, find, WAIT, "claim outcome")
            taken.add(message.message_id)
            match = CLAIM_RE.search(message.text or "") if outcome == "claimed" else None
            if match is None or match.group(1) not in mine:
                break
            world.repeats.append(f"{name} told twice: {match.group()}")  # not an answer
        world.claim_attempts[outcome] += 1
        if outcome == "claimed":
            assert match is not None, message.text
            label = match.group(1)
            mine[label] = message
            world.claimed(label, v)
            for k in (1, 2):  # typed text goes to the conversation just claimed
                await world.says(user, volunteer_line(name, label, k))
        elif outcome == "empty":
            await asyncio.sleep(0.3)
        elif outcome in ("full", "advisor"):
            raise AssertionError(
                f"{name}: {message.text!r} with {len(mine)} claimed; {world.repeats[:5]}"
            )
    await world.closing.wait()
    for label, claim in mine.items():

        def relayed(messages: list[SentMessage], label: str = label) -> bool | None:
            found = [m for m in messages if (m.text or "").startswith(f"{label}: bericht 3 ")]
            return True if found else None

        await world.mail.wait(user.id, relayed, WAIT, f"{label}'s third line")
        seen = await world.presses(user, claim, "Afsluiten")
        menu = await world.next_with(user, seen, "Hoe sluit je het gesprek", what="close menu")
        seen = await world.presses(user, menu, "Advies gegeven")
        sure = await world.next_with(user, seen, "Weet je het zeker?", what="close confirm")
        seen = await world.presses(user, sure, "Ja, afsluiten")
        await world.next_with(user, seen, f"Het gesprek met {label} is klaar", what="closed")


async def register(folder: Path, database_url: str) -> list[str]:
    """`ouderlijn volunteer add --max 5` for every volunteer; their invite codes."""
    settings = load_settings(
        env={"OUDERLIJN_DATABASE_URL": database_url, "OUDERLIJN_DB": str(folder / "cli.db")},
        cwd=folder,
    )
    codes = []
    for v, name in enumerate(NAMES[:VOLUNTEERS]):
        role = "advisor" if v % 2 else "buddy"
        argv = ["volunteer", "add", "--name", name, "--role", role, "--max", str(MAX_ACTIVE)]
        out = io.StringIO()
        code = await asyncio.to_thread(
            volunteer_cli, build_parser().parse_args(argv), settings, out
        )
        assert code == 0, out.getvalue()
        codes.append(out.getvalue().split("Invite code:")[1].split()[0])
    return codes


Holders = list[tuple[str, int]]  # (application name, backend pid)


async def sample_jobs(database_url: str, seen: list[dict[str, Holders]]) -> None:
    """Every half second: which sessions hold the queue-watch and retention leases."""
    while True:
        sample = {}
        for job in ("queue-watch", "retention"):
            sample[job] = await asyncio.to_thread(job_holders, database_url, job)
        seen.append(sample)
        await asyncio.sleep(0.5)


async def quiet(database_url: str, timeout: float = 30.0) -> tuple[int, int]:
    """Wait until no inbox row is unhandled and the outbox is empty; (unhandled, outbox)."""
    deadline = time.monotonic() + timeout
    while True:
        unhandled = rows(database_url, "SELECT count(*) FROM inbox WHERE handled_at IS NULL")
        waiting = rows(database_url, "SELECT count(*) FROM outbox")
        left = int(unhandled[0][0]), int(waiting[0][0])
        if left == (0, 0) or time.monotonic() > deadline:
            return left
        await asyncio.sleep(0.2)


def check_claims(world: World, problems: list[str]) -> dict[int, tuple[int, str]]:
    """Every parent told once who came, by the volunteer who saw that parent's lines under
    one label. Returns parent -> (volunteer, label)."""
    problems += [f"claimed twice: {c}" for c in world.claims_twice] + world.repeats
    by_name = {name: v for v, name in enumerate(NAMES[:VOLUNTEERS])}
    served: dict[int, tuple[int, str]] = {}
    for n, user in enumerate(world.parents):
        notices = [m for m in world.mail.to(user.id) if CLAIM_NOTICE in (m.text or "")]
        if len(notices) != 1:
            problems.append(f"parent {n}: {len(notices)} claim notices")
            continue
        name = (notices[0].text or "").split(CLAIM_NOTICE)[0]
        v = by_name[name]
        lines = [
            m for m in world.mail.to(world.volunteers[v].id) if parent_line(n, 3) in (m.text or "")
        ]
        label_match = LABEL_RE.match(lines[0].text or "") if lines else None
        if label_match is None:
            problems.append(f"parent {n}: no third line at {name} to learn the label from")
            continue
        label = label_match.group()
        if world.claims.get(label) != v:
            problems.append(f"parent {n}: {name} talks as {label}, claimed by {world.claims}")
        served[n] = (v, label)
        after = world.mail.to(user.id)[world.mail.to(user.id).index(notices[0]) + 1 :]
        stale = [m.text for m in after if any(p in (m.text or "") for p in QUEUE_PLACE)]
        if stale:
            problems.append(f"parent {n}: told a queue place after the claim notice: {stale}")
    return served


def check_relays(
    world: World, served: dict[int, tuple[int, str]], problems: list[str]
) -> tuple[int, int, int]:
    """Each line once, only at the right person, in order (a parent's first line may come
    inside the claim's summary instead of on its own). Returns (delivered, duplicated, lost)."""
    delivered = duplicated = lost = 0
    texts = {u.id: [m.text or "" for m in world.mail.to(u.id)] for u in world.volunteers}
    texts |= {u.id: [m.text or "" for m in world.mail.to(u.id)] for u in world.parents}
    for n, (v, label) in served.items():
        name, helper, asker = NAMES[v], world.volunteers[v].id, world.parents[n].id
        streams = (
            (helper, [parent_line(n, k) for k in (1, 2, 3)], f"{name} from parent {n}"),
            (asker, [volunteer_line(name, label, k) for k in (1, 2)], f"parent {n} from {name}"),
        )
        for chat, lines, where in streams:
            places = []
            for line in lines:
                here = sum(t.count(line) for t in texts[chat])
                everywhere = sum(t.count(line) for ts in texts.values() for t in ts)
                if here == 0:
                    lost += 1
                    problems.append(f"{where}: {line!r} never arrived")
                if everywhere > 1 or everywhere > here:
                    duplicated += everywhere - min(here, 1)
                    problems.append(f"{where}: {line!r} arrived {here} times, {everywhere} in all")
                delivered += min(here, 1)
                places.append(next((i for i, t in enumerate(texts[chat]) if line in t), -1))
            found = [p for p in places if p >= 0]
            if found != sorted(set(found)):
                problems.append(f"{where}: out of order (message positions {places})")
    return delivered, duplicated, lost


def check_database(url: str, world: World, served: dict[int, tuple[int, str]], problems: list[str]):
    handoffs = rows(url, "SELECT id, code, conversation_id, status, volunteer_id FROM handoffs")
    if len(handoffs) != PARENTS or len({h[2] for h in handoffs}) != PARENTS:
        problems.append(f"{len(handoffs)} handoff rows for {PARENTS} parents")
    if any(h[3] != "closed" or h[4] is None for h in handoffs):
        problems.append(
            f"handoffs not closed by a volunteer: {[h for h in handoffs if h[3] != 'closed']}"
        )
    per_volunteer = Counter(h[4] for h in handoffs)
    if sorted(per_volunteer.values()) != [MAX_ACTIVE] * VOLUNTEERS:
        problems.append(f"handoffs per volunteer: {per_volunteer}")
    claimed = rows(
        url, "SELECT coalesce(sum(n), 0) FROM events WHERE kind = 'handoff' AND outcome = 'claimed'"
    )
    if int(claimed[0][0]) != PARENTS:
        problems.append(f"{claimed[0][0]} claim events for {PARENTS} handoffs")
    by_code = {f"Ouder #{h[1]}": h[0] for h in handoffs}
    stored = rows(url, "SELECT handoff_id, sender, text FROM handoff_messages ORDER BY id")
    for n, (v, label) in served.items():
        kept = [(s, t) for h, s, t in stored if h == by_code.get(label)]
        said = [t for s, t in kept if s == "parent"]
        answered = [t for s, t in kept if s == "volunteer"]
        if said != [parent_line(n, k) for k in (1, 2, 3)]:
            problems.append(f"{label}: the parent's stored lines are {said}")
        if answered != [volunteer_line(NAMES[v], label, k) for k in (1, 2)]:
            problems.append(f"{label}: the volunteer's stored lines are {answered}")
    inbox = rows(url, "SELECT count(*), count(*) FILTER (WHERE handled_at IS NULL) FROM inbox")
    if int(inbox[0][0]) != len(set(world.proxy.update_ids)):
        problems.append(f"{inbox[0][0]} inbox rows for {len(set(world.proxy.update_ids))} updates")


async def conduct(world: World, database_url: str) -> list[tuple[int, int]]:
    """Everyone at once; once all are claimed, read who has how many open conversations,
    then let the volunteers close. Any failure stops all (TaskGroup), the first one raised."""
    active: list[tuple[int, int]] = []

    async def snapshot() -> None:
        await world.all_claimed.wait()
        active.extend(
            (int(v), int(c))
            for v, c in rows(
                database_url,
                "SELECT volunteer_id, count(*) FROM handoffs WHERE status = 'active' "
                "GROUP BY volunteer_id",
            )
        )
        world.closing.set()

    rng = random.Random(14)
    try:
        async with asyncio.timeout(3 * WAIT), asyncio.TaskGroup() as group:
            group.create_task(snapshot())
            for n in range(PARENTS):
                group.create_task(parent(world, n))
            for v in range(VOLUNTEERS):
                group.create_task(volunteer(world, v, random.Random(rng.random())))
    except* (AssertionError, TimeoutError) as failed:
        first = failed.exceptions[0]
        raise AssertionError(f"{len(world.claims)} of {PARENTS} claimed; {first}") from first
    return active


def logged_errors(instances: list[Instance]) -> list[str]:
    return [
        f"{i.name}: {line}"
        for i in instances
        for line in i.log().splitlines()
        if " ERROR " in line or "Traceback" in line
    ]


async def test_two_instances_share_one_postgresql(tmp_path, pg_url):
    began = time.monotonic()
    write_config(tmp_path, watch_seconds=1, announce_limit=2)
    problems: list[str] = []
    samples: list[dict[str, Holders]] = []
    async with FakeBotApi() as api, Mail(api) as mail:
        instances = [Instance(n, api, tmp_path, pg_url, SECRET) for n in ("A", "B")]
        sampler: asyncio.Task[None] | None = None
        try:
            for instance in instances:
                instance.start()
            registering = asyncio.create_task(register(tmp_path, pg_url))  # the admin, meanwhile
            await asyncio.gather(registering, *(i.healthy(STARTUP) for i in instances))
            codes = registering.result()
            async with Proxy([i.webhook for i in instances], SECRET, IN_FLIGHT) as proxy:
                parents = [api.user(100_001 + n, f"Ouder{n}") for n in range(PARENTS)]
                helpers = [api.user(200_001 + v, NAMES[v]) for v in range(VOLUNTEERS)]
                world = World(api, proxy, mail, parents, helpers)
                for user, code in zip(helpers, codes, strict=True):  # both instances, in turn
                    await world.says(user, f"/aanmelden {code}")
                for user, name in zip(helpers, NAMES, strict=False):
                    await world.next_with(user, 0, f"Welkom, {name}", what="the link")
                sampler = asyncio.create_task(sample_jobs(pg_url, samples))
                try:
                    active = await conduct(world, pg_url)
                except AssertionError as error:
                    errors = "\n".join(logged_errors(instances)[:20])
                    raise AssertionError(f"{error}\ninstances logged:\n{errors}") from error
                left = await quiet(pg_url)
                holders = {job: job_holders(pg_url, job) for job in ("queue-watch", "retention")}
        finally:
            if sampler is not None:
                sampler.cancel()
            exits = [i.stop() for i in instances]
    took = time.monotonic() - began
    if sum(c for _, c in active) != PARENTS or any(c > MAX_ACTIVE for _, c in active):
        problems.append(f"open conversations per volunteer once all were claimed: {active}")
    served = check_claims(world, problems)
    relayed, duplicated, lost = check_relays(world, served, problems)
    check_database(pg_url, world, served, problems)
    if left != (0, 0):
        problems.append(f"at the end: {left[0]} inbox rows unhandled, {left[1]} in the outbox")
    ours = {i.application_name for i in instances}
    for job in ("queue-watch", "retention"):  # one session of one instance, all along
        held = {holder for s in samples for holder in s[job]} | set(holders[job])
        one_each_time = samples and all(len(s[job]) == 1 for s in samples)
        if not one_each_time or len(held) != 1 or not {app for app, _ in held} <= ours:
            problems.append(f"{job} lease holders while both ran: {held}")
    problems += logged_errors(instances)[:10]
    if exits != [0, 0]:
        problems.append(f"exit codes {exits}")
    moved = sum(
        "in de rij" in (m.text or "") and not (m.text or "").startswith(("U staat", "Dank u"))
        for m in api.sent
    )
    watcher = ", ".join(app for app, _ in holders["queue-watch"]) or "nobody"
    print(
        f"\ntwo instances: {proxy.delivered[0]} updates to A, {proxy.delivered[1]} to B "
        f"({sum(proxy.refused.values())} refused, retried); {len(world.claims)} claims, "
        f"{len(world.claims_twice)} twice (attempts: {dict(world.claim_attempts)}); "
        f"{relayed} relayed lines delivered, {duplicated} duplicates, {lost} lost; "
        f"queue watch on {watcher} in all {len(samples)} samples, "
        f"{moved} queue updates to parents; {took:.1f} s"
    )
    assert not problems, "\n".join(problems[:30])
