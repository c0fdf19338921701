"""A Pol.is export imported: its dialogue, statements, votes and members, and its report."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlmodel import col, select

from dialogue.accounts.models import User
from dialogue.archive.polis import import_polis
from dialogue.archive.polis_read import NO_VOTES, empty_note, read_export
from dialogue.dialogues.models import Dialogue, Membership, Theme
from dialogue.events.models import Event
from dialogue.state import app_state
from dialogue.threads.models import Post, PostStatus, Reaction, Thread
from tests.archive.polis_support import (
    CONVERSATION,
    FIXTURE,
    SLUG,
    append,
    export_copy,
    run,
    statement_posts,
)
from tests.factories import Factory
from tests.web.clients import visitor


def at(milliseconds: int) -> datetime:
    return datetime.fromtimestamp(milliseconds / 1000, tz=UTC)


def fixture_comments() -> dict[int, dict[str, str]]:
    with (FIXTURE / "comments.csv").open(encoding="utf-8", newline="") as handle:
        return {int(row["comment-id"]): row for row in csv.DictReader(handle)}


class TestReading:
    def test_keeps_only_the_latest_vote_of_each_participant_on_each_statement(self) -> None:
        stages: list[tuple[float, str]] = []
        conversation = read_export(FIXTURE, lambda f, s: stages.append((f, s)))
        votes = {(v.comment_id, v.voter_id): v for v in conversation.votes()}
        assert len(votes) == len(conversation.latest) == 195  # of 198 rows
        assert votes[(0, 5)].kind == "agree"  # disagreed first, agreed later
        assert votes[(2, 20)].kind == "pass"  # listed first, but the newest
        assert votes[(2, 20)].at == at(1700003800200)
        assert conversation.people() == list(range(24))
        assert stages[-1] == (1.0, "reading votes.csv")
        assert [f for f, _ in stages] == sorted(f for f, _ in stages)


class TestReadingWithoutVotesCsv:
    """Some published exports have only the vote matrix of participants-votes.csv."""

    def test_the_matrix_gives_the_same_latest_votes(self, tmp_path: Path) -> None:
        export = export_copy(tmp_path)
        (export / "votes.csv").unlink()
        stages: list[tuple[float, str]] = []
        from_matrix = read_export(export, lambda f, s: stages.append((f, s)))
        from_votes = read_export(FIXTURE, lambda *_: None)
        assert {(v.comment_id, v.voter_id): v.kind for v in from_matrix.votes()} == {
            (v.comment_id, v.voter_id): v.kind for v in from_votes.votes()
        }
        assert from_matrix.people() == from_votes.people()
        # No times in the matrix: a vote is dated at its statement, the earliest it can be.
        for vote in from_matrix.votes():
            assert vote.at == from_matrix.statements[vote.comment_id].at
        assert stages[-1] == (1.0, "reading participants-votes.csv")

    def test_a_newer_matrix_with_an_xid_column_reads_the_same(self, tmp_path: Path) -> None:
        """Newer exports (Austria's climate council, 2022) put `xid` after `participant`."""
        export = export_copy(tmp_path)
        (export / "votes.csv").unlink()
        matrix = export / "participants-votes.csv"
        rows = [line.split(",") for line in matrix.read_text(encoding="utf-8").splitlines()]
        with_xid = [[row[0], "xid" if n == 0 else f"x{n}", *row[1:]] for n, row in enumerate(rows)]
        matrix.write_text("\n".join(",".join(row) for row in with_xid) + "\n", encoding="utf-8")
        newer = read_export(export, lambda *_: None)
        older = read_export(FIXTURE, lambda *_: None)
        assert {(v.comment_id, v.voter_id): v.kind for v in newer.votes()} == {
            (v.comment_id, v.voter_id): v.kind for v in older.votes()
        }

    async def test_imports_and_reports_like_the_full_export(
        self, db_kind: str, app: FastAPI, tmp_path: Path
    ) -> None:
        export = export_copy(tmp_path)
        (export / "votes.csv").unlink()
        result = await run(app, export)
        assert (result.statements, result.participants, result.votes_added) == (9, 24, 195)


class TestImportWithoutAnyVotes:
    """Some published conversations have only comments.csv and summary.csv: no votes at all."""

    async def test_statements_are_imported_with_a_note_that_there_were_no_votes(
        self, db_kind: str, app: FastAPI, tmp_path: Path
    ) -> None:
        export = export_copy(tmp_path)
        (export / "votes.csv").unlink()
        (export / "participants-votes.csv").unlink()
        result = await run(app, export)
        assert (result.statements, result.hidden, result.votes_added) == (9, 1, 0)
        assert result.participants == len(
            {int(r["author-id"]) for r in fixture_comments().values()}
        )
        assert result.notes == (NO_VOTES,)
        posts = await statement_posts(app)
        assert sorted(posts) == sorted(fixture_comments())
        async with app_state(app).database.session() as session:
            assert (await session.exec(select(Reaction))).all() == []
            (thread,) = (await session.exec(select(Thread))).all()
            opening = (await session.exec(select(Post).where(Post.thread_id == thread.id))).all()
            assert any(NO_VOTES in post.body for post in opening)

    async def test_an_export_with_votes_has_no_note(self, db_kind: str, app: FastAPI) -> None:
        assert (await run(app)).notes == ()


class TestEmptyStatements:
    """A real export (football-concussions) has a statement with no text, moderated out."""

    async def test_are_left_out_with_their_votes_and_a_note(
        self, db_kind: str, app: FastAPI, tmp_path: Path
    ) -> None:
        export = export_copy(tmp_path)
        append(
            export / "comments.csv", "1700000900000,x,9,4,0,0,-1,\n1700000900001,x,10,4,0,0,1, \n"
        )
        append(export / "votes.csv", "1700003900000,x,9,3,1\n1700003900001,x,10,5,-1\n")
        matrix = export / "participants-votes.csv"
        lines = matrix.read_text(encoding="utf-8").splitlines()
        matrix.write_text(
            "\n".join([lines[0] + ",9", *(line + "," for line in lines[1:])]) + "\n",
            encoding="utf-8",
        )
        result = await run(app, export)
        assert (result.statements, result.votes_added) == (9, 195)  # as without them
        assert result.notes == (empty_note({9, 10}),)
        assert "comment-id 9, 10" in result.notes[0]
        assert sorted(await statement_posts(app)) == sorted(fixture_comments())
        (export / "votes.csv").unlink()  # the matrix alone: its column for 9 is skipped too
        again = await run(app, export, slug="from-the-matrix")
        assert (again.statements, again.votes_added) == (9, 195)


class TestImport:
    async def test_statements_become_posts_in_one_thread(self, db_kind: str, app: FastAPI) -> None:
        result = await run(app)
        assert (result.statements, result.hidden, result.participants) == (9, 1, 24)
        assert (result.votes_added, result.votes_updated, result.merged) == (195, 0, False)
        posts = await statement_posts(app)
        rows = fixture_comments()
        assert sorted(posts) == sorted(rows)
        for cid, post in posts.items():
            assert post.created_at.replace(tzinfo=UTC) == at(int(rows[cid]["timestamp"]))
            assert post.body == rows[cid]["comment-body"]
            hidden = rows[cid]["moderated"] == "-1"
            assert post.status == (PostStatus.HIDDEN if hidden else PostStatus.PUBLISHED)
        assert posts[7].body.splitlines() == [
            'Schools should teach "respect" early,',
            "starting at age 6 — in every région.",
        ]
        assert "<script>" not in posts[8].body_html
        assert "&lt;script&gt;" in posts[8].body_html
        async with app_state(app).database.session() as session:
            dialogue = (await session.exec(select(Dialogue))).one()
            assert (dialogue.slug, dialogue.status, dialogue.visibility) == (
                SLUG,
                "closed",
                "invite",
            )
            assert dialogue.title == "Safer streets for women and girls"
            assert dialogue.summary.startswith("What would make streets")
            (theme,) = (await session.exec(select(Theme))).all()
            assert theme.opens_at.replace(tzinfo=UTC) == at(1700000000000)
            last_vote = max(v.at for v in read_export(FIXTURE, lambda *_: None).votes())
            assert theme.closes_at.replace(tzinfo=UTC) == last_vote + timedelta(seconds=1)
            (thread,) = (await session.exec(select(Thread))).all()
            assert {p.thread_id for p in posts.values()} == {thread.id}
            assert thread.post_count == 9  # the opening post and 8 published statements
            assert thread.last_activity_at.replace(tzinfo=UTC) == at(1700000480000)

    async def test_votes_become_reactions_with_the_export_s_agree_and_disagree(
        self, db_kind: str, app: FastAPI
    ) -> None:
        await run(app)
        posts = await statement_posts(app)
        async with app_state(app).database.session() as session:
            reactions = (await session.exec(select(Reaction))).all()
            users = {u.id: u for u in (await session.exec(select(User))).all()}
        assert len(reactions) == 195
        # comments.csv says how many agreed and disagreed: the signs must match them.
        for cid, row in fixture_comments().items():
            mine = [r.kind for r in reactions if r.post_id == posts[cid].id]
            assert mine.count("agree") == int(row["agrees"]), cid
            assert mine.count("disagree") == int(row["disagrees"]), cid
        by_voter = {(r.post_id, users[r.user_id].email): r for r in reactions if r.user_id in users}
        re_vote = by_voter[(posts[0].id, f"polis-{CONVERSATION}-5@import.invalid")]
        assert re_vote.kind == "agree"
        assert re_vote.created_at.replace(tzinfo=UTC) == at(1700003650000)

    async def test_participants_are_pseudonymous_members_who_cannot_sign_in(
        self, db_kind: str, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        await run(app)
        async with app_state(app).database.session() as session:
            rows = (
                await session.exec(
                    select(User, Membership).join(
                        Membership, col(Membership.user_id) == col(User.id)
                    )
                )
            ).all()
        members = {user.email: (user, membership) for user, membership in rows}
        assert len(members) == 25  # 24 participants and the conversation's own account
        user, membership = members[f"polis-{CONVERSATION}-17@import.invalid"]
        assert (user.display_name, membership.role) == ("Participant 17", "participant")
        assert user.password_hash is None and not user.is_admin
        opener, role = members[f"polis-{CONVERSATION}@import.invalid"]
        assert (opener.display_name, role.role) == ("Pol.is conversation", "organizer")
        login = await client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": "anything at all"}
        )
        assert login.status_code == 401

    async def test_event_log_is_gap_free_and_ends_with_the_import(
        self, db_kind: str, app: FastAPI
    ) -> None:
        await run(app)
        async with app_state(app).database.session() as session:
            events = (await session.exec(select(Event).order_by(col(Event.seq)))).all()
            dialogue = (await session.exec(select(Dialogue))).one()
        assert [e.seq for e in events] == [1, 2, 3] and dialogue.last_seq == 3
        assert [e.kind for e in events] == [
            "dialogue.created",
            "theme.created",
            "dialogue.imported",
        ]
        assert events[-1].data == {
            "source": "polis",
            "thread_id": events[-1].data["thread_id"],
            "statements": 8,  # readers see this event: the hidden one is not counted
            "participants": 24,
            "votes": 195,
        }

    async def test_progress_runs_from_reading_to_done(self, db_kind: str, app: FastAPI) -> None:
        stages: list[tuple[float, str]] = []
        await import_polis(
            database=app_state(app).database,
            directory=FIXTURE,
            slug=SLUG,
            progress=lambda f, s: stages.append((f, s)),
        )
        fractions = [f for f, _ in stages]
        assert fractions == sorted(fractions) and stages[-1] == (1.0, "done")
        names = [s for _, s in stages]
        assert "reading votes.csv" in names and "writing votes" in names


class TestReport:
    async def test_report_shows_opinion_groups_and_consensus_statements(
        self, db_kind: str, app: FastAPI, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        organizer = await factory.user()
        await run(app, actor_email=organizer.email)
        posts = await statement_posts(app)
        base = f"/api/v1/dialogues/{SLUG}/report"
        headers = await factory.auth(organizer)
        response = await client.get(base, params={"format": "json"}, headers=headers)
        assert response.status_code == 200, response.text
        agreement: dict[str, Any] = response.json()["agreement"]
        assert {t["post_id"] for t in agreement["consensus"]} == {posts[0].id, posts[1].id}
        groups = agreement["groups"]
        assert groups["found"] and sorted(g["size"] for g in groups["items"]) == [12, 12]
        divisive = {posts[c].id for c in (2, 3, 4, 5, 7, 8)}
        for group in groups["items"]:
            assert {d["post_id"] for d in group["distinctive"]} <= divisive
        markdown = await client.get(base, params={"format": "md"}, headers=headers)
        text = markdown.text
        assert "Street lighting on every bus route should be a priority." in text
        assert "Group 1: 12 participants" in text and "Group 2: 12 participants" in text
        assert "spam.example" not in text  # moderated out in Pol.is: never in a report

    async def test_report_counts_voters_as_participants_and_keeps_statement_ids(
        self, db_kind: str, app: FastAPI, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        organizer = await factory.user()
        await run(app, actor_email=organizer.email)
        posts = await statement_posts(app)
        base = f"/api/v1/dialogues/{SLUG}/report"
        headers = await factory.auth(organizer)
        document = (await client.get(base, params={"format": "json"}, headers=headers)).json()
        participants = next(
            f for f in document["at_a_glance"]["figures"] if f["key"] == "participants"
        )
        assert participants["value"] == 24  # every voter took part
        rows = {row["id"]: row for row in document["posts"]}
        assert {rows[p.id]["polis_statement_id"] for p in posts.values() if p.id in rows} <= {
            str(c) for c in posts
        }
        assert rows[posts[0].id]["polis_statement_id"] == "0"
        markdown = (await client.get(base, params={"format": "md"}, headers=headers)).text
        assert "practitioner" not in markdown.lower()
        assert "1 theme:" in markdown and "1 themes" not in markdown
        assert "imported from Pol.is" in markdown
        table = (await client.get(base, params={"format": "csv"}, headers=headers)).content
        reader = csv.DictReader(table.decode("utf-8-sig").splitlines())
        ids = {int(r["post_id"]): r["polis_statement_id"] for r in reader}
        assert ids[posts[1].id] == "1"


class TestPages:
    async def test_organizer_reads_the_imported_thread(
        self, db_kind: str, app: FastAPI, factory: Factory
    ) -> None:
        organizer = await factory.user()
        await run(app, actor_email=organizer.email)
        posts = await statement_posts(app)
        async with visitor(app, organizer) as browser:
            overview = await browser.get(f"/d/{SLUG}")
            page = await browser.get(f"/d/{SLUG}/threads/{posts[0].thread_id}")
        assert overview.status_code == 200, overview.text
        assert "Safer streets for women and girls" in overview.text
        assert page.status_code == 200, page.text
        assert "Street lighting on every bus route should be a priority." in page.text
        assert "Participant 0" in page.text
        assert "<script>alert" not in page.text
