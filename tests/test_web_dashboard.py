"""The coordinators' pages on a real aiohttp server with a real SQLite file: /dashboard with
its charts and tables, the CSV and JSON exports (a count of 1-4 is "<5" everywhere), and the
review of unanswered questions (/dashboard/vragen) with its two forms."""

from __future__ import annotations

import csv
import io
import re
import shutil
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.channels.web.pages import load_page_texts
from bot.channels.web.svg_charts import ChartTexts, Series, bar_chart, heat_grid
from bot.stats.model import count
from bot.storage import Event
from faq.knowledge import KnowledgeSources
from faq.loader import DEFAULT_CONTENT_DIR
from faq.matcher import Outcome
from tests.web_world import Console, WebWorld

RANGE = {"from": "2026-11-01", "to": "2026-11-07", "group": "day"}
QUERY = "from=2026-11-01&to=2026-11-07&group=day"
NO_SESSION = "Je bent niet ingelogd."
ONLY_COORDINATORS = "alleen voor coördinatoren"
QUESTION = "de juf stuurt hem steeds eerder weg uit de klas"
ENTRY = "naar-huis-gestuurd"


async def signed_in(world: WebWorld, name: str = "Carla", role: str = "coordinator") -> Console:
    """A browser with a session (no console socket): a coordinator unless told otherwise."""
    console = Console(world, world.session(), await world.add_volunteer(name, role))
    await console.login(await world.login_link(console.volunteer_id))
    return console


async def seed_contacts(world: WebWorld) -> None:
    """7 web contacts on 2 November, 2 on 3 November (local time, Amsterdam)."""
    events = [Event("contact", None, None, "2026-11-02T09", "web") for _ in range(7)]
    events += [Event("contact", None, None, "2026-11-03T14", "telegram") for _ in range(2)]
    await world.store.transaction(lambda tx: tx.events.record(events))


def section(page: str, table_id: str) -> str:
    found = re.search(rf'<section[^>]*id="tabel-{table_id}".*?</section>', page, re.S)
    assert found is not None, f"no section for {table_id}"
    return found.group(0)


def table_rows(page: str, table_id: str) -> dict[str, list[str]]:
    """The body rows of one table on the page: row label -> cell texts."""
    body = re.search(r"<tbody>(.*?)</tbody>", section(page, table_id), re.S)
    assert body is not None
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S):
        cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        rows[cells[0]] = cells[1:]
    return rows


def open_items(world: WebWorld) -> list[tuple[int, str]]:
    return [tuple(r) for r in world.rows("SELECT id, text FROM review_items WHERE status='open'")]


async def seed_review(world: WebWorld, texts: list[str], kind: str = "suggestions") -> None:
    now = datetime(2026, 11, 2, 10, tzinfo=UTC)
    seeds = [(f"web:seed{n}", kind, text, ENTRY, now) for n, text in enumerate(texts)]
    await world.store.transaction(lambda tx: [tx.review.add_item(*seed) for seed in seeds])


async def post(
    world: WebWorld, who: Console, action: str, data: list[tuple[str, str]], origin: str = ""
):
    """A form post to /dashboard/vragen/<action> (from our own origin unless told)."""
    url, headers = f"{world.url}/dashboard/vragen/{action}", {"Origin": origin or world.url}
    return await who.client.post(url, data=data, headers=headers, allow_redirects=False)


def hidden_items(page: str, form_action: str) -> list[str]:
    form = re.search(rf'<form[^>]*action="{form_action}".*?</form>', page, re.S)
    assert form is not None, f"no form for {form_action}"
    return re.findall(r'name="item" value="(\d+)"', form.group(0))


@pytest.fixture
async def web_world(tmp_path, full_content):
    """The helpline on a copy of the FAQ files: "Toevoegen" writes to them, so no test here
    (nor a bug, such as a missing CSRF check) can change the shipped content."""
    content_dir = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, content_dir)
    world = WebWorld(tmp_path, full_content)
    world.settings = replace(world.settings, knowledge=KnowledgeSources(content_dir=content_dir))
    await world.start()
    yield world
    await world.stop()


# -- who may see it ----------------------------------------------------------------------------


async def test_a_coordinator_sees_every_table_with_a_chart_and_a_csv_link(web_world):
    carla = await signed_in(web_world)
    await seed_contacts(web_world)
    claimed = [Event("handoff", "advisor", "claimed", "2026-11-02T09", "web", None, 9, 1)] * 6
    await web_world.store.transaction(lambda tx: tx.events.record(claimed))
    response = await carla.client.get(f"{web_world.url}/dashboard?{QUERY}")
    page = await response.text()
    assert response.status == 200 and "Carla" in page
    assert 'name="csrf"' in page and 'action="/console/logout"' in page
    assert 'href="/console"' in page and 'href="/dashboard/vragen"' in page
    charted = ("contacts", "heatmap", "channels", "resolved", "faq_outcomes", "urgent")
    for table_id in (*charted, "volunteers"):
        shown = section(page, table_id)
        assert '<svg class="chart-svg"' in shown and 'role="img"' in shown, table_id
        assert f"/dashboard/csv/{table_id}.csv?{QUERY.replace('&', '&amp;')}" in shown
        assert '<caption class="visually-hidden">' in shown and 'th scope="col"' in shown
    assert "<5 betekent: minder dan 5 gesprekken" in page.replace("&lt;", "<")
    assert "<script" not in page and "style=" not in page  # strict CSP: nothing inline


async def test_a_volunteer_who_is_no_coordinator_gets_403(web_world):
    eva = await signed_in(web_world, "Eva", "advisor")
    for path in ("/dashboard", "/dashboard/vragen", "/dashboard/csv/contacts.csv"):
        refused = await eva.client.get(f"{web_world.url}{path}")
        html = await refused.text()
        assert refused.status == 403 and ONLY_COORDINATORS in html, path
        assert '<a href="/console">Terug naar de console</a>' in html and "Inloggen" not in html
    api = await eva.client.get(f"{web_world.url}/dashboard/api/stats")
    assert api.status == 403 and ONLY_COORDINATORS in (await api.json())["error"]


async def test_without_a_session_the_pages_refuse_and_the_api_says_401(web_world):
    stranger = web_world.session()
    for path in ("/dashboard", "/dashboard/vragen", "/dashboard/csv/contacts.csv"):
        refused = await stranger.get(f"{web_world.url}{path}")
        html = await refused.text()
        assert refused.status == 403 and NO_SESSION in html, path
        assert "<svg" not in html and "review-card" not in html
    api = await stranger.get(f"{web_world.url}/dashboard/api/stats")
    assert api.status == 401 and api.content_type == "application/json"
    assert NO_SESSION in (await api.json())["error"]


async def test_the_page_shows_seven_but_never_the_two(web_world):
    carla = await signed_in(web_world)
    await seed_contacts(web_world)
    page = await (await carla.client.get(f"{web_world.url}/dashboard?{QUERY}")).text()
    contacts = table_rows(page, "contacts")
    assert contacts["2026-11-02"] == ["7", "&lt;5", "7"]  # total, Telegram, web
    assert contacts["2026-11-03"] == ["&lt;5", "&lt;5", "&lt;5"]
    assert not re.search(r">2<|: 2\b|\b2 \(|value=\"2\"", section(page, "contacts"))
    channels = table_rows(page, "channels")
    assert channels["Webchat"][0] == "7" and channels["Telegram"][0] == "&lt;5"


async def test_the_csv_has_the_header_and_suppresses_small_counts(web_world):
    carla = await signed_in(web_world)
    await seed_contacts(web_world)
    response = await carla.client.get(f"{web_world.url}/dashboard/csv/contacts.csv?{QUERY}")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition == 'attachment; filename="ouderlijn-contacts-2026-11-01-2026-11-07.csv"'
    raw = await response.read()
    assert raw.startswith("\ufeff".encode())  # Excel then reads UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Periode", "Contacten", "Telegram", "Webchat"]
    by_day = {row[0]: row[1:] for row in rows[1:]}
    assert by_day["2026-11-02"] == ["7", "<5", "7"] and by_day["2026-11-03"] == ["<5", "<5", "<5"]
    assert "2" not in [cell for row in rows[1:] for cell in row[1:]]
    weeks = f"{web_world.url}/dashboard%s?from=2026-11-02&to=2026-11-08&group=week"
    page = await (await carla.client.get(weeks % "")).text()  # a week: words on the page only
    assert table_rows(page, "contacts")["week 45 (2026)"][0] == "9" and "2026-W45" not in page
    assert "2026-W45,9," in await (await carla.client.get(weeks % "/csv/contacts.csv")).text()
    for name in ("nothing", "__init__", "contacts-copy"):  # an unknown table is 404
        missing = await carla.client.get(f"{web_world.url}/dashboard/csv/{name}.csv?{QUERY}")
        assert missing.status == 404, name


async def test_the_api_gives_the_report_with_small_counts_suppressed(web_world):
    carla = await signed_in(web_world)
    await seed_contacts(web_world)
    response = await carla.client.get(f"{web_world.url}/dashboard/api/stats", params=RANGE)
    assert response.status == 200 and response.content_type == "application/json"
    report = await response.json()
    assert (report["from"], report["to"], report["grouping"]) == ("2026-11-01", "2026-11-07", "day")
    contacts = next(t for t in report["tables"] if t["id"] == "contacts")
    by_day = {row[0]: row[1:] for row in contacts["rows"]}
    assert by_day["2026-11-02"] == [7, "<5", 7] and by_day["2026-11-03"] == ["<5", "<5", "<5"]


BAD_RANGES = [
    ("from=3-11-2026&to=2026-11-07", "Kies ze in de kalender."),
    ("from=2026-11-08&to=2026-11-01", "De eerste datum ligt na de laatste datum."),
    ("from=2020-01-01&to=2026-11-01", "Kies een kortere periode."),
    ("from=2026-11-01&to=2026-11-07&group=jaar", "per dag, per week of per maand"),
]


@pytest.mark.parametrize(("query", "says"), BAD_RANGES)
async def test_a_bad_range_gets_a_friendly_page(web_world, query, says):
    carla = await signed_in(web_world)
    response = await carla.client.get(f"{web_world.url}/dashboard?{query}")
    page = await response.text()
    assert response.status == 400 and "Deze periode lukt niet" in page and says in page
    assert 'role="alert"' in page and "Traceback" not in page and "<section" not in page
    api = await carla.client.get(f"{web_world.url}/dashboard/api/stats?{query}")
    assert api.status == 400 and says in (await api.json())["error"]
    as_csv = await carla.client.get(f"{web_world.url}/dashboard/csv/contacts.csv?{query}")
    assert as_csv.status == 400 and says in await as_csv.text()


async def test_without_a_range_it_shows_the_last_four_weeks(web_world):
    carla = await signed_in(web_world)
    page = await (await carla.client.get(f"{web_world.url}/dashboard")).text()
    start, end = re.findall(r'name="(?:from|to)" value="(\d{4}-\d\d-\d\d)"', page)
    days = datetime.fromisoformat(end) - datetime.fromisoformat(start)
    assert days.days == 27 and '<option value="day" selected>' in page


# -- the review of unanswered questions --------------------------------------------------------


async def test_the_review_page_lists_a_group_and_handled_removes_it(web_world):
    carla = await signed_in(web_world)
    empty = await (await carla.client.get(f"{web_world.url}/dashboard/vragen")).text()
    assert "Er wachten nu geen vragen." in empty and "Er is nog niets veranderd." in empty
    await seed_review(web_world, [QUESTION, QUESTION + "?", "de juf stuurt hem eerder weg"])
    page = await (await carla.client.get(f"{web_world.url}/dashboard/vragen")).text()
    assert QUESTION in page and "Zo vaak gevraagd:" in page
    assert "<dd>3</dd>" in page  # the page shows the question: its count is no statistic
    assert "alleen suggesties gegeven" in page
    assert f'<option value="{ENTRY}" selected>' in page
    ids = hidden_items(page, "/dashboard/vragen/afgehandeld")
    assert len(ids) == 3
    done = await post(
        web_world, carla, "afgehandeld", [("csrf", carla.csrf), *(("item", i) for i in ids)]
    )
    assert done.status == 303 and done.headers["Location"] == "/dashboard/vragen?ok=handled"
    after = await (await carla.client.get(f"{web_world.url}/dashboard/vragen?ok=handled")).text()
    assert QUESTION not in after and "De vraag is afgehandeld." in after
    assert "door Carla</span>: 3 vragen afgehandeld</li>" in after  # how many, never which
    assert open_items(web_world) == []
    await seed_review(web_world, [QUESTION] * 6, kind="no_match")  # 5 or more: the number
    page = await (await carla.client.get(f"{web_world.url}/dashboard/vragen")).text()
    assert "<dd>6</dd>" in page and "geen antwoord gevonden" in page


async def test_adding_a_phrasing_makes_the_bot_answer_it(web_world):
    world = web_world
    assert world.service.engine.parents.matcher.match(QUESTION).outcome != Outcome.ANSWER
    carla = await signed_in(world)
    await seed_review(world, [QUESTION, "[NAAM] vraagt wie de taxi betaalt, bel [TELEFOON]"])
    page = await (await carla.client.get(f"{world.url}/dashboard/vragen")).text()
    ids = hidden_items(page, "/dashboard/vragen/toevoegen")
    assert f'maxlength="500" required aria-describedby="phrasing-hint-{ids[0]}">{QUESTION}<' in page
    assert "“[NAAM] vraagt wie de taxi betaalt, bel [TELEFOON]”</h2>" in page  # the heading,
    assert '">vraagt wie de taxi betaalt, bel</textarea>' in page  # the field: as it is stored
    form = [("csrf", carla.csrf), ("entry", ENTRY), ("phrasing", QUESTION), ("item", ids[0])]
    added = await post(world, carla, "toevoegen", form)
    assert added.status == 303 and added.headers["Location"] == "/dashboard/vragen?ok=added"
    found = world.service.engine.parents.matcher.match(QUESTION)
    assert found.outcome == Outcome.ANSWER and found.answer and found.answer.id == ENTRY
    written = world.settings.knowledge.content_dir / "schoolpraktijk.yaml"
    assert QUESTION in written.read_text(encoding="utf-8")
    after = await (await carla.client.get(f"{world.url}/dashboard/vragen?ok=added")).text()
    assert "De vraag is toegevoegd." in after and "Zin toegevoegd" in after
    assert after.count('class="card review-card"') == 1  # only the taxi question is left


REFUSED = [  # entry, phrasing, item ("": the group's), what the page says to do
    (ENTRY, "   ", "", "Vul eerst een tekst in."),
    ("geen-bestaand-antwoord", "mijn eigen woorden", "", "Kies een antwoord uit de lijst."),
    (ENTRY, "ik ben sophie de jong, mail sophie@example.nl", "", "Haal dat eerst weg."),
    (ENTRY, "verkort lesrooster zonder mijn toestemming, kan dat", "", "Zet de vraag dan op"),
    (ENTRY, "mijn eigen woorden", "999999", "Deze vraag is er niet meer."),
]


@pytest.mark.parametrize(("entry", "phrasing", "item", "says"), REFUSED)
async def test_a_refused_phrasing_says_what_to_do(web_world, entry, phrasing, item, says):
    carla = await signed_in(web_world)
    await seed_review(web_world, [QUESTION])
    page = await (await carla.client.get(f"{web_world.url}/dashboard/vragen")).text()
    ids = hidden_items(page, "/dashboard/vragen/toevoegen")
    which = item or ids[0]
    form = [("csrf", carla.csrf), ("entry", entry), ("phrasing", phrasing), ("item", which)]
    refused = await post(web_world, carla, "toevoegen", form)
    body = await refused.text()
    assert refused.status == 400 and "Dat lukte niet" in body and says in body
    assert "De tekst is niet bewaard." in body and "Je hoeft niets te doen" not in body
    if phrasing.strip() and not item:
        assert f">{phrasing}</textarea>" in body  # the coordinator's text is still in the field
    assert len(open_items(web_world)) == 1
    written = web_world.settings.knowledge.content_dir / "schoolpraktijk.yaml"
    assert "sophie" not in written.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", ["no-csrf", "wrong-csrf", "foreign-origin"])
@pytest.mark.parametrize("action", ["toevoegen", "afgehandeld"])
async def test_review_posts_need_the_csrf_token_and_our_origin(web_world, case, action):
    carla = await signed_in(web_world)
    await seed_review(web_world, [QUESTION])
    [(item, _)] = open_items(web_world)
    data = [("entry", ENTRY), ("phrasing", QUESTION), ("item", str(item))]
    if case != "no-csrf":
        data.append(("csrf", "x" * 43 if case == "wrong-csrf" else carla.csrf))
    origin = "https://evil.example" if case == "foreign-origin" else ""
    refused = await post(web_world, carla, action, data, origin)
    assert refused.status == 403 and "Dit formulier is verlopen." in await refused.text()
    assert len(open_items(web_world)) == 1
    assert web_world.rows("SELECT count(*) FROM audit_log") == [(0,)]


def test_the_dashboard_texts_say_je():
    """Coordinators are "je" (tests/test_web_texts.py checks that these texts read easily)."""
    for key, text in load_page_texts("web_dashboard_nl").items():
        assert not re.search(r"\b(u|uw)\b", text), (key, text)


def test_a_suppressed_bar_or_cell_never_shows_its_size_and_texts_are_escaped():
    texts = ChartTexts("Contacten", "Staafdiagram", "De cijfers:")

    def bars(small: int) -> str:
        return bar_chart("c", ["a", "b"], [Series("n", (count(small), count(40)))], texts)

    assert bars(1) == bars(4) == bars(0)  # 0, 1 and 4 draw exactly alike
    assert bars(5) != bars(6)
    drawn = bars(3)
    assert 'role="img" aria-labelledby="c-title c-desc"' in drawn and "&lt;5" in drawn
    assert ">3<" not in drawn and "a: &lt;5; b: 40" in drawn

    def grid(small: int) -> str:
        return heat_grid("h", ["ma"], ["00u", "01u"], [[count(small), count(9)]], texts)

    assert grid(2) == grid(4) and grid(5) != grid(6)
    odd = ChartTexts("<b>x</b>", "Staafdiagram", "De cijfers:")
    drawn = bar_chart("x", ["<script>"], [Series("s&t", (count(7),))], odd)
    assert "<script>" not in drawn and "<b>" not in drawn and "&lt;script&gt;" in drawn
    forty, tspan = "Zonder afronding (nog bezig of weggegaan)", re.compile(r"<tspan [^>]*>(.*?)<")
    lines = tspan.findall(bar_chart("w", [forty], [Series("n", (count(7),))], texts))
    assert " ".join(lines) == forty and len(lines) == 2  # 40 characters: wrapped, not cut
    node = "Wil uw kind niet naar school, of lukt het niet door ziekte of angst? Of iets"
    lines = tspan.findall(bar_chart("t", [node[:70] + "…"], [], texts))
    assert len(lines) == 4 and lines[-1].endswith("…") and max(map(len, lines)) <= 22
