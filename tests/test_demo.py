"""The sample dialogue: loaded by `dialogue demo`, then read back through the HTTP API.

Loading takes seconds, so each database kind is loaded once, through the command line, into
a template; every test gets its own copy of it (its `database_url`), so tests stay isolated.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from markupsafe import escape
from sqlmodel import col, select

from dialogue.config import Settings
from dialogue.demo.loader import load_demo
from dialogue.demo.timeline import THEME_LENGTH
from dialogue.dialogues.models import Dialogue
from dialogue.events.models import Event
from dialogue.moderation.models import Code, PostCode
from dialogue.state import app_state
from dialogue.threads.models import Post
from tests.demo_support import (
    ADMIN,
    API,
    CONTENT_DATA,
    PUBLISHED,
    SLUG,
    Loaded,
    all_posts,
    at,
    dialogue_of,
    email_of,
    load_template,
    pg_admin,
    pg_copy,
    pg_url,
    read_log,
    row_counts,
    run_demo_command,
    sign_in,
    threads_and_posts,
)
from tests.services import WORKER, PostgresServer


@pytest.fixture(scope="session")
def loaded_templates() -> dict[str, Loaded]:
    return {}


@pytest.fixture
def loaded(
    db_kind: str,
    loaded_templates: dict[str, Loaded],
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    postgres: PostgresServer | None,
    pg_template: str | None,
) -> Loaded:
    """The demo, loaded once per database kind by the real `dialogue demo` command."""
    if db_kind == "postgresql" and (postgres is None or pg_template is None):
        pytest.skip("PostgreSQL is not available here")
    if db_kind not in loaded_templates:
        plain = str(sqlite_template) if db_kind == "sqlite" else str(pg_template)
        workdir = tmp_path_factory.mktemp("demo")
        loaded_templates[db_kind] = load_template(
            db_kind, workdir=workdir, plain=plain, postgres=postgres
        )
    return loaded_templates[db_kind]


_copies = iter(range(10**6))


@pytest.fixture
def database_url(
    db_kind: str, loaded: Loaded, tmp_path: Path, postgres: PostgresServer | None
) -> Iterator[str]:
    """This module's tests run on a private copy of the loaded demo."""
    if db_kind == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(loaded.source, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    assert postgres is not None
    name = f"demo_{WORKER}_{next(_copies)}"
    pg_copy(postgres, loaded.source, name)
    yield pg_url(postgres, name)
    with psycopg.connect(pg_admin(postgres), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# --- the command and the accounts ----------------------------------------------------------


class TestCommand:
    async def test_prints_the_admin_and_the_shared_password(self, loaded: Loaded) -> None:
        assert f"Demo admin: {ADMIN}" in loaded.output
        assert "Every demo participant has the same password as the admin." in loaded.output

    async def test_lists_every_person_with_role_and_email(self, loaded: Loaded) -> None:
        lines = loaded.output.splitlines()
        for person in CONTENT_DATA.people:
            [line] = [line for line in lines if line.endswith(f"  {person.email}")]
            assert line.split()[0] == person.role.value
            assert str(person.profile["display_name"]) in line
        assert loaded.password not in "\n".join(lines[3:])  # the password is printed once

    async def test_admin_and_every_person_sign_in_with_it(
        self, client: httpx.AsyncClient, loaded: Loaded
    ) -> None:
        me = await client.get(f"{API}/me", headers=await sign_in(client, ADMIN, loaded.password))
        assert me.json()["is_admin"] is True
        for key in ("amara", "brian", "wanjiru"):
            headers = await sign_in(client, email_of(key), loaded.password)
            profile = (await client.get(f"{API}/me", headers=headers)).json()
            person = CONTENT_DATA.person(key)
            assert profile["is_admin"] is False
            for name in ("display_name", "organization", "country", "language", "timezone"):
                assert profile[name] == person.profile[name], name
            assert profile["quote_consent"] == person.profile["quote_consent"].value

    async def test_a_wrong_password_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            f"{API}/auth/login", json={"email": email_of("brian"), "password": "not the one"}
        )
        assert response.status_code == 401


class TestThemes:
    async def test_three_weekly_themes_and_the_third_is_open_now(
        self, client: httpx.AsyncClient, loaded: Loaded
    ) -> None:
        data = await dialogue_of(client, await sign_in(client, ADMIN, loaded.password))
        assert (data["status"], data["visibility"], data["allow_anonymous"]) == (
            "open",
            "public",
            True,
        )
        themes = data["themes"]
        assert [t["title"] for t in themes] == [t.title for t in CONTENT_DATA.themes]
        assert [t["is_open"] for t in themes] == [False, False, True]
        now = datetime.now(UTC)
        opens = [at(t["opens_at"]) for t in themes]
        assert [at(t["closes_at"]) - o for t, o in zip(themes, opens, strict=True)] == [
            THEME_LENGTH
        ] * 3
        assert opens[1] - opens[0] == opens[2] - opens[1] == THEME_LENGTH
        assert timedelta(hours=12) <= now - opens[2] <= timedelta(hours=37)
        assert all(t["summary"] for t in themes[:2]) and themes[2]["summary"] == ""

    async def test_the_moderators_facilitate_every_theme(
        self, client: httpx.AsyncClient, loaded: Loaded
    ) -> None:
        headers = await sign_in(client, ADMIN, loaded.password)
        members = (await client.get(f"{API}/dialogues/{SLUG}/members", headers=headers)).json()
        moderators = sorted(m["user_id"] for m in members if m["role"] == "moderator")
        for theme in (await dialogue_of(client, headers))["themes"]:
            assert sorted(theme["facilitators"]) == moderators


class TestMembers:
    async def test_thirty_members_with_their_roles_who_accepted_the_code(
        self, client: httpx.AsyncClient, loaded: Loaded
    ) -> None:
        headers = await sign_in(client, ADMIN, loaded.password)
        dialogue = await dialogue_of(client, headers)
        members = (await client.get(f"{API}/dialogues/{SLUG}/members", headers=headers)).json()
        assert len(members) == 30
        assert Counter(m["role"] for m in members) == Counter(
            {
                "participant": 14,
                "expert": 6,
                "moderator": 3,
                "advisor": 3,
                "organizer": 2,
                "observer": 2,
            }
        )
        assert {m["display_name"] for m in members} == {
            p.profile["display_name"] for p in CONTENT_DATA.people
        }
        assert all(m["conduct_version"] == dialogue["conduct_version"] >= 1 for m in members)
        first_opens = at(dialogue["themes"][0]["opens_at"])
        assert all(at(m["joined_at"]) < first_opens for m in members)

    async def test_a_participant_may_post_now(
        self, client: httpx.AsyncClient, loaded: Loaded
    ) -> None:
        headers = await sign_in(client, email_of("brian"), loaded.password)
        dialogue = await dialogue_of(client, headers)
        assert (dialogue["role"], dialogue["conduct_accepted"]) == ("participant", True)
        threads = await client.get(
            f"{API}/themes/{dialogue['themes'][2]['id']}/threads", headers=headers
        )
        thread_id = threads.json()["items"][0]["id"]
        response = await client.post(
            f"{API}/threads/{thread_id}/posts", json={"body": "Thank you all."}, headers=headers
        )
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "published"


# --- threads, posts, reactions -------------------------------------------------------------


class TestPosts:
    async def test_every_post_in_its_thread_in_order_with_its_replies(
        self, client: httpx.AsyncClient, loaded: Loaded
    ) -> None:
        headers = await sign_in(client, email_of("brian"), loaded.password)
        listed = await threads_and_posts(client, headers)
        assert [t["title"] for t, _p in listed] == [t.title for t in CONTENT_DATA.threads]
        for (thread, posts), spec in zip(listed, CONTENT_DATA.threads, strict=True):
            assert [p["body"] for p in posts] == [p.body for p in spec.posts]
            assert thread["post_count"] == len(spec.posts)
            ids = {p.key: post["id"] for p, post in zip(spec.posts, posts, strict=True)}
            by_id = {post["id"]: post for post in posts}
            for p, post in zip(spec.posts, posts, strict=True):
                assert post["parent_id"] == (ids[p.reply_to] if p.reply_to else None)
                if p.reply_to:
                    assert post["depth"] == by_id[post["parent_id"]]["depth"] + 1
        replies = sum(1 for t in CONTENT_DATA.threads for p in t.posts if p.reply_to)
        assert sum(1 for _t, ps in listed for p in ps if p["parent_id"]) == replies > 50

    async def test_published_count_is_the_total_minus_the_pending_post(
        self, client: httpx.AsyncClient, loaded: Loaded
    ) -> None:
        staff = await all_posts(client, await sign_in(client, ADMIN, loaded.password))
        assert Counter(p["status"] for p in staff) == {"published": PUBLISHED, "pending": 1}
        assert PUBLISHED == 154

    async def test_anonymous_posts_show_no_author_even_to_the_admin(
        self, client: httpx.AsyncClient, loaded: Loaded
    ) -> None:
        posts = await all_posts(client, await sign_in(client, ADMIN, loaded.password))
        specs = {p.body: p for t in CONTENT_DATA.threads for p in t.posts}
        anonymous = [p for p in posts if p["anonymous"]]
        assert len(anonymous) == sum(1 for s in specs.values() if s.anonymous) == 6
        for post in posts:
            if post["anonymous"]:
                assert post["author"] is None
                assert post["author_name"] == "Anonymous participant"
            elif post["status"] == "published":
                author = CONTENT_DATA.person(specs[post["body"]].author)
                assert post["author_name"] == author.profile["display_name"]

    async def test_reactions_are_counted_per_post(
        self, client: httpx.AsyncClient, loaded: Loaded
    ) -> None:
        posts = await all_posts(client, await sign_in(client, ADMIN, loaded.password))
        specs = {p.body: p for t in CONTENT_DATA.threads for p in t.posts}
        for post in posts:
            if post["status"] != "published":
                continue
            expected = Counter(kind.value for _who, kind in specs[post["body"]].reactions)
            assert post["reactions"] == {k: expected[k] for k in ("agree", "disagree", "pass")}
        assert sum(sum(p["reactions"].values()) for p in posts) == 1015


class TestPendingPost:
    async def test_a_participant_does_not_see_it(
        self, client: httpx.AsyncClient, loaded: Loaded
    ) -> None:
        staff_posts = await all_posts(client, await sign_in(client, ADMIN, loaded.password))
        pending = next(p for p in staff_posts if p["status"] == "pending")
        headers = await sign_in(client, email_of("brian"), loaded.password)
        assert pending["id"] not in {p["id"] for p in await all_posts(client, headers)}
        response = await client.get(f"{API}/posts/{pending['id']}", headers=headers)
        assert response.status_code == 404
        search = await client.get(f"{API}/dialogues/{SLUG}/search?q=Velásquez", headers=headers)
        assert search.json()["items"] == []

    async def test_a_moderator_sees_it_in_its_thread_and_the_queue(
        self, client: httpx.AsyncClient, loaded: Loaded
    ) -> None:
        headers = await sign_in(client, email_of("priya"), loaded.password)
        listed = await threads_and_posts(client, headers)
        thread, posts = listed[CONTENT_DATA.pending.thread]
        pending = next(p for p in posts if p["status"] == "pending")
        assert pending["body"] == CONTENT_DATA.pending.body
        assert pending["author_name"] == CONTENT_DATA.person("maribel").profile["display_name"]
        assert thread["post_count"] == len(posts) - 1
        queue = await client.get(f"{API}/dialogues/{SLUG}/moderation/queue", headers=headers)
        assert queue.status_code == 200, queue.text
        items = queue.json() if isinstance(queue.json(), list) else queue.json()["items"]
        kinds = {item["post"]["id"]: item["kind"] for item in items}
        assert kinds[pending["id"]] == "post"


class TestModerationContent:
    async def test_highlights_flag_and_codebook(
        self, client: httpx.AsyncClient, loaded: Loaded
    ) -> None:
        headers = await sign_in(client, email_of("priya"), loaded.password)
        posts = await all_posts(client, headers)
        bodies = CONTENT_DATA.posts()
        highlighted = {bodies[key].body for key in CONTENT_DATA.highlights}
        assert {p["body"] for p in posts if p["highlighted"]} == highlighted
        queue = await client.get(f"{API}/dialogues/{SLUG}/moderation/queue", headers=headers)
        items = queue.json() if isinstance(queue.json(), list) else queue.json()["items"]
        flagged = [item for item in items if item["kind"] == "flags"]
        assert [item["post"]["body"] for item in flagged] == [bodies[CONTENT_DATA.flag.post].body]
        assert [(f["reason"], f["note"]) for f in flagged[0]["flags"]] == [
            (CONTENT_DATA.flag.reason, CONTENT_DATA.flag.note)
        ]
        codes = (await client.get(f"{API}/dialogues/{SLUG}/codes", headers=headers)).json()
        assert sorted(c["name"] for c in codes["items"]) == sorted(
            c.name for c in CONTENT_DATA.codes
        )

    async def test_every_code_is_on_its_posts(self, app: FastAPI, loaded: Loaded) -> None:
        async with app_state(app).database.session() as session:
            rows = (
                await session.exec(
                    select(Code.name, Post.client_id)
                    .join(PostCode, col(PostCode.code_id) == col(Code.id))
                    .join(Post, col(Post.id) == col(PostCode.post_id))
                )
            ).all()
        tagged = {(name, (client_id or "").removeprefix("demo-")) for name, client_id in rows}
        assert tagged == {(c.name, key) for c in CONTENT_DATA.codes for key in c.posts}


class TestSearch:
    async def test_finds_a_known_phrase(self, client: httpx.AsyncClient, loaded: Loaded) -> None:
        headers = await sign_in(client, email_of("brian"), loaded.password)
        response = await client.get(
            f"{API}/dialogues/{SLUG}/search", params={"q": "accountability cost"}, headers=headers
        )
        assert response.status_code == 200, response.text
        hits = response.json()["items"]
        posts = {p["id"]: p for p in await all_posts(client, headers)}
        assert any("what does accountability cost" in posts[h["post_id"]]["body"] for h in hits)
        assert all("<mark>" in h["snippet_html"] for h in hits)


class TestPublicPages:
    async def test_anyone_reads_the_demo_without_signing_in(
        self, client: httpx.AsyncClient, loaded: Loaded
    ) -> None:
        home = await client.get("/")
        assert home.status_code == 200
        assert str(escape(CONTENT_DATA.dialogue["title"])) in home.text
        page = await client.get(f"/d/{SLUG}")
        assert page.status_code == 200, page.text
        assert all(str(escape(theme.title)) in page.text for theme in CONTENT_DATA.themes)
        listed = await threads_and_posts(client, {})
        thread, posts = listed[CONTENT_DATA.pending.thread]
        page = await client.get(f"/d/{SLUG}/threads/{thread['id']}")
        assert page.status_code == 200, page.text
        assert str(escape(thread["title"])) in page.text
        assert "Velásquez" not in page.text  # the queued post stays in the queue
        assert len(posts) == thread["post_count"]


# --- the event log and the dates -----------------------------------------------------------


class TestEventLog:
    async def test_seq_runs_from_one_without_gaps(
        self, client: httpx.AsyncClient, app: FastAPI, loaded: Loaded
    ) -> None:
        headers = await sign_in(client, ADMIN, loaded.password)
        events = await read_log(client, headers)
        async with app_state(app).database.session() as session:
            logged = (
                await session.exec(select(Event.seq, Event.kind).order_by(col(Event.seq)))
            ).all()
        assert [seq for seq, _kind in logged] == list(range(1, len(logged) + 1))
        assert (await dialogue_of(client, headers))["last_seq"] == len(logged)
        # The admin reads all of it but each member's own acceptance of the code of conduct,
        # which only that member is told of (staff read acceptance on the member list).
        assert [e["seq"] for e in events] == [s for s, k in logged if k != "conduct.accepted"]
        kinds = Counter(e["kind"] for e in events)
        assert kinds["thread.created"] == 17
        assert kinds["post.created"] == PUBLISHED + 1
        assert kinds["reaction.changed"] == 1015
        assert kinds["flag.created"] == 1
        posts = {p["id"]: p for p in await all_posts(client, headers)}
        for event in events:
            if event["kind"] == "post.created":
                assert event["data"]["created_at"] == posts[event["data"]["id"]]["created_at"]

    async def test_the_log_hides_the_pending_post_from_a_participant(
        self, client: httpx.AsyncClient, loaded: Loaded
    ) -> None:
        events = await read_log(client, await sign_in(client, email_of("brian"), loaded.password))
        assert sum(e["kind"] == "post.created" for e in events) == PUBLISHED
        assert all(e["kind"] != "flag.created" for e in events)

    async def test_event_times_follow_seq_and_none_is_in_the_future(
        self, app: FastAPI, loaded: Loaded
    ) -> None:
        async with app_state(app).database.session() as session:
            times = (await session.exec(select(Event.created_at).order_by(col(Event.seq)))).all()
        assert times == sorted(times)
        assert at(times[-1].isoformat()) <= datetime.now(UTC)

    async def test_reaction_events_match_the_services(
        self, client: httpx.AsyncClient, loaded: Loaded
    ) -> None:
        spec = CONTENT_DATA.threads[0].posts[0]
        reactors = {who for who, _kind in spec.reactions} | {spec.author}
        newcomer = next(
            p.key for p in CONTENT_DATA.people if p.key not in reactors and p.role != "observer"
        )
        headers = await sign_in(client, email_of(newcomer), loaded.password)
        post_id = (await threads_and_posts(client, headers))[0][1][0]["id"]
        before = [e for e in await read_log(client, headers) if e["kind"] == "reaction.changed"]
        demo_event = [e for e in before if e["data"]["post_id"] == post_id][-1]
        response = await client.put(
            f"{API}/posts/{post_id}/reaction", json={"kind": "agree"}, headers=headers
        )
        assert response.status_code == 200, response.text
        after = [e for e in await read_log(client, headers) if e["kind"] == "reaction.changed"]
        live_event = after[-1]
        assert set(live_event["data"]) == set(demo_event["data"])
        expected = dict(
            demo_event["data"]["reactions"], agree=demo_event["data"]["reactions"]["agree"] + 1
        )
        assert live_event["data"] == dict(demo_event["data"], reactions=expected)


class TestDates:
    async def test_no_post_is_dated_in_the_future(
        self, client: httpx.AsyncClient, loaded: Loaded
    ) -> None:
        headers = await sign_in(client, ADMIN, loaded.password)
        now = datetime.now(UTC)
        themes = (await dialogue_of(client, headers))["themes"]
        for thread, posts in await threads_and_posts(client, headers):
            theme = next(t for t in themes if t["id"] == thread["theme_id"])
            times = [at(p["created_at"]) for p in posts]
            assert all(at(theme["opens_at"]) <= t < min(at(theme["closes_at"]), now) for t in times)
            assert times == sorted(times)
            published = [at(p["created_at"]) for p in posts if p["status"] == "published"]
            assert at(thread["last_activity_at"]) == max(published)
            assert at(thread["created_at"]) == times[0]

    async def test_the_past_themes_keep_the_written_days_and_hours(
        self, client: httpx.AsyncClient, loaded: Loaded
    ) -> None:
        headers = await sign_in(client, ADMIN, loaded.password)
        start = at((await dialogue_of(client, headers))["themes"][0]["opens_at"])
        listed = await threads_and_posts(client, headers)
        for (_thread, posts), spec in zip(listed, CONTENT_DATA.threads, strict=True):
            if spec.theme < 2:
                assert [at(p["created_at"]) - start for p in posts] == [
                    p.offset for p in spec.posts
                ]


class TestLoadingTwice:
    async def test_a_second_load_changes_nothing(
        self, app: FastAPI, settings: Settings, loaded: Loaded
    ) -> None:
        before = await row_counts(app)
        assert before["Post"] == PUBLISHED + 1 and before["Reaction"] == 1015
        again = await load_demo(settings, admin_email=ADMIN, admin_password="another password")
        assert again is False
        assert await row_counts(app) == before

    def test_the_command_says_so(self, database_url: str) -> None:
        code, output = run_demo_command(database_url)
        assert code == 0, output
        assert "already loaded" in output
        assert "Password" not in output


class TestTakenEmails:
    async def test_refused_before_anything_is_written(
        self, app: FastAPI, settings: Settings, loaded: Loaded
    ) -> None:
        async with app_state(app).database.session() as session:
            dialogue = (await session.exec(select(Dialogue))).one()
            await session.delete(dialogue)
            await session.commit()
        before = await row_counts(app)
        with pytest.raises(ValueError, match="exist already"):
            await load_demo(settings, admin_email=ADMIN, admin_password="a new password")
        assert await row_counts(app) == before


# --- the transparency page over the demo's moderation history ---------------------------------

EXACT_SMALL = re.compile(r"<(dd|td)>\s*[0-4]\s*</\1>|: [0-4]</li>")


class TestTransparencyNamesNobody:
    async def test_no_name_of_the_fixture_and_no_count_under_five(
        self, client: httpx.AsyncClient, loaded: Loaded
    ) -> None:
        headers = await sign_in(client, email_of("amara"), loaded.password)
        api = await client.get(f"{API}/dialogues/{SLUG}/transparency", headers=headers)
        assert api.status_code == 200, api.text
        page = await client.get(f"/d/{SLUG}/transparency", headers=headers)
        assert page.status_code == 200, page.text
        assert "Week by week" in page.text
        # The header names the reader, who is signed in; the page's own content names nobody.
        content = page.text[page.text.index("<main") : page.text.index("</main>")]
        for text in (content, api.text):
            for person in CONTENT_DATA.people:
                for value in (person.email, person.profile["display_name"]):
                    assert str(value) not in text, value
                organization = str(person.profile.get("organization") or "")
                assert not organization or organization not in text, organization
            assert ADMIN not in text
        assert not EXACT_SMALL.search(page.text), EXACT_SMALL.search(page.text)
        figures = api.json()
        counts = [v for k, v in figures.items() if isinstance(v, int) and k != "slug"]
        counts += [
            n
            for week in figures["weeks"]
            for n in (
                week["appeals_upheld"],
                week["appeals_overturned"],
                *(c["applied"] for c in week["clauses"]),
            )
            if n is not None
        ]
        assert all(n >= 5 for n in counts), counts
