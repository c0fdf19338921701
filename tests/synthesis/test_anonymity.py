"""Report figures never depend on who wrote the anonymous posts (hardening issue, item 5).

Each test builds one dialogue, renders every format, then hands the anonymous posts to
another candidate author (straight in the table, so ids, dates and words stay the same)
and renders again: whatever the candidate, every format must be the same.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import col

from dialogue.accounts.models import User
from dialogue.dialogues.models import Dialogue
from dialogue.threads.models import Post
from tests.factories import Factory
from tests.synthesis.builders import World
from tests.synthesis.scene import all_formats, build_scene, text_of


def comparable(outputs: dict[str, bytes]) -> dict[str, Any]:
    """Each format as a value to compare: its bytes, but what a reader sees of the PDF
    (which embeds its creation time) and each part of the DOCX zip but the creation-time
    properties."""
    found: dict[str, Any] = dict(outputs)
    found["pdf"] = text_of("pdf", outputs["pdf"])
    with zipfile.ZipFile(io.BytesIO(outputs["docx"])) as archive:
        found["docx"] = {
            name: archive.read(name) for name in archive.namelist() if name != "docProps/core.xml"
        }
    return found


async def hand_over(factory: Factory, post_ids: list[int], author: User) -> None:
    """The anonymous posts, now written by `author`: nothing else changes."""
    async with factory.session() as session:
        await session.exec(
            update(Post).where(col(Post.id).in_(post_ids)).values(author_id=author.id)
        )
        await session.commit()


def figures_of(body: bytes) -> dict[str, int]:
    document = json.loads(body)
    return {f["key"]: f["value"] for f in document["at_a_glance"]["figures"]}


@dataclass
class Reproduction:
    dialogue: Dialogue
    organizer: User
    expert: User
    writers: list[User]  # candidate authors of the anonymous posts, who post nothing named
    anonymous: list[int]


async def reproduction(factory: Factory) -> Reproduction:
    """The issue's case: one named expert, two anonymous posts by one participant whose
    country is the only one given."""
    world = World(factory)
    dialogue = await factory.dialogue(title="Figures without anonymous authors")
    theme = await factory.theme(dialogue, title="Safety planning")
    organizer = await factory.member(dialogue, "organizer")
    expert = await factory.member(
        dialogue, "expert", display_name="Named Expert", organization="", quote_consent="named"
    )
    writers = [
        await factory.member(
            dialogue,
            "participant",
            display_name=f"Writer {n}",
            organization=f"Writer Org {n}",
            country=country,
            quote_consent="named",
        )
        for n, country in enumerate(("KE", "BR"))
    ]
    thread, _ = await world.thread(dialogue, theme, expert, "Plans", "Named words on plans.")
    anonymous = [
        (await world.post(thread, writers[0], f"Anonymous words {n}.", anonymous=True)).id or 0
        for n in range(2)
    ]
    return Reproduction(dialogue, organizer, expert, writers, anonymous)


class TestFiguresIgnoreAnonymousAuthors:
    async def test_two_anonymous_posts_and_one_named_expert(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        case = await reproduction(factory)
        headers = await factory.auth(case.organizer)
        outputs = await all_formats(client, case.dialogue.slug, headers)
        first = comparable(outputs)
        assert figures_of(outputs["json"]) == {
            "participants": 1,  # the expert: the anonymous posts tie to no person
            "posts": 3,
            "anonymous_posts": 2,
            "threads": 1,
            "countries": 0,  # Kenya came only from the anonymous author
            "organisations": 0,
            "active_days": figures_of(outputs["json"])["active_days"],
        }
        document = json.loads(outputs["json"])
        regions = document["at_a_glance"]["charts"]["participants_by_region"]
        assert not {i for g in regions["groups"] for i in g["post_ids"]} & set(case.anonymous)
        assert regions["suppressed_people"] == 1  # the expert alone
        for fmt, body in outputs.items():
            assert "Writer" not in text_of(fmt, body), fmt
        # The same posts by two different people, or by the named expert himself.
        await hand_over(factory, case.anonymous[1:], case.writers[1])
        assert comparable(await all_formats(client, case.dialogue.slug, headers)) == first
        await hand_over(factory, case.anonymous, case.expert)
        assert comparable(await all_formats(client, case.dialogue.slug, headers)) == first

    async def test_whole_scene_is_the_same_whoever_wrote_the_anonymous_post(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        headers = await factory.auth(scene.organizer)
        anonymous = [scene.posts["eve"].id or 0]
        first = comparable(await all_formats(client, scene.dialogue.slug, headers))
        # Amina posts under her own name too; Eve posts nothing else. Both consent to be
        # named, so the anonymous post is quoted the same way either way.
        await hand_over(factory, anonymous, scene.people["amina"])
        assert comparable(await all_formats(client, scene.dialogue.slug, headers)) == first
