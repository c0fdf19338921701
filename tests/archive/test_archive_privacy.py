"""What an archive says about people: pseudonyms by default, names only with consent, no secrets,
and never who wrote an anonymous post."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from dialogue.accounts.models import User
from dialogue.archive.people import person_ids
from dialogue.db import Database
from dialogue.dialogues.models import Dialogue
from tests.archive.scene import SECRET_INVITEE, SNAPSHOT_NAME, Rich, rich_archives
from tests.archive.test_archive_roundtrip import records


async def real_people(rich: Rich) -> list[User]:
    database = Database(rich.source)
    try:
        async with database.session() as session:
            return list((await session.exec(select(User))).all())
    finally:
        await database.dispose()


def of_type(archive: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [record for record in archive if record.get("type") == kind]


def without_bodies(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in ("body", "body_html", "before", "after")}


@pytest.fixture
async def rich(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Rich:
    return await rich_archives(tmp_path_factory, sqlite_template)


class TestPseudonyms:
    async def test_the_default_archive_names_no_one(self, rich: Rich) -> None:
        archive = records(rich.pseudonymous)
        plain = "\n".join(str(record) for record in archive)
        # What people wrote is kept as written (some introduce themselves by name).
        fields = "\n".join(str(without_bodies(record)) for record in archive)
        people = await real_people(rich)
        assert len(people) > 20
        persons = of_type(archive, "person")
        for user in people:
            assert user.email not in plain
            assert user.display_name not in fields
        assert {p["organization"] for p in persons} == {""}  # the dialogue's text may name one
        assert [p["email"] for p in persons] == [
            f"member-{n}@archive.invalid" for n in range(1, len(persons) + 1)
        ]
        assert {p["display_name"] for p in persons} == {f"Member {p['ref']}" for p in persons}
        assert SNAPSHOT_NAME not in plain and not of_type(archive, "report_snapshot")

    async def test_no_secret_ever_leaves(self, rich: Rich) -> None:
        for path in (rich.pseudonymous, rich.named):
            archive = records(path)
            plain = "\n".join(str(record) for record in archive)
            for word in ("password", "token", "is_admin", "$argon2", "$2b$", SECRET_INVITEE):
                assert word not in plain, (path.name, word)
            person_fields = set().union(*(p.keys() for p in of_type(archive, "person")))
            assert person_fields == {
                "type", "ref", "display_name", "email", "organization", "country",
                "language", "timezone", "quote_consent", "constituency",
            }  # fmt: skip


class TestIdentities:
    async def test_only_members_who_consented_are_named(self, rich: Rich) -> None:
        archive = records(rich.named)
        persons = {p["email"]: p for p in of_type(archive, "person")}
        facts = rich.facts
        assert persons[facts.named_email]["display_name"] == facts.named_name
        plain = "\n".join(str(record) for record in archive)
        assert facts.unnamed_email not in plain and facts.unnamed_name not in plain
        assert all(
            p["quote_consent"] == "named" or p["email"].endswith("@archive.invalid")
            for p in persons.values()
        )
        assert SNAPSHOT_NAME in plain  # the published report names consenting people


class TestAnonymousPosts:
    @pytest.mark.parametrize("which", ["pseudonymous", "named"])
    async def test_nothing_links_an_anonymous_post_to_its_author(
        self, rich: Rich, which: str
    ) -> None:
        archive = records(getattr(rich, which))
        posts = of_type(archive, "post")
        anonymous = [p for p in posts if p["anonymous"]]
        assert anonymous and all(p["author_id"] is None for p in anonymous)
        assert all(p["quote_consent"] for p in anonymous), "the profile's consent goes along"
        refs = {p["ref"] for p in anonymous}
        first_posts: dict[int, int] = {}
        for post in posts:
            first_posts.setdefault(post["thread_id"], post["ref"])
        for thread in of_type(archive, "thread"):
            if first_posts.get(thread["ref"]) in refs:
                assert thread["author_id"] is None
        for revision in of_type(archive, "revision"):
            if revision["post_id"] in refs:
                assert revision["editor_id"] is None
        about_anonymous = {
            entry["ref"]
            for entry in of_type(archive, "audit")
            if entry["target_type"] in ("post", "post_author") and entry["target_id"] in refs
        }
        assert about_anonymous, "the scene hides an anonymous post"
        for notice in of_type(archive, "notice"):
            assert notice["post_id"] not in refs
            assert notice["audit_entry_id"] not in about_anonymous
        if which == "pseudonymous":
            assert rich.facts.anonymous_author not in "\n".join(str(r) for r in archive)


async def author_ref(rich: Rich) -> int:
    """The anonymous author's person reference (persons are numbered in id order)."""
    database = Database(rich.source)
    try:
        async with database.session() as session:
            dialogue = (await session.exec(select(Dialogue))).one()
            rows = await session.exec(person_ids(dialogue.id or 0))  # type: ignore[call-overload]
            ids = sorted(row[0] for row in rows)
            author = (
                await session.exec(select(User).where(User.email == rich.facts.anonymous_author))
            ).one()
    finally:
        await database.dispose()
    return ids.index(author.id) + 1


def times_in(value: Any) -> set[str]:
    """Every ISO time inside a record's values, to the second."""
    found: set[str] = set()
    if isinstance(value, dict):
        for item in value.values():
            found |= times_in(item)
    elif isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        found.add(value[:19])
    return found


class TestNoValueJoinsAnAnonymousPostToAMember:
    """Rows from before sanctions had a table: the hardening issue's reproduction (item 3)."""

    @pytest.mark.parametrize("which", ["pseudonymous", "named"])
    async def test_notices_and_appeals_about_it_are_left_out(self, rich: Rich, which: str) -> None:
        archive = records(getattr(rich, which))
        plain = "\n".join(str(record) for record in archive)
        assert "ANONAPPEAL" not in str(of_type(archive, "appeal"))
        assert not [n for n in of_type(archive, "notice") if n["reason"] in ("clause 2", "")]
        assert {n["kind"] for n in of_type(archive, "notice")} == {"muted"}  # the named one
        assert "ANONMUTE" in plain and "ANONBAN" in plain  # the moderation itself is kept

    @pytest.mark.parametrize("which", ["pseudonymous", "named"])
    async def test_the_log_names_no_appellant_and_no_member_value(
        self, rich: Rich, which: str
    ) -> None:
        archive = records(getattr(rich, which))
        ref = await author_ref(rich)
        entries = of_type(archive, "audit")
        assert not [e for e in entries if e["actor_id"] == ref]
        about_author = [e for e in entries if e["target_type"] == "post_author"]
        assert len(about_author) == 2
        assert all(e["before"] is None and e["after"] is None for e in about_author)
        [appealed] = [e for e in entries if e["action"] == "appeal.create"]
        assert (appealed["actor_id"], appealed["target_id"]) == (None, None)
        logged = set().union(*(times_in(e) for e in entries))
        for member in of_type(archive, "member"):
            for name in ("muted_until", "banned_at"):
                assert not member[name] or member[name][:19] not in logged, member
            for name in ("created_at", "conduct_accepted_at"):
                assert not member[name] or member[name][10:19] == "T00:00:00", member

    async def test_the_sanction_row_is_not_archived(self, rich: Rich) -> None:
        archive = records(rich.named)
        assert not of_type(archive, "author_sanction")
        assert "barred" not in "\n".join(str(record) for record in archive)
